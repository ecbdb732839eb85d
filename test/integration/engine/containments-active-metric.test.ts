/**
 * `firebreak_containments_active` on `GET /metrics` follows a real containment: 0 before, 1 while
 * the quota the engine set on the cluster is in place, 0 once the resolved alert reverted it.
 * Its own app (and store), so containments other tests leave in place do not count.
 */
import { expect } from 'chai';
import { quotaSettled } from '../actions/harness.ts';
import { waitFor } from '../../support/eventually.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { engineAlert, startEngineApp, type EngineApp } from './engine-app.ts';

const LAG = 'EngineTestLag';
const METRIC = 'firebreak_containments_active';

describe('engine: firebreak_containments_active against a real cluster', function () {
  this.timeout(120_000);
  let kafka: Cluster;
  let h: EngineApp;

  before(async function () {
    this.timeout(240_000);
    kafka = await useKafka();
    h = await startEngineApp(kafka, { mode: 'enforce' });
  });
  after(async () => {
    await h?.close();
  });

  /** The gauge's value in one scrape of /metrics (no credentials needed). */
  async function scrape(): Promise<number> {
    const response = await fetch(`${h.baseUrl}/metrics`);
    expect(response.status).to.equal(200);
    const line = (await response.text()).split('\n').find((l) => l.startsWith(`${METRIC} `));
    expect(line, `${METRIC} in /metrics`).to.not.equal(undefined);
    return Number(line!.slice(METRIC.length + 1));
  }

  /** Polls the gauge until it shows `expected` (bounded): the store is read at each scrape. */
  async function gaugeReaches(expected: number): Promise<void> {
    let last = NaN;
    await waitFor(
      `${METRIC} to be ${expected}`,
      async () => {
        last = await scrape();
        return last === expected ? true : undefined;
      },
      { timeoutMs: 10_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message} (last scraped: ${last})`);
    });
  }

  it('is 1 while the quota is in place and 0 after the revert', async () => {
    expect(await scrape()).to.equal(0);
    const client = uniqueName('producer');

    await h.post(engineAlert(LAG, client, 'firing'));
    const id = await h.incidentByKey(`engine-lag-throttle{client="${client}"}`);
    await h.waitForEntry(id, (e) => e.kind === 'step.succeeded' && e.data.stepId === 'throttle', 'the throttle step');
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 1_048_576 });
    await gaugeReaches(1);

    await h.post(engineAlert(LAG, client, 'resolved'));
    await h.waitForEntry(id, (e) => e.kind === 'revert.succeeded', 'the revert');
    await quotaSettled(h.admin!, { 'client-id': client }, {});
    await gaugeReaches(0);
  });
});
