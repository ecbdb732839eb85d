import { expect } from 'chai';
import type { QuotaEntity } from '../../../src/actions/kafka/types.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { actionHarness, quotaOf, rejection, type Harness } from './harness.ts';

describe('client quota actions against a real cluster', function () {
  this.timeout(60_000);
  let cluster: Cluster;
  let h: Harness;
  /** Entities this file touched; their quotas are removed afterwards (default entities included). */
  const touched: QuotaEntity[] = [];

  before(async function () {
    this.timeout(180_000);
    cluster = await useKafka();
    h = actionHarness(cluster);
  });

  after(async () => {
    if (h === undefined) return;
    for (const entity of touched) {
      await h.admin.alterClientQuotas([{ entity, set: { producer_byte_rate: null, consumer_byte_rate: null, request_percentage: null } }]);
    }
    await h.close();
  });

  function entity(e: QuotaEntity): QuotaEntity {
    touched.push(e);
    return e;
  }

  const shapes: Array<[string, () => QuotaEntity]> = [
    ['a client-id', () => ({ 'client-id': uniqueName('client') })],
    ['a user', () => ({ user: uniqueName('user') })],
    ['a user and client-id pair', () => ({ user: uniqueName('user'), 'client-id': uniqueName('client') })],
    ['the default client-id of a user', () => ({ user: uniqueName('user'), 'client-id': null })],
  ];

  for (const [label, make] of shapes) {
    it(`sets, changes and reverts quotas of ${label}, restoring "no quota"`, async () => {
      const e = entity(make());
      const plan = await h.plan('kafka.setClientQuota', { entity: e, producerByteRate: 1_048_576 });
      expect(plan.changes).to.deep.equal([{ resource: plan.changes[0]?.resource, key: 'producer_byte_rate', from: null, to: 1_048_576 }]);
      expect(await quotaOf(h.admin, e)).to.deep.equal({});

      const first = await h.execute('kafka.setClientQuota', { entity: e, producerByteRate: 1_048_576 });
      expect(first.prior).to.deep.equal({ entity: e, values: { producer_byte_rate: null } });
      expect(first.applied).to.deep.equal({ entity: e, values: { producer_byte_rate: 1_048_576 } });
      expect(await quotaOf(h.admin, e)).to.deep.equal({ producer_byte_rate: 1_048_576 });

      // A second change only touches its own key and records the first value as its prior.
      const second = await h.execute('kafka.setClientQuota', { entity: e, producerByteRate: 524_288, consumerByteRate: 2_097_152 });
      expect(second.prior).to.deep.equal({ entity: e, values: { producer_byte_rate: 1_048_576, consumer_byte_rate: null } });
      expect(await quotaOf(h.admin, e)).to.deep.equal({ producer_byte_rate: 524_288, consumer_byte_rate: 2_097_152 });

      const undoSecond = await h.revert('kafka.setClientQuota', { entity: e, producerByteRate: 524_288, consumerByteRate: 2_097_152 }, { prior: second.prior, applied: second.applied });
      expect(undoSecond.status).to.equal('reverted');
      expect(await quotaOf(h.admin, e)).to.deep.equal({ producer_byte_rate: 1_048_576 });

      const undoFirst = await h.revert('kafka.setClientQuota', { entity: e, producerByteRate: 1_048_576 }, { prior: first.prior, applied: first.applied });
      expect(undoFirst).to.deep.equal({
        status: 'reverted',
        changes: [{ resource: plan.changes[0]?.resource, key: 'producer_byte_rate', from: 1_048_576, to: null }],
      });
      expect(await quotaOf(h.admin, e)).to.deep.equal({});
      expect(await h.revert('kafka.setClientQuota', { entity: e, producerByteRate: 1_048_576 }, { prior: first.prior, applied: first.applied })).to.deep.equal({ status: 'already-reverted' });
    });
  }

  it('sets and reverts the cluster-wide default client-id quota without touching named ones', async () => {
    const named = entity({ 'client-id': uniqueName('client') });
    await h.execute('kafka.setClientQuota', { entity: named, consumerByteRate: 4096 });
    const defaults = entity({ 'client-id': null });
    const before = await quotaOf(h.admin, defaults);
    const result = await h.execute('kafka.setClientQuota', { entity: defaults, requestPercentage: 150 });
    expect(await quotaOf(h.admin, defaults)).to.deep.equal({ ...before, request_percentage: 150 });
    expect(await quotaOf(h.admin, named)).to.deep.equal({ consumer_byte_rate: 4096 });
    expect((await h.revert('kafka.setClientQuota', { entity: defaults, requestPercentage: 150 }, { prior: result.prior, applied: result.applied })).status).to.equal('reverted');
    expect(await quotaOf(h.admin, defaults)).to.deep.equal(before);
  });

  it('leaves a quota changed behind its back alone and reports the conflict', async () => {
    const e = entity({ 'client-id': uniqueName('client') });
    const result = await h.execute('kafka.setClientQuota', { entity: e, producerByteRate: 10_240, consumerByteRate: 20_480 });
    // An operator changes one of the two keys by hand.
    await h.admin.alterClientQuotas([{ entity: e, set: { producer_byte_rate: 99_999 } }]);
    expect(await quotaOf(h.admin, e)).to.deep.equal({ producer_byte_rate: 99_999, consumer_byte_rate: 20_480 });
    const outcome = await h.revert('kafka.setClientQuota', { entity: e, producerByteRate: 10_240 }, { prior: result.prior, applied: result.applied });
    expect(outcome.status).to.equal('conflict');
    expect(outcome).to.deep.include({
      conflicts: [{ resource: `quota:client-id=${e['client-id']}`, key: 'producer_byte_rate', expected: 10_240, actual: 99_999 }],
    });
    // The untouched key was restored (to "no quota"); the hand-set one kept.
    expect(await quotaOf(h.admin, e)).to.deep.equal({ producer_byte_rate: 99_999 });
  });

  it('removes quota keys and restores them on revert', async () => {
    const e = entity({ user: uniqueName('user') });
    await h.admin.alterClientQuotas([{ entity: e, set: { producer_byte_rate: 3072, request_percentage: 25 } }]);
    expect(await quotaOf(h.admin, e)).to.deep.equal({ producer_byte_rate: 3072, request_percentage: 25 });
    const result = await h.execute('kafka.removeClientQuota', { entity: e, keys: ['producerByteRate', 'consumerByteRate'] });
    expect(result.output).to.deep.equal({ entity: `user=${e.user}`, removed: { producer_byte_rate: 3072 } });
    expect(await quotaOf(h.admin, e)).to.deep.equal({ request_percentage: 25 });
    expect((await h.revert('kafka.removeClientQuota', { entity: e }, { prior: result.prior, applied: result.applied })).status).to.equal('reverted');
    expect(await quotaOf(h.admin, e)).to.deep.equal({ producer_byte_rate: 3072, request_percentage: 25 });
  });

  it('refuses a byte rate below the floor in plan and execute, changing nothing', async () => {
    const e = entity({ 'client-id': uniqueName('client') });
    for (const call of [h.plan('kafka.setClientQuota', { entity: e, producerByteRate: 0 }), h.execute('kafka.setClientQuota', { entity: e, producerByteRate: 1023 })]) {
      const err = await rejection(call);
      expect(err.code).to.equal('ACTION_BELOW_FLOOR');
      expect(err.details).to.deep.include({ floor: 1024 });
    }
    expect(await quotaOf(h.admin, e)).to.deep.equal({});
  });
});
