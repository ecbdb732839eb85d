/**
 * A containment is never forgotten by a crash: the real `serve` process sets a quota on a real
 * cluster and is SIGKILLed; the restarted process still holds the containment (the incident is
 * contained, the quota in place), and when the alert resolves it releases it gradually; that
 * process is SIGKILLed in the middle of the release, and the next one finishes it from the
 * durable timer: the quota goes back to none.
 */
import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import type { KafkaAdmin } from '../../../src/actions/kafka/types.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import type { TimelineEntry } from '../../../src/model/incident.ts';
import { waitFor } from '../../support/eventually.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { quotaSettled } from '../actions/harness.ts';
import { engineAlert } from '../engine/engine-app.ts';
import { ensureStopped, startServe, type ServeProcess } from './serve-process.ts';

const WEBHOOK_TOKEN = 'sigkill-webhook-token-000001';
const ADMIN_TOKEN = 'sigkill-admin-token-0000001';
const ALERT = 'SigkillLag';

const RUNBOOK = `
name: sigkill-gradual
description: Throttle a producer; release the quota in levels, one every few seconds.
match: ['alertname="${ALERT}"']
groupBy: [client]
steps:
  - id: throttle
    phase: containment
    action: kafka.setClientQuota
    with: { entity: { client-id: "{{ labels.client }}" }, producerByteRate: 1048576 }
    release: { mode: gradual, for: 3s, interval: 500ms, factor: 2, steps: 2 }
`;

describe('serve: a containment survives SIGKILL and restarts, and is still released', function () {
  this.timeout(300_000);
  let kafka: Cluster;
  let admin: KafkaAdmin;
  let dir: string;
  let proc: ServeProcess | undefined;

  before(async () => {
    kafka = await useKafka();
    admin = createKafkaAdmin({ brokers: kafka.bootstrapServers.split(','), clientId: 'firebreak-sigkill-test' }, { logger: silentLogger() });
  });
  after(async () => {
    await admin?.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-sigkill-'));
    await mkdir(join(dir, 'runbooks'));
    await writeFile(join(dir, 'runbooks', 'gradual.yaml'), RUNBOOK);
    await writeFile(
      join(dir, 'config.yaml'),
      [
        'listen: 127.0.0.1:0',
        `dataDir: ${join(dir, 'data')}`,
        `runbooks: ${join(dir, 'runbooks')}`,
        'mode: enforce',
        `webhook: { token: ${WEBHOOK_TOKEN} }`,
        `apiTokens: [{ name: ops, role: admin, token: ${ADMIN_TOKEN} }]`,
        `kafka: { brokers: [${kafka.bootstrapServers}] }`,
        'engine: { timerPollMs: 100, stepTimeoutMs: 5000, revertRetryMs: 200 }',
        // A peer that never answers: reconciliation runs and, rightly, concludes nothing.
        'alertmanager: { urls: ["http://127.0.0.1:9"], reconcileMs: 500, timeoutMs: 500 }',
        '',
      ].join('\n'),
    );
  });
  afterEach(async () => {
    await ensureStopped(proc);
    proc = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const start = () => startServe({ cwd: dir, env: {}, args: ['--config', join(dir, 'config.yaml')] });

  async function post(url: string, body: unknown): Promise<void> {
    const res = await fetch(`${url}/api/v1/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` }, body: JSON.stringify(body) });
    expect(res.status).to.equal(200);
  }

  async function api(url: string, path: string): Promise<any> {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status, path).to.equal(200);
    return res.json();
  }

  async function timeline(url: string, id: string): Promise<TimelineEntry[]> {
    return (await api(url, `/api/v1/incidents/${id}/timeline?limit=500`)).items as TimelineEntry[];
  }

  async function sigkill(p: ServeProcess): Promise<void> {
    p.kill('SIGKILL');
    expect((await p.exited).signal).to.equal('SIGKILL');
  }

  it('keeps the quota through a SIGKILL, releases it level by level, and finishes the release after a second SIGKILL', async () => {
    const client = uniqueName('sigkill');
    const entity = { 'client-id': client };
    proc = await start();
    expect(proc.logs.find((l) => l.msg === 'reconciling open containments with Alertmanager')).to.deep.include({ alertmanager: ['http://127.0.0.1:9'] });
    await post(proc.url, engineAlert(ALERT, client, 'firing'));
    const first = proc.url;
    const id = await waitFor('the incident', async () => ((await api(first, '/api/v1/incidents')).items as Array<{ id: string; key: string }>).find((i) => i.key.includes(client))?.id);
    await waitFor('the throttle', async () => ((await timeline(first, id)).some((e) => e.kind === 'step.succeeded' && e.data.stepId === 'throttle') ? true : undefined), { timeoutMs: 60_000 });
    await quotaSettled(admin, entity, { producer_byte_rate: 1_048_576 });
    await sigkill(proc);

    proc = await start();
    const second = proc.url;
    expect((await api(second, `/api/v1/incidents/${id}`)).incident.status, 'still contained after the restart').to.equal('contained');
    await quotaSettled(admin, entity, { producer_byte_rate: 1_048_576 });
    await post(second, engineAlert(ALERT, client, 'resolved'));
    await waitFor('the first level of the release', async () => ((await timeline(second, id)).some((e) => e.kind === 'release.step') ? true : undefined), { timeoutMs: 60_000 });
    await sigkill(proc);
    await quotaSettled(admin, entity, { producer_byte_rate: 2_097_152 });

    proc = await start();
    const third = proc.url;
    await waitFor('the release to finish', async () => ((await timeline(third, id)).some((e) => e.kind === 'revert.succeeded') ? true : undefined), { timeoutMs: 120_000 });
    await quotaSettled(admin, entity, {});
    const entries = await timeline(third, id);
    expect(entries.filter((e) => e.kind === 'release.step').map((e) => [e.data.from, e.data.to])).to.deep.equal([
      [0, 1],
      [1, 2],
    ]);
    expect(entries.filter((e) => e.kind === 'step.started' && e.data.stepId === 'throttle'), 'applied once, never again').to.have.length(1);
    await waitFor('recovery', async () => ((await api(third, `/api/v1/incidents/${id}`)).incident.status === 'recovered' ? true : undefined), { timeoutMs: 30_000 });
  });
});
