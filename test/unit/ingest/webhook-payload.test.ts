import { expect } from 'chai';
import { FirebreakError } from '../../../src/errors.ts';
import { createWebhookValidator } from '../../../src/ingest/validate.ts';
import firingAndResolved from '../../fixtures/alertmanager/firing-and-resolved.json' with { type: 'json' };
import groupedFiring from '../../fixtures/alertmanager/grouped-firing.json' with { type: 'json' };
import groupedResolved from '../../fixtures/alertmanager/grouped-resolved.json' with { type: 'json' };
import truncated from '../../fixtures/alertmanager/truncated.json' with { type: 'json' };
import unicodeLabels from '../../fixtures/alertmanager/unicode-labels.json' with { type: 'json' };

const validate = createWebhookValidator();

function rejection(body: unknown): FirebreakError {
  try {
    validate(body);
  } catch (err) {
    expect(err).to.be.instanceOf(FirebreakError);
    return err as FirebreakError;
  }
  throw new Error('expected the payload to be rejected');
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

describe('webhook payload validation', () => {
  const fixtures = { groupedFiring, firingAndResolved, groupedResolved, truncated, unicodeLabels };
  for (const [name, fixture] of Object.entries(fixtures)) {
    it(`accepts the Alertmanager fixture ${name}`, () => {
      const { alerts, rejected } = validate(copy(fixture));
      expect(alerts.firing + alerts.resolved).to.equal(fixture.alerts.length);
      expect(rejected).to.deep.equal([]);
    });
  }

  it('accepts fields newer Alertmanager releases add, at the top and in alerts', () => {
    const body = copy(groupedFiring) as Record<string, unknown> & { alerts: Array<Record<string, unknown>> };
    body.notification_reason = 'new alerts';
    body.routeLabels = { team: 'streaming' };
    (body.alerts[0] as Record<string, unknown>).silencedBy = [];
    expect(() => validate(body)).not.to.throw();
  });

  it('rejects another version with WEBHOOK_UNSUPPORTED_VERSION, also when it is a number', () => {
    for (const version of ['3', 4, '5']) {
      const err = rejection({ ...copy(groupedFiring), version });
      expect(err.code).to.equal('WEBHOOK_UNSUPPORTED_VERSION');
      expect(err.statusCode).to.equal(400);
      expect(err.details).to.include({ path: '/version' });
    }
  });

  const invalid: Array<[string, (b: Record<string, any>) => unknown, string]> = [
    ['a missing version', (b) => delete b.version, '/version'],
    ['a missing alerts list', (b) => delete b.alerts, '/alerts'],
    ['alerts that are not a list', (b) => (b.alerts = {}), '/alerts'],
    ['an unknown notification status', (b) => (b.status = 'pending'), '/status'],
    ['a negative truncatedAlerts', (b) => (b.truncatedAlerts = -1), '/truncatedAlerts'],
    ['alerts none of which can be read', (b) => b.alerts.forEach((a: Record<string, unknown>) => delete a.fingerprint), '/alerts/0/fingerprint'],
  ];
  for (const [what, mutate, path] of invalid) {
    it(`rejects ${what} with WEBHOOK_INVALID_PAYLOAD at ${path}`, () => {
      const body = copy(groupedFiring) as Record<string, any>;
      mutate(body);
      const err = rejection(body);
      expect(err.code).to.equal('WEBHOOK_INVALID_PAYLOAD');
      expect(err.statusCode).to.equal(400);
      expect(err.retriable).to.equal(false);
      expect(err.details?.path).to.equal(path);
      expect(err.message).to.include(path);
    });
  }

  const badAlerts: Array<[string, (a: Record<string, any>) => unknown, string]> = [
    ['without fingerprint', (a) => delete a.fingerprint, '/alerts/1/fingerprint'],
    ['with a 257-character fingerprint', (a) => (a.fingerprint = 'f'.repeat(257)), '/alerts/1/fingerprint'],
    ['without labels', (a) => delete a.labels, '/alerts/1/labels'],
    ['with a label value that is not a string', (a) => (a.labels.partition = 2), '/alerts/1/labels/partition'],
    ['with an annotation value that is not a string', (a) => (a.annotations.summary = null), '/alerts/1/annotations/summary'],
    ['with a startsAt that is not RFC 3339', (a) => (a.startsAt = '2026-03-02 09:14'), '/alerts/1/startsAt'],
    ['with a startsAt Date.parse reads but RFC 3339 does not allow', (a) => (a.startsAt = '2026-03-02'), '/alerts/1/startsAt'],
    ['with the unset (zero) startsAt', (a) => (a.startsAt = '0001-01-01T00:00:00Z'), '/alerts/1/startsAt'],
    ['with an impossible date', (a) => (a.startsAt = '2026-02-30T10:00:00Z'), '/alerts/1/startsAt'],
    ['with a leap second that is not at the end of a UTC day', (a) => (a.startsAt = '2026-03-02T12:59:60Z'), '/alerts/1/startsAt'],
    ['with status pending', (a) => (a.status = 'pending'), '/alerts/1/status'],
    ['that is not an object', (_a) => undefined, '/alerts/1'],
  ];
  for (const [what, mutate, path] of badAlerts) {
    it(`rejects an alert ${what} alone, at ${path}, and keeps its neighbours`, () => {
      const body = copy(groupedFiring) as Record<string, any>;
      if (path === '/alerts/1') body.alerts[1] = 'not an alert';
      else mutate(body.alerts[1]);
      const { alerts, rejected } = validate(body);
      expect(alerts.firing + alerts.resolved).to.equal(2);
      expect(rejected).to.have.length(1);
      expect(rejected[0]).to.include({ index: 1, path });
    });
  }

  it('accepts a leap second at the end of a UTC day, also written with an offset', () => {
    const body = copy(groupedFiring) as Record<string, any>;
    body.alerts[0].startsAt = '2016-12-31T23:59:60Z';
    body.alerts[1].startsAt = '2017-01-01T00:59:60.5+01:00';
    const { alerts, rejected } = validate(body);
    expect(rejected).to.deep.equal([]);
    expect(alerts.firing).to.equal(3);
  });

  it('refuses a body nested deeper than any notification with WEBHOOK_PAYLOAD_TOO_DEEP', () => {
    const body = copy(groupedFiring) as Record<string, any>;
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) deep = { x: deep };
    body.alerts[0].extra = deep;
    const err = rejection(body);
    expect(err.code).to.equal('WEBHOOK_PAYLOAD_TOO_DEEP');
    expect(err.statusCode).to.equal(400);
    expect(err.message).to.include('/alerts/0/extra/x/x');
    const shallow = copy(groupedFiring) as Record<string, any>;
    shallow.alerts[0].extra = { a: { b: { c: { d: 'newer fields nest a little' } } } };
    expect(() => validate(shallow)).not.to.throw();
  });

  it('rejects a body that is not an object', () => {
    for (const body of [[], 'alerts', 42, null]) expect(rejection(body).code).to.equal('WEBHOOK_INVALID_PAYLOAD');
  });

  it('accepts the zero time as endsAt and nanosecond times with offsets', () => {
    const body = copy(unicodeLabels);
    expect(body.alerts[0]?.endsAt).to.equal('0001-01-01T00:00:00Z');
    expect(body.alerts[0]?.startsAt).to.equal('2026-03-02T18:14:05.123456789+09:00');
    expect(() => validate(body)).not.to.throw();
  });
});
