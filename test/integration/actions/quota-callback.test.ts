/**
 * A broker running a real custom quota callback (the Strimzi quota plugin from Maven Central, on
 * the broker's classpath) ignores client quotas set through the admin API. firebreak's quota
 * actions refuse to set one there, naming the class, in plan, execute, `firebreak action`, and
 * the engine blocks the step with `quota-callback` in dry-run and enforce mode alike.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { startQuotaCallbackCluster, STRIMZI_QUOTA_CALLBACK, uniqueName, type Cluster } from '../../support/kafka.ts';
import { engineAlert, startEngineApp } from '../engine/engine-app.ts';
import { actionHarness, quotaOf, rejection, type Harness } from './harness.ts';

const BIN = resolve(import.meta.dirname, '../../../bin/firebreak');

describe('quota actions on brokers with a custom client.quota.callback.class', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  let dispose: () => Promise<void>;
  let h: Harness;

  before(async function () {
    this.timeout(300_000);
    ({ cluster, dispose } = await startQuotaCallbackCluster());
    h = actionHarness(cluster);
  });
  after(async () => {
    await h?.close();
    await dispose?.();
  });

  it('refuses to plan or set a client quota, naming the class, and sets nothing', async () => {
    const client = uniqueName('producer');
    const params = { entity: { 'client-id': client }, producerByteRate: 1_048_576 };
    for (const attempt of [h.plan('kafka.setClientQuota', params), h.execute('kafka.setClientQuota', params)]) {
      const err = await rejection(attempt);
      expect(err.code).to.equal('ACTION_QUOTA_CALLBACK');
      expect(err.message).to.contain(STRIMZI_QUOTA_CALLBACK);
      expect(err.details).to.deep.include({ resource: `quota:client-id=${client}`, quotaCallbackClass: STRIMZI_QUOTA_CALLBACK });
    }
    const throttle = await rejection(h.plan('kafka.throttleProducers', { clientIds: [client], producerByteRate: 1_048_576 }));
    expect(throttle.code).to.equal('ACTION_QUOTA_CALLBACK');
    expect(await quotaOf(h.admin, { 'client-id': client })).to.deep.equal({});
  });

  it('still reverts a quota that was set before (restoring the prior state is always allowed)', async () => {
    const client = uniqueName('producer');
    await h.admin.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: 2_000_000 } }]);
    const outcome = await h.revert('kafka.setClientQuota', { entity: { 'client-id': client }, producerByteRate: 2_000_000 }, {
      prior: { entity: { 'client-id': client }, values: { producer_byte_rate: null } },
      applied: { entity: { 'client-id': client }, values: { producer_byte_rate: 2_000_000 } },
    });
    expect(outcome.status).to.equal('reverted');
    expect(await quotaOf(h.admin, { 'client-id': client })).to.deep.equal({});
  });

  it('firebreak action says the same, with and without --dry-run', async () => {
    const withJson = JSON.stringify({ entity: { 'client-id': uniqueName('producer') }, producerByteRate: 1_048_576 });
    for (const extra of [['--dry-run'], []]) {
      const run = await promisify(execFile)(BIN, ['action', 'kafka.setClientQuota', '--with', withJson, ...extra], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', FIREBREAK_KAFKA_BROKERS: cluster.bootstrapServers },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(run.code, extra.join(' ')).to.equal(1);
      expect(run.stderr).to.match(/^error ACTION_QUOTA_CALLBACK: /m).and.to.contain(STRIMZI_QUOTA_CALLBACK);
    }
  });

  for (const mode of ['dry-run', 'enforce'] as const) {
    it(`the engine blocks the quota step with quota-callback in ${mode} mode`, async () => {
      const app = await startEngineApp(cluster, { mode });
      try {
        const client = uniqueName('producer');
        await app.post(engineAlert('EngineTestLag', client, 'firing'));
        const id = await app.incidentByKey(`engine-lag-throttle{client="${client}"}`);
        const blocked = await app.waitForEntry(id, (e) => e.kind === 'step.blocked', 'the blocked step');
        expect(blocked.data.decision).to.deep.include({ verdict: 'block', reason: 'quota-callback' });
        expect((blocked.data.decision as { detail: string }).detail).to.contain(STRIMZI_QUOTA_CALLBACK);
        expect((await app.store.stepClaims({ incidentId: id })).filter((c) => c.stepId === 'throttle')).to.deep.equal([]);
        expect(await quotaOf(app.admin!, { 'client-id': client })).to.deep.equal({});
      } finally {
        await app.close();
      }
    });
  }
});
