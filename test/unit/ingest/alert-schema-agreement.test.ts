/**
 * The published alert schema (OpenAPI) and the reader ingest and processing use
 * (`readNotification`) accept and refuse the same alerts, with one documented exception: the
 * unset (zero) startsAt is a valid date-time to the schema, and the reader refuses it.
 */
import { expect } from 'chai';
import { compileSchema } from '../../../src/core/json-schema.ts';
import { readNotification } from '../../../src/incidents/normalize.ts';
import { WEBHOOK_ALERT_SCHEMA } from '../../../src/ingest/payload-schema.ts';
import { alert, notification } from '../incidents/payloads.ts';

const base = alert({ fingerprint: 'f1', startsAt: '2026-03-01T10:00:00Z' });

const CASES: Array<[string, unknown]> = [
  ['a real alert', base],
  ['nanoseconds and an offset', { ...base, startsAt: '2026-03-01T12:00:00.123456789+02:00' }],
  ['a lower-case t and z', { ...base, startsAt: '2026-03-01t10:00:00z' }],
  ['a leap second', { ...base, startsAt: '2016-12-31T23:59:60Z' }],
  ['a leap second in the middle of a day', { ...base, startsAt: '2016-12-31T12:00:60Z' }],
  ['29 February of a leap year', { ...base, startsAt: '2024-02-29T10:00:00Z' }],
  ['29 February of another year', { ...base, startsAt: '2026-02-29T10:00:00Z' }],
  ['hour 24', { ...base, startsAt: '2026-03-01T24:00:00Z' }],
  ['a date only', { ...base, startsAt: '2026-03-01' }],
  ['no offset', { ...base, startsAt: '2026-03-01T10:00:00' }],
  ['a number for a time', { ...base, startsAt: 1_772_359_200_000 }],
  ['the zero endsAt', { ...base, endsAt: '0001-01-01T00:00:00Z' }],
  ['a null endsAt', { ...base, endsAt: null }],
  ['a null generatorURL', { ...base, generatorURL: null }],
  ['null annotations', { ...base, annotations: null }],
  ['no annotations', Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'annotations'))],
  ['null labels', { ...base, labels: null }],
  ['an empty fingerprint', { ...base, fingerprint: '' }],
  ['a 256-character fingerprint', { ...base, fingerprint: 'é'.repeat(256) }],
  ['a 257-character fingerprint', { ...base, fingerprint: 'é'.repeat(257) }],
  ['a numeric fingerprint', { ...base, fingerprint: 7 }],
  ['an unknown status', { ...base, status: 'pending' }],
  ['a number label', { ...base, labels: { a: 1 } }],
  ['fields newer releases add', { ...base, silencedBy: [], inhibitedBy: null }],
  ['an array', [base]],
];

describe('the published alert schema and the alert reader', () => {
  const check = compileSchema(WEBHOOK_ALERT_SCHEMA);
  for (const [what, value] of CASES) {
    it(`agree on ${what}`, () => {
      const schemaAccepts = check(value).length === 0;
      const readerAccepts = readNotification(notification([value as Record<string, unknown>])).rejected.length === 0;
      expect(readerAccepts, 'reader').to.equal(schemaAccepts);
    });
  }

  it('differ only on the unset startsAt, which the schema describes and the reader refuses', () => {
    const zero = { ...base, startsAt: '0001-01-01T00:00:00Z' };
    expect(check(zero)).to.deep.equal([]);
    expect(readNotification(notification([zero])).rejected.map((r) => r.path)).to.deep.equal(['/alerts/0/startsAt']);
    expect(JSON.stringify(WEBHOOK_ALERT_SCHEMA)).to.include('0001-01-01T00:00:00Z');
  });
});
