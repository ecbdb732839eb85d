/**
 * End to end with a real Alertmanager: alerts pushed into Alertmanager's API are grouped and
 * delivered to the real `firebreak serve` process through a `webhook_config` exactly as
 * docs/alertmanager.md shows it (bearer credentials, and basic auth for a second receiver), open
 * an incident, and resolve it when Alertmanager sends the resolved notification.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureStopped, startServe, type ServeProcess } from '../integration/serve/serve-process.ts';
import { waitFor } from '../support/eventually.ts';
import { startAlertmanager, type Alertmanager } from '../../scripts/pipeline/alertmanager.ts';

const WEBHOOK_TOKEN = 'e2e-webhook-token-0123456789';
const BASIC_USER = 'alertmanager';
const BASIC_PASSWORD = 'e2e-basic-password-0123';
const VIEWER_TOKEN = 'e2e-viewer-token-0123456789';

interface Incident {
  id: string;
  key: string;
  status: string;
  cluster: string | null;
  severity: string | null;
}

function alertmanagerConfig(firebreakUrl: string): string {
  return `
route:
  receiver: firebreak
  group_by: [alertname, cluster]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 4h
  routes:
    - receiver: firebreak-basic-auth
      matchers: ['auth="basic"']
receivers:
  - name: firebreak
    webhook_configs:
      - url: ${firebreakUrl}/api/v1/alerts
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization:
            type: Bearer
            credentials: ${WEBHOOK_TOKEN}
  - name: firebreak-basic-auth
    webhook_configs:
      - url: ${firebreakUrl}/api/v1/alerts
        send_resolved: true
        http_config:
          basic_auth:
            username: ${BASIC_USER}
            password: ${BASIC_PASSWORD}
`;
}

describe('end to end with a real Alertmanager', () => {
  let dir: string;
  let firebreak: ServeProcess | undefined;
  let alertmanager: Alertmanager | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-e2e-'));
    firebreak = await startServe({
      cwd: dir,
      env: {
        FIREBREAK_LISTEN: '127.0.0.1:0',
        FIREBREAK_DATA_DIR: dir,
        FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
        FIREBREAK_WEBHOOK_BASIC_AUTH: `${BASIC_USER}:${BASIC_PASSWORD}`,
        FIREBREAK_API_TOKENS: `grafana:viewer:${VIEWER_TOKEN}`,
      },
    });
    alertmanager = await startAlertmanager({ dir, config: alertmanagerConfig(firebreak.url) });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      console.log(alertmanager?.output());
      console.log(firebreak?.output().stdout);
    }
    await alertmanager?.stop();
    alertmanager = undefined;
    if (firebreak !== undefined) {
      firebreak.kill('SIGTERM');
      const exit = await firebreak.exited;
      await ensureStopped(firebreak);
      firebreak = undefined;
      expect(exit.code, 'firebreak exit status').to.equal(0);
    }
    await rm(dir, { recursive: true, force: true });
  });

  async function incidents(): Promise<Incident[]> {
    const response = await fetch(`${firebreak!.url}/api/v1/incidents?limit=100`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    expect(response.status).to.equal(200);
    return ((await response.json()) as { items: Incident[] }).items;
  }

  async function timelineKinds(id: string): Promise<Array<{ kind: string; actor: string }>> {
    const response = await fetch(`${firebreak!.url}/api/v1/incidents/${id}/timeline?limit=500`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    return ((await response.json()) as { items: Array<{ kind: string; actor: string }> }).items;
  }

  it('opens one incident for a group of alerts and resolves it when Alertmanager sends resolved', async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alerts = ['0', '1', '2'].map((partition) => ({
      labels: { alertname: 'KafkaTopicUnderReplicated', cluster: 'e2e-cluster', topic: 'orders', partition, severity: 'critical' },
      annotations: { summary: `Under-replicated partition orders-${partition}`, description: 'ISR shrank below the replication factor' },
      startsAt,
      generatorURL: 'http://prometheus.invalid/graph',
    }));
    await alertmanager!.pushAlerts(alerts);

    const opened = await waitFor('the incident opened from Alertmanager', async () => (await incidents()).find((i) => i.cluster === 'e2e-cluster'), { timeoutMs: 60_000 });
    expect(opened).to.include({ status: 'open', severity: 'critical' });
    expect(opened.key).to.equal('{}:{alertname="KafkaTopicUnderReplicated", cluster="e2e-cluster"}');
    await waitFor(
      'three firing alerts on the timeline',
      async () => ((await timelineKinds(opened.id)).filter((e) => e.kind === 'alert.firing').length === 3 ? true : undefined),
      { timeoutMs: 60_000 },
    );

    const endsAt = new Date().toISOString();
    await alertmanager!.pushAlerts(alerts.map((a) => ({ ...a, endsAt })));
    const resolved = await waitFor(
      'the incident resolved by Alertmanager',
      async () => (await incidents()).find((i) => i.id === opened.id && i.status === 'resolved'),
      { timeoutMs: 60_000 },
    );
    expect(resolved.status).to.equal('resolved');
    const entries = await timelineKinds(opened.id);
    expect(entries.filter((e) => e.kind === 'alert.resolved')).to.have.length(3);
    // Alert states and status changes are Alertmanager's; no runbook matches here (no runbooks
    // directory in the test's working directory), which the engine records once, as evidence only.
    expect(entries.filter((e) => e.kind !== 'runbook.unmatched').every((e) => e.actor === 'alertmanager')).to.equal(true);
    expect(entries.filter((e) => e.kind === 'runbook.unmatched').map((e) => e.actor)).to.deep.equal(['engine']);
    expect(await incidents()).to.have.length(1);
  });

  it('accepts deliveries authenticated with basic auth', async () => {
    await alertmanager!.pushAlerts([
      {
        labels: { alertname: 'KafkaConsumerGroupLagHigh', cluster: 'e2e-basic', consumergroup: 'billing', severity: 'warning', auth: 'basic' },
        annotations: { summary: 'Consumer group billing is lagging' },
        startsAt: new Date().toISOString(),
      },
    ]);
    const opened = await waitFor('the incident from the basic-auth receiver', async () => (await incidents()).find((i) => i.cluster === 'e2e-basic'), { timeoutMs: 60_000 });
    expect(opened.status).to.equal('open');
    const metrics = await (await fetch(`${firebreak!.url}/metrics`)).text();
    expect(metrics).not.to.match(/firebreak_webhook_request_duration_seconds_count\{outcome="AUTH_/);
  });
});
