import { expect } from 'chai';
import type { KafkaAdmin, QuotaEntity, QuotaEntry } from '../../../src/actions/kafka/types.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { eventually } from '../../support/eventually.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { adminFor, configCommand } from './admin-support.ts';

/** The quota values of exactly `entity` (strict match), or {} when it has none. */
async function quotasOf(admin: KafkaAdmin, entity: QuotaEntity): Promise<QuotaEntry['values']> {
  const entries = await admin.describeClientQuotas({ entity, strict: true });
  return entries.find((e) => JSON.stringify(e.entity) === JSON.stringify(entity))?.values ?? {};
}

describe('Kafka admin: client quotas', () => {
  let cluster: Cluster;
  let admin: KafkaAdmin;

  before(async function () {
    this.timeout(300_000);
    cluster = await useKafka();
    admin = adminFor(cluster);
  });

  after(async () => {
    await admin?.close();
  });

  const shapes: Array<[string, () => QuotaEntity]> = [
    ['a client-id', () => ({ 'client-id': uniqueName('client') })],
    ['a user', () => ({ user: uniqueName('user') })],
    ['a user and client-id pair', () => ({ user: uniqueName('user'), 'client-id': uniqueName('client') })],
  ];

  for (const [label, makeEntity] of shapes) {
    it(`sets, reads, changes and removes quotas of ${label}`, async () => {
      const entity = makeEntity();
      await admin.alterClientQuotas([{ entity, set: { producer_byte_rate: 1_048_576, consumer_byte_rate: 2_097_152 } }]);
      await eventually(async () => expect(await quotasOf(admin, entity)).to.deep.equal({ producer_byte_rate: 1_048_576, consumer_byte_rate: 2_097_152 }));

      await admin.alterClientQuotas([{ entity, set: { producer_byte_rate: 512_000, request_percentage: 25 } }]);
      await eventually(async () =>
        expect(await quotasOf(admin, entity)).to.deep.equal({ producer_byte_rate: 512_000, consumer_byte_rate: 2_097_152, request_percentage: 25 }),
      );

      await admin.alterClientQuotas([{ entity, set: { producer_byte_rate: null, consumer_byte_rate: null, request_percentage: null } }]);
      await eventually(async () => expect(await quotasOf(admin, entity)).to.deep.equal({}));
    });
  }

  it('sets and removes quotas of the default client-id and of the default user', async () => {
    // The defaults are cluster-wide: other tests must not see them, so remove them at once.
    const client: QuotaEntity = { 'client-id': null };
    const user: QuotaEntity = { user: null };
    try {
      await admin.alterClientQuotas([
        { entity: client, set: { consumer_byte_rate: 987_654 } },
        { entity: user, set: { producer_byte_rate: 876_543 } },
      ]);
      await eventually(async () => {
        expect(await quotasOf(admin, client)).to.deep.equal({ consumer_byte_rate: 987_654 });
        expect(await quotasOf(admin, user)).to.deep.equal({ producer_byte_rate: 876_543 });
      });
      // Non-strict: the default-client-id filter matches the default entity among others.
      await eventually(async () => {
        const defaults = await admin.describeClientQuotas({ entity: { 'client-id': null } });
        expect(defaults).to.deep.include({ entity: { 'client-id': null }, values: { consumer_byte_rate: 987_654 } });
      });
    } finally {
      await admin.alterClientQuotas([
        { entity: client, set: { consumer_byte_rate: null } },
        { entity: user, set: { producer_byte_rate: null } },
      ]);
    }
    await eventually(async () => {
      expect(await quotasOf(admin, client)).to.deep.equal({});
      expect(await quotasOf(admin, user)).to.deep.equal({});
    });
  });

  it('changes nothing with validateOnly', async () => {
    const entity = { 'client-id': uniqueName('client') };
    await admin.alterClientQuotas([{ entity, set: { producer_byte_rate: 4096 } }], { validateOnly: true });
    // Give the cluster time to apply a change if one had been made: a later real change shows up.
    const marker = { 'client-id': uniqueName('marker') };
    await admin.alterClientQuotas([{ entity: marker, set: { producer_byte_rate: 1 } }]);
    await eventually(async () => expect(await quotasOf(admin, marker)).to.deep.equal({ producer_byte_rate: 1 }));
    expect(await quotasOf(admin, entity)).to.deep.equal({});
    await admin.alterClientQuotas([{ entity: marker, set: { producer_byte_rate: null } }]);
  });

  it('surfaces a rejected entry as a FirebreakError naming it, while the valid entry is applied', async () => {
    const good = { 'client-id': uniqueName('good') };
    const bad = { 'client-id': uniqueName('bad') };
    let error: unknown;
    try {
      await admin.alterClientQuotas([
        { entity: good, set: { producer_byte_rate: 2048 } },
        { entity: bad, set: { producer_byte_rate: -5 } },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(FirebreakError);
    const err = error as FirebreakError;
    expect([err.code, err.retriable]).to.deep.equal(['KAFKA_INVALID_REQUEST', false]);
    const failures = err.details?.['failures'] as Array<{ entity: unknown; code: string; message: string }>;
    expect(failures.map((f) => [f.entity, f.code])).to.deep.equal([[bad, 'KAFKA_INVALID_REQUEST']]);
    expect(failures[0]?.message).to.match(/producer_byte_rate/);
    expect(err.message).to.contain('1 of 2 entries failed');
    await eventually(async () => expect(await quotasOf(admin, good)).to.deep.equal({ producer_byte_rate: 2048 }));
    expect(await quotasOf(admin, bad)).to.deep.equal({});
    await admin.alterClientQuotas([{ entity: good, set: { producer_byte_rate: null } }]);
  });

  it('sets a quota that Kafka\'s own ConfigCommand reports', async function () {
    this.timeout(120_000);
    const clientId = uniqueName('cli');
    await admin.alterClientQuotas([{ entity: { 'client-id': clientId }, set: { producer_byte_rate: 123_456 } }]);
    try {
      // Every broker has applied it (firebreak's all-brokers read) before the one witness run.
      const [entry] = await admin.describeClientQuotas({ entity: { 'client-id': clientId }, strict: true }, { consistency: 'all-brokers' });
      expect(entry?.values).to.deep.equal({ producer_byte_rate: 123_456 });
      const out = await configCommand(cluster, ['--describe', '--entity-type', 'clients', '--entity-name', clientId]);
      expect(out).to.contain('producer_byte_rate=123456.0');
      expect(out).to.contain(`client-id '${clientId}'`);
    } finally {
      await admin.alterClientQuotas([{ entity: { 'client-id': clientId }, set: { producer_byte_rate: null } }]);
    }
  });
});
