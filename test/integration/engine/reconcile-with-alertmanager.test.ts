/**
 * A resolve that never arrives, reconciled from a real Alertmanager: the alert goes through
 * Alertmanager (configured with send_resolved: false, as a silenced alert or a restart would
 * leave it) to firebreak, which throttles the client on a real cluster. While Alertmanager has
 * the alert firing nothing changes; once it no longer has it, firebreak resolves the alert itself
 * after the grace period, says where the resolve came from, and releases the quota. The first
 * configured peer does not answer: any one answering is enough.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../support/eventually.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { freePort, startAlertmanager, type Alertmanager } from '../../e2e/alertmanager.ts';
import { quotaSettled } from '../actions/harness.ts';
import { TOKENS } from '../http/harness.ts';
import { startEngineApp, type EngineApp } from './engine-app.ts';

describe('engine: reconciliation with a real Alertmanager', function () {
  this.timeout(240_000);
  let kafka: Cluster;
  let dir: string;
  let h: EngineApp;
  let am: Alertmanager;
  const peers = { urls: [] as string[], reconcileMs: 500, graceMs: 3_000, timeoutMs: 2_000 };

  before(async function () {
    this.timeout(240_000);
    kafka = await useKafka();
    dir = await mkdtemp(join(tmpdir(), 'firebreak-reconcile-'));
    peers.urls.push(`http://127.0.0.1:${await freePort()}`); // nothing listens there
    h = await startEngineApp(kafka, { alertmanager: peers });
    am = await startAlertmanager({
      dir,
      config: `
route:
  receiver: firebreak
  group_by: [alertname, client]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 4h
receivers:
  - name: firebreak
    webhook_configs:
      - url: ${h.baseUrl}/api/v1/alerts
        send_resolved: false
        http_config:
          authorization: { type: Bearer, credentials: ${TOKENS.webhook} }
`,
    });
    peers.urls.push(am.url);
  });
  after(async () => {
    await am?.stop();
    await h?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the containment while Alertmanager has the alert firing, resolves and releases it once it has not for the grace period', async () => {
    const client = uniqueName('silent');
    const alert = { labels: { alertname: 'EngineTestLag', client, severity: 'critical' }, annotations: { summary: 'lag' }, startsAt: new Date(Date.now() - 60_000).toISOString() };
    await am.pushAlerts([alert]);
    const id = await h.incidentByKey(`engine-lag-throttle{client="${client}"}`);
    await h.waitForEntry(id, (e) => e.kind === 'step.succeeded' && e.data.stepId === 'throttle', 'the throttle');
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 1_048_576 });

    // Alertmanager has it firing: reconciliations pass and conclude nothing.
    const ran = async () => (await h.store.timers({ key: 'reconcile' }))[0]?.updatedAt ?? '';
    const first = await waitFor('a reconciliation', async () => ((await ran()) !== '' ? ran() : undefined));
    await waitFor('two more reconciliations', async () => {
      const now = await ran();
      return now > first && Date.parse(now) - Date.parse(first) >= 2 * peers.graceMs ? true : undefined;
    }, { timeoutMs: 30_000 });
    expect((await h.api('GET', `/api/v1/incidents/${id}`)).body.incident.status).to.equal('contained');
    expect((await h.timeline(id)).some((e) => e.kind === 'alert.resolved')).to.equal(false);

    // The alert ends in Alertmanager, which tells nobody (send_resolved: false).
    await am.pushAlerts([{ ...alert, endsAt: new Date().toISOString() }]);
    const resolved = await h.waitForEntry(id, (e) => e.kind === 'alert.resolved', 'the reconciled resolve', 60_000);
    expect(resolved.actor).to.equal('engine');
    expect(resolved.data.source).to.deep.include({ source: 'reconciliation', alertmanager: am.url, graceMs: peers.graceMs });
    expect(resolved.summary).to.match(/\(reconciliation: Alertmanager no longer has it firing\)$/);
    await h.waitForEntry(id, (e) => e.kind === 'revert.succeeded', 'the release');
    await quotaSettled(h.admin!, { 'client-id': client }, {});
    await h.waitForEntry(id, (e) => e.kind === 'incident.status' && e.data.to === 'recovered', 'recovery');
  });
});
