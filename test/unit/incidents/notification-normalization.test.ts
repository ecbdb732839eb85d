import { expect } from 'chai';
import { normalizeNotification, readNotification } from '../../../src/incidents/normalize.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { alert, notification, ZERO_TIME } from './payloads.ts';

describe('normalizeNotification', () => {
  it('maps the zero endsAt of a firing alert to null and keeps a resolved end time', () => {
    const n = normalizeNotification(
      notification([
        alert({ fingerprint: 'a1', startsAt: '2026-03-01T10:00:00Z' }),
        alert({ fingerprint: 'a2', status: 'resolved', startsAt: '2026-03-01T10:00:00Z', endsAt: '2026-03-01T10:05:00Z' }),
      ]),
    );
    expect(n.alerts.map((a) => a.endsAt)).to.deep.equal([null, '2026-03-01T10:05:00.000Z']);
    expect(n.alerts.map((a) => a.status)).to.deep.equal(['firing', 'resolved']);
  });

  it('writes times in one canonical UTC form, whatever precision and offset Alertmanager used', () => {
    const n = normalizeNotification(
      notification([alert({ fingerprint: 'a1', startsAt: '2026-03-01T12:00:00.123456789+02:00', endsAt: ZERO_TIME })]),
    );
    expect(n.alerts[0]?.startsAt).to.equal('2026-03-01T10:00:00.123Z');
  });

  it('reads every time alike however often it comes and however many distinct times were read before', () => {
    // More distinct times than the reader keeps, then the first ones again, a long one among them.
    const times = Array.from({ length: 300 }, (_, i) => `2026-03-01T${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00.5+01:00`);
    const long = `2026-03-01T10:00:00.${'1'.repeat(60)}Z`;
    const all = [...times, long, ...times.slice(0, 5), long];
    const n = normalizeNotification(notification(all.map((startsAt, i) => alert({ fingerprint: `t${i}`, startsAt, endsAt: ZERO_TIME }))));
    expect(n.alerts.map((a) => a.startsAt)).to.deep.equal(all.map((t) => new Date(Date.parse(t)).toISOString()));
    expect(n.alerts.every((a) => a.endsAt === null)).to.equal(true);
    const invalid = readNotification(notification([alert({ fingerprint: 'bad', startsAt: times[0] as string, endsAt: '2026-02-30T00:00:00Z' })]));
    expect(invalid.rejected.map((r) => r.path)).to.deep.equal(['/alerts/0/endsAt']);
  });

  it('keeps labels and annotations exactly as given, unicode and odd names included', () => {
    const labels = { topic: 'zahlungen-äöü-支付', 'weird key': 'a|b', __proto__x: 'p' };
    const annotations = { summary: 'Réplicas en retard 🚨\nsecond line' };
    const n = normalizeNotification(notification([alert({ fingerprint: 'a1', startsAt: '2026-03-01T10:00:00Z', labels, annotations })]));
    expect(n.alerts[0]?.labels).to.include(labels);
    expect(n.alerts[0]?.annotations).to.deep.equal(annotations);
  });

  it('keeps a label named __proto__ as a plain label', () => {
    const a = alert({ fingerprint: 'a1', startsAt: '2026-03-01T10:00:00Z' });
    // JSON.parse, like the HTTP body parser, makes `__proto__` an own property.
    const withProto = JSON.parse(JSON.stringify(a).replace('"labels":{', '"labels":{"__proto__":"x",'));
    const n = normalizeNotification(notification([withProto]));
    expect(Object.getOwnPropertyDescriptor(n.alerts[0]?.labels, '__proto__')?.value).to.equal('x');
    expect(Object.getPrototypeOf(n.alerts[0]?.labels)).to.equal(Object.prototype);
  });

  it('maps an empty generatorURL to null and reads the group fields', () => {
    const a = { ...alert({ fingerprint: 'a1', startsAt: '2026-03-01T10:00:00Z' }), generatorURL: '' };
    const n = normalizeNotification({ ...notification([a]), notification_reason: 'newer field' });
    expect(n.alerts[0]?.generatorURL).to.equal(null);
    expect(n.groupKey).to.contain('KafkaUnderReplicatedPartitions');
    expect(n.groupLabels).to.deep.equal({ alertname: 'KafkaUnderReplicatedPartitions', cluster: 'prod-eu' });
    expect(n.receiver).to.equal('firebreak');
    expect(n.status).to.equal('firing');
  });

  it('refuses an envelope it cannot read with INCIDENT_INVALID_NOTIFICATION naming the field', () => {
    const cases: Array<[unknown, string]> = [
      [null, ''],
      [{ ...notification([]), version: '3' }, '/version'],
      [{ ...notification([]), alerts: {} }, '/alerts'],
      [{ ...notification([]), groupKey: 7 }, '/groupKey'],
      [{ ...notification([]), commonLabels: { n: 1 } }, '/commonLabels/n'],
    ];
    for (const [payload, field] of cases) {
      expect(() => normalizeNotification(payload), field)
        .to.throw(FirebreakError)
        .that.satisfies((e: FirebreakError) => e.code === 'INCIDENT_INVALID_NOTIFICATION' && e.details?.field === field && e.retriable === false);
    }
  });

  it('leaves out, alone, each alert it cannot read, naming the field, and keeps the others', () => {
    const good = alert({ fingerprint: 'ok', startsAt: '2026-03-01T10:00:00Z' });
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ ...alert({ fingerprint: 'a1', startsAt: '2026-03-01T10:00:00Z' }), status: 'pending' }, '/alerts/1/status'],
      [alert({ fingerprint: 'a2', startsAt: 'yesterday' }), '/alerts/2/startsAt'],
      [alert({ fingerprint: 'a3', startsAt: ZERO_TIME }), '/alerts/3/startsAt'],
      [{ ...alert({ fingerprint: 'a4', startsAt: '2026-03-01T10:00:00Z' }), labels: { n: 1 } }, '/alerts/4/labels/n'],
    ];
    const read = readNotification(notification([good, ...bad.map(([a]) => a)]));
    expect(read.notification.alerts.map((a) => a.fingerprint)).to.deep.equal(['ok']);
    expect(read.rejected.map((r) => [r.index, r.fingerprint, r.path])).to.deep.equal(bad.map(([a, path], i) => [i + 1, a.fingerprint, path]));
  });

  it('reads a leap second as the last millisecond of its minute', () => {
    const n = normalizeNotification(notification([alert({ fingerprint: 'a1', startsAt: '2016-12-31T23:59:60Z', endsAt: '2017-01-01T00:59:60.250+01:00', status: 'resolved' })]));
    expect(n.alerts[0]).to.include({ startsAt: '2016-12-31T23:59:59.999Z', endsAt: '2016-12-31T23:59:59.999Z' });
  });
});
