/**
 * Three `firebreak serve` replicas on one PostgreSQL behind a round-robin proxy, a real
 * Alertmanager pair (gossiping, both sending) and a real Kafka cluster:
 * - one incident per alert group, each step once, though both Alertmanagers deliver;
 * - the replica that ran a run up to its approval is SIGKILLed; the approval, taken by another
 *   replica, lets that one finish the run: the quota really is on the brokers, set once;
 * - the replica executing a long step is SIGKILLed; another takes the run over once the lease
 *   runs out and records the step as interrupted, never running it again;
 * - PostgreSQL stopped and started under a stream of webhooks: every acknowledged notification
 *   is stored and processed, no replica restarted.
 */
import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PostgresServer } from '../../../scripts/postgres/cluster.ts';
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { openPostgresStore, type PostgresStore } from '../../../src/store/postgres/index.ts';
import { quotaOf } from '../../integration/actions/harness.ts';
import { ensureStopped, startServe, type ServeProcess } from '../../integration/serve/serve-process.ts';
import { bigNotification } from '../../unit/ingest/big-notification.ts';
import { waitFor } from '../../support/eventually.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { freePort, startAlertmanager, type Alertmanager } from '../alertmanager.ts';
import { startProxy, type Proxy } from '../../../scripts/proxy/round-robin.ts';

const WEBHOOK_TOKEN = 'replicas-webhook-token-00001';
const ADMIN_TOKEN = 'replicas-admin-token-0000001';

const RUNBOOKS = `
name: e2e-approved-throttle
description: Evidence, then a producer quota a responder approves.
match: ['alertname="E2EReplicaLag"']
groupBy: [client]
steps:
  - id: evidence
    phase: identification
    action: kafka.describeCluster
  - id: throttle
    phase: containment
    action: kafka.setClientQuota
    approval: required
    revert: manual
    with: { entity: { client-id: "{{ labels.client }}" }, producerByteRate: 1048576 }
`;

const SLOW_RUNBOOK = `
name: e2e-long-step
description: Evidence, then a step that takes a minute.
match: ['alertname="E2EReplicaSlow"']
groupBy: [client]
steps:
  - id: evidence
    phase: identification
    action: kafka.describeCluster
  - id: hold
    phase: identification
    action: wait
    timeout: 5m
    with: { duration: 60s }
`;

function alertmanagerConfig(proxyUrl: string): string {
  return `
route:
  receiver: firebreak
  group_by: [alertname, client]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: firebreak
    webhook_configs:
      - url: ${proxyUrl}/api/v1/alerts
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${WEBHOOK_TOKEN}
`;
}

interface Entry {
  kind: string;
  data: Record<string, unknown>;
}

