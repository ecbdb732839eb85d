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
      expect(validate(copy(fixture)).alerts.length).to.equal(fixture.alerts.length);
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
    ['an alert without fingerprint', (b) => delete b.alerts[1].fingerprint, '/alerts/1/fingerprint'],
    ['an alert without labels', (b) => delete b.alerts[0].labels, '/alerts/0/labels'],
    ['a label value that is not a string', (b) => (b.alerts[2].labels.partition = 2), '/alerts/2/labels/partition'],
    ['an annotation value that is not a string', (b) => (b.alerts[0].annotations.summary = null), '/alerts/0/annotations/summary'],
    ['a startsAt that is not RFC 3339', (b) => (b.alerts[0].startsAt = '2026-03-02 09:14'), '/alerts/0/startsAt'],
    ['a negative truncatedAlerts', (b) => (b.truncatedAlerts = -1), '/truncatedAlerts'],
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
