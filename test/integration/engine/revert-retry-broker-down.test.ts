/**
 * A release that fails while the cluster is down is not forgotten: on a one-broker cluster of its
 * own, the alert resolves while the broker is stopped, the revert fails (KAFKA_*), is tried again
 * with backoff while `firebreak_reverts_pending` shows it, and succeeds by itself once the broker
 * is back; the incident then recovers.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../../../scripts/kafka/cluster.ts';
import { waitFor } from '../../support/eventually.ts';
import { testKafkaVersion, uniqueName } from '../../support/kafka.ts';
import { quotaSettled } from '../actions/harness.ts';
import { engineAlert, startEngineApp, type EngineApp } from './engine-app.ts';

const LAG = 'EngineTestLag';

describe('engine: a revert failing while the broker is down succeeds once it is back', function () {
  this.timeout(300_000);
  let dir: string;
  let cluster: Cluster;
  let h: EngineApp;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-outage-'));
    cluster = await startCluster({ dir, brokers: 1, version: testKafkaVersion(), startTimeoutMs: 180_000 });
    h = await startEngineApp(cluster, { engine: { revertRetryMs: 500, revertRetryMaxMs: 2_000, stepTimeoutMs: 15_000 } });
  });
  after(async () => {
    await h?.close();
    await cluster?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('retries the revert with backoff and restores the quota after the broker returns', async () => {
    const client = uniqueName('outage');
    await h.post(engineAlert(LAG, client, 'firing'));
    const id = await h.incidentByKey(`engine-lag-throttle{client="${client}"}`);
    await h.waitForEntry(id, (e) => e.kind === 'step.succeeded' && e.data.stepId === 'throttle', 'the throttle');
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 1_048_576 });

    const broker = cluster.brokers[0]!.nodeId;
    await cluster.stopBroker(broker);
    await h.post(engineAlert(LAG, client, 'resolved'));
    await waitFor('two failed attempts', async () => ((await h.timeline(id)).filter((e) => e.kind === 'revert.failed').length >= 2 ? true : undefined), { timeoutMs: 90_000 });
    const failed = (await h.timeline(id)).find((e) => e.kind === 'revert.failed')!;
    expect((failed.data.error as { code: string; retriable: boolean }).code).to.match(/^KAFKA_/);
    expect((failed.data.error as { retriable: boolean }).retriable).to.equal(true);
    expect(failed.summary).to.match(/; trying again at \d{4}-\d\d-\d\dT/);
    expect((await h.app.metrics.render()).body).to.match(/^firebreak_reverts_pending 1$/m);
    const detail = (await h.api('GET', `/api/v1/incidents/${id}`)).body;
    expect(detail.incident.status).to.equal('resolved');
    // The incident shows the release as retrying, with when and why.
    const [containment] = detail.containments;
    expect(containment.release).to.deep.include({ mode: 'on-resolve', status: 'retrying' });
    expect(containment.release.attempts).to.be.at.least(1);
    expect(containment.release.lastError).to.match(/^KAFKA_/);
    expect(Date.parse(containment.release.nextAt)).to.be.a('number').and.not.NaN;

    await cluster.startBroker(broker);
    await h.waitForEntry(id, (e) => e.kind === 'revert.succeeded', 'the revert after the broker returned', 120_000);
    await quotaSettled(h.admin!, { 'client-id': client }, {});
    await h.waitForEntry(id, (e) => e.kind === 'incident.status' && e.data.to === 'recovered', 'recovery');
    const runs = await h.store.runs({ incidentId: id, trigger: 'resolved' });
    expect(runs.map((r) => r.status)).to.deep.equal(['succeeded']);
    await waitFor('no revert pending', async () => (/^firebreak_reverts_pending 0$/m.test((await h.app.metrics.render()).body) ? true : undefined));
  });
});