describe('three replicas on PostgreSQL behind a proxy, with an Alertmanager pair and Kafka', function () {
  this.timeout(600_000);
  let dir: string;
  let pgDir: string;
  let postgres: PostgresServer;
  let kafka: Cluster;
  let url: string;
  let store: PostgresStore;
  let proxy: Proxy;
  const replicas: ServeProcess[] = [];
  const alertmanagers: Alertmanager[] = [];

  async function startReplica(index: number): Promise<ServeProcess> {
    const cwd = join(dir, `replica-${index}`);
    await mkdir(cwd, { recursive: true });
    return startServe({
      cwd,
      // Generous: several test suites may share this machine's cores.
      startTimeoutMs: 180_000,
      args: ['--config', join(dir, 'firebreak.yaml')],
      env: {
        FIREBREAK_LISTEN: '127.0.0.1:0',
        FIREBREAK_DATA_DIR: join(cwd, 'data'),
        FIREBREAK_STORE: url,
        FIREBREAK_MODE: 'enforce',
        FIREBREAK_RUNBOOKS: join(dir, 'runbooks'),
        FIREBREAK_KAFKA_BROKERS: kafka.bootstrapServers,
        FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
        FIREBREAK_API_TOKENS: `ops:admin:${ADMIN_TOKEN}`,
      },
    });
  }

  async function api(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${proxy.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  }

  async function incidentOf(key: string): Promise<string | undefined> {
    const response = await api('/api/v1/incidents?limit=500');
    if (!response.ok) return undefined;
    return ((await response.json()) as { items: Array<{ id: string; key: string }> }).items.find((i) => i.key === key)?.id;
  }

  async function timeline(id: string): Promise<Entry[]> {
    return (await store.timeline(id)).map((e) => ({ kind: e.kind, data: e.data }));
  }

  /** The live replica whose process holds run `runId` (its owner names the pid). */
  async function holderOf(incidentId: string): Promise<ServeProcess | undefined> {
    const [run] = await store.runs({ incidentId });
    const pid = Number(run?.owner?.split(':')[1]);
    return replicas.find((r) => r.child.pid === pid && r.child.exitCode === null && r.child.signalCode === null);
  }

  async function firing(alertname: string, client: string): Promise<void> {
    const alert = { labels: { alertname, client, severity: 'critical' }, annotations: { summary: `${alertname} ${client}` }, startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() };
    // Prometheus sends every alert to both peers.
    await Promise.all(alertmanagers.map((am) => am.pushAlerts([alert])));
  }

  before(async function () {
    this.timeout(600_000);
    dir = await mkdtemp(join(tmpdir(), 'firebreak-replicas-'));
    pgDir = await mkdtemp(join(tmpdir(), 'firebreak-replicas-pg-'));
    await mkdir(join(dir, 'runbooks'));
    await writeFile(join(dir, 'runbooks', 'approved-throttle.yaml'), RUNBOOKS);
    await writeFile(join(dir, 'runbooks', 'long-step.yaml'), SLOW_RUNBOOK);
    // Short leases so a take-over happens within the test; no cooldown between the phases' runs.
    await writeFile(join(dir, 'firebreak.yaml'), 'engine:\n  runLeaseMs: 2000\n  cooldownMs: 0\n');
    [postgres, kafka] = await Promise.all([startPostgres({ dir: pgDir, startTimeoutMs: 120_000 }), useKafka()]);
    url = await postgres.createDatabase('replicas');
    // Started one after another: the first migrates, the others find the schema current.
    for (let i = 0; i < 3; i++) replicas.push(await startReplica(i));
    proxy = await startProxy(() => replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null).map((r) => r.url));
    const [gossipA, gossipB] = [await freePort(), await freePort()];
    for (const [i, port, peer] of [[0, gossipA, gossipB], [1, gossipB, gossipA]] as const) {
      const amDir = join(dir, `alertmanager-${i}`);
      await mkdir(amDir);
      alertmanagers.push(await startAlertmanager({ dir: amDir, config: alertmanagerConfig(proxy.url), cluster: { port, peers: [peer] } }));
    }
    store = await openPostgresStore({ url, logger: silentLogger() });
  });

  after(async () => {
    await store?.close();
    for (const am of alertmanagers) await am.stop();
    await proxy?.close();
    for (const r of replicas) await ensureStopped(r);
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(pgDir, { recursive: true, force: true });
  });

  it('opens one incident, and when the replica holding the run is killed at its approval, another finishes it, each step once', async () => {
    const client = uniqueName('producer');
    await firing('E2EReplicaLag', client);
    const key = `e2e-approved-throttle{client="${client}"}`;
    const id = await waitFor('the incident', () => incidentOf(key), { timeoutMs: 60_000 });
    await waitFor('the approval request', async () => ((await timeline(id)).some((e) => e.kind === 'approval.requested') ? true : undefined), { timeoutMs: 60_000 });

    const holder = await holderOf(id);
    expect(holder, 'the replica that ran the run').to.not.equal(undefined);
    holder!.kill('SIGKILL');
    await holder!.exited;

    const approved = await api(`/api/v1/incidents/${id}/steps/throttle/approve`, { method: 'POST', body: JSON.stringify({ reason: 'go' }) });
    expect(approved.status).to.equal(200);
    const entries = await waitFor(
      'the run finished by another replica',
      async () => {
        const items = await timeline(id);
        return items.some((e) => e.kind === 'run.finished') ? items : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(entries.filter((e) => e.kind === 'step.started').map((e) => e.data.stepId)).to.deep.equal(['evidence', 'throttle']);
    expect(entries.filter((e) => e.kind === 'step.succeeded').map((e) => e.data.stepId)).to.deep.equal(['evidence', 'throttle']);
    expect(entries.filter((e) => e.kind === 'run.finished').map((e) => e.data.outcome)).to.deep.equal(['succeeded']);
    const [run] = await store.runs({ incidentId: id });
    expect(run!.owner?.split(':')[1]).to.not.equal(String(holder!.child.pid));
    // Both Alertmanagers delivered (or one did, twice): one incident, one alert state.
    expect((await store.listIncidents({ limit: 500 })).items.filter((i) => i.key === key)).to.have.length(1);
    expect(await store.alertEvents(id)).to.have.length(1);
    const admin = createKafkaAdmin({ brokers: kafka.bootstrapServers.split(','), clientId: 'firebreak-replicas-reader' }, { logger: silentLogger() });
    try {
      expect(await quotaOf(admin, { 'client-id': client })).to.deep.equal({ producer_byte_rate: 1048576 });
    } finally {
      await admin.close();
    }
    replicas[replicas.indexOf(holder!)] = await startReplica(replicas.indexOf(holder!));
  });

  it('takes over the run of a replica killed in the middle of a step: the step is interrupted, never run twice', async () => {
    const client = uniqueName('slow');
    await firing('E2EReplicaSlow', client);
    const key = `e2e-long-step{client="${client}"}`;
    const id = await waitFor('the incident', () => incidentOf(key), { timeoutMs: 60_000 });
    await waitFor('the long step started', async () => ((await timeline(id)).some((e) => e.kind === 'step.started' && e.data.stepId === 'hold') ? true : undefined), { timeoutMs: 60_000 });
    const holder = await holderOf(id);
    expect(holder).to.not.equal(undefined);
    holder!.kill('SIGKILL');
    await holder!.exited;

    const entries = await waitFor(
      'another replica to take the run over',
      async () => {
        const items = await timeline(id);
        return items.some((e) => e.kind === 'run.interrupted') ? items : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const interrupted = entries.find((e) => e.kind === 'run.interrupted')!;
    expect(interrupted.data).to.deep.include({ stepId: 'hold', action: 'wait', mutating: false });
    expect(String(interrupted.data.owner).split(':')[1]).to.equal(String(holder!.child.pid));
    expect(interrupted.data.takenOverBy).to.not.equal(interrupted.data.owner);
    expect(entries.filter((e) => e.kind === 'step.started').map((e) => e.data.stepId)).to.deep.equal(['evidence', 'hold']);
    const [claim] = await store.stepClaims({ incidentId: id, status: ['interrupted'] });
    expect(claim?.stepId).to.equal('hold');
    replicas[replicas.indexOf(holder!)] = await startReplica(replicas.indexOf(holder!));
  });

  it('loses no acknowledged notification when PostgreSQL is stopped and started under load', async () => {
    const acked: number[] = [];
    let refused = 0;
    let stop = false;
    let sequence = 0;
    async function poster(): Promise<void> {
      while (!stop) {
        const n = sequence++;
        const response = await fetch(`${proxy.url}/api/v1/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
          body: JSON.stringify(bigNotification(3, { groupKey: `{}:{load="${n}"}`, prefix: `ld${n.toString(16)}x` })),
        }).catch(() => null);
        if (response?.status === 200) acked.push(((await response.json()) as { notificationId: number }).notificationId);
        else {
          refused += 1;
          await response?.body?.cancel();
          // Alertmanager backs off between retries; so does this poster.
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }
    const posting = Array.from({ length: 4 }, () => poster());
    await waitFor('load before the outage', () => (acked.length >= 20 ? true : undefined), { timeoutMs: 60_000 });
    await postgres.stop();
    await waitFor('webhooks refused during the outage', () => (refused >= 5 ? true : undefined), { timeoutMs: 30_000 });
    const before = acked.length;
    await postgres.start();
    await waitFor('webhooks acknowledged again', () => (acked.length >= before + 20 ? true : undefined), { timeoutMs: 60_000 });
    stop = true;
    await Promise.all(posting);

    await waitFor(
      'every acknowledged notification processed',
      async () => {
        const states = await Promise.all(acked.map((id) => store.getNotification(id).catch(() => null)));
        return states.every((n) => n?.processedAt != null) ? true : undefined;
      },
      { timeoutMs: 120_000 },
    );
    expect(new Set(acked).size).to.equal(acked.length);
    // No replica was restarted to get there.
    expect(replicas.every((r) => r.child.exitCode === null && r.child.signalCode === null)).to.equal(true);
    for (const r of replicas) expect((await fetch(`${r.url}/readyz`)).status).to.equal(200);
  });
});
