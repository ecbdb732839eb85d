import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../../src/app.ts';
import { CONFIG_DEFAULTS } from '../../../src/config/schema.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import type { TimelineEntry } from '../../../src/model/incident.ts';
import { createGrafanaAnnotator, type GrafanaAnnotator } from '../../../src/record/grafana-annotations.ts';
import { withTimelineFeed } from '../../../src/record/timeline-feed.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store } from '../../../src/store/types.ts';
import { waitFor } from '../../support/eventually.ts';
import { startFakeGrafana, type FakeGrafana } from '../../support/fake-grafana.ts';
import { alert, notification } from '../../unit/incidents/payloads.ts';

const STARTS = '2026-03-01T09:50:00Z';
const ENDS = '2026-03-01T10:20:00Z';
const firing = notification([alert({ fingerprint: 'f1', startsAt: STARTS })]);
const resolved = notification([alert({ fingerprint: 'f1', status: 'resolved', startsAt: STARTS, endsAt: ENDS })]);

async function onlyIncident(store: Store): Promise<string> {
  const page = await store.listIncidents({ limit: 10 });
  expect(page.items).to.have.length(1);
  return (page.items[0] as { id: string }).id;
}

describe('Grafana annotations of incident timelines (record stage) through the real app', function () {
  this.timeout(30_000);
  let dir: string;
  let store: Store;
  let grafana: FakeGrafana;
  let app: App;
  let server: Server;
  let base: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-annotations-'));
    store = await openSqliteStore({ path: join(dir, 'firebreak.db'), logger: silentLogger(), clock: systemClock });
    await store.migrate();
    grafana = await startFakeGrafana();
    app = createApp({
      config: {
        limits: { webhookBodyBytes: CONFIG_DEFAULTS.limits.webhookBodyBytes, apiBodyBytes: CONFIG_DEFAULTS.limits.apiBodyBytes, shutdownGraceMs: 5_000 },
        grafana: { url: grafana.url, token: grafana.token, timeoutMs: 2_000, annotations: true },
      },
      auth: { disabled: true, webhook: {}, apiTokens: [] },
      store,
      clock: systemClock,
      logger: silentLogger(),
    });
    app.start();
    server = createServer(app.express);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.stop(2_000);
    await store.close();
    await grafana.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function post(body: unknown): Promise<void> {
    const res = await fetch(`${base}/api/v1/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).to.equal(200);
    await app.pipeline.idle();
  }

  it('draws the incident as a region from its first alert and closes it at the resolution', async () => {
    await post(firing);
    const id = await onlyIncident(store);
    await grafana.waitForCalls((calls) => calls.length === 1);
    const region = grafana.annotations.get(1);
    expect(region).to.deep.include({ time: Date.parse(STARTS), dashboardUID: null });
    expect(region?.tags).to.deep.equal(['firebreak', id, 'severity:critical', 'cluster:prod-eu']);
    expect(region?.text).to.contain(id);

    const created = await waitFor('annotation.created on the timeline', async () => (await store.timeline(id)).find((e) => e.kind === 'annotation.created'), { timeoutMs: 10_000 });
    expect(created.data).to.deep.include({ annotationId: 1, kind: 'region', time: new Date(STARTS).toISOString() });
    const exposition = await (await fetch(`${base}/metrics`)).text();
    expect(exposition).to.match(/^firebreak_timeline_entries_total\{kind="annotation\.created"\} 1$/m);

    await post(resolved);
    await grafana.waitForCalls((calls) => calls.some((c) => c.method === 'PATCH'));
    const patch = grafana.calls.find((c) => c.method === 'PATCH');
    expect(patch).to.deep.include({ path: '/api/annotations/1', status: 200, body: { timeEnd: Date.parse(ENDS) } });
    expect(grafana.annotations.get(1)).to.deep.include({ time: Date.parse(STARTS), timeEnd: Date.parse(ENDS) });
  });

  it('never holds the pipeline up: with Grafana refusing, incidents still open and the failure is on the timeline', async () => {
    grafana.failNext(1, 401);
    await post(firing);
    const id = await onlyIncident(store);
    expect((await store.getIncident(id))?.status).to.equal('open');
    const failed = await waitFor('annotation.failed', async () => (await store.timeline(id)).find((e) => e.kind === 'annotation.failed'), { timeoutMs: 10_000 });
    expect(failed.data).to.deep.include({ op: 'open-region', attempts: 1 });
    expect((failed.data['error'] as { code: string }).code).to.equal('GRAFANA_UNAUTHORIZED');
    expect(grafana.annotations.size).to.equal(0);
    // The annotator's own entry is counted once, like every other entry.
    const exposition = await (await fetch(`${base}/metrics`)).text();
    expect(exposition).to.match(/^firebreak_timeline_entries_total\{kind="annotation\.failed"\} 1$/m);
    expect(exposition).to.match(/^firebreak_timeline_entries_total\{kind="incident\.opened"\} 1$/m);
  });
});

describe('the Grafana annotator on its own', function () {
  this.timeout(20_000);
  let dir: string;
  let plain: Store;
  let grafana: FakeGrafana;
  let annotator: GrafanaAnnotator;
  let store: Store;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-annotator-'));
    plain = await openSqliteStore({ path: join(dir, 'firebreak.db'), logger: silentLogger(), clock: systemClock });
    await plain.migrate();
    grafana = await startFakeGrafana();
    annotator = createGrafanaAnnotator({
      store: plain,
      clock: systemClock,
      logger: silentLogger(),
      grafana: { url: grafana.url, token: grafana.token, timeoutMs: 1_000 },
      retryDelaysMs: [20, 20],
    });
    store = withTimelineFeed(plain, [annotator], silentLogger());
  });

  afterEach(async () => {
    await annotator.close();
    await plain.close();
    await grafana.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function openIncident(): Promise<string> {
    return store.transaction(async (tx) => {
      const incident = await tx.createIncident({
        key: 'k',
        title: 'KafkaConsumerGroupLagHigh',
        severity: 'warning',
        cluster: 'eu1',
        status: 'open',
        runbook: 'consumer-lag',
        labels: {},
        startedAt: '2026-03-01T09:50:00.000Z',
        openedAt: '2026-03-01T10:00:00.000Z',
        containedAt: null,
        resolvedAt: null,
        recoveredAt: null,
        closedAt: null,
      });
      await tx.appendTimeline({ incidentId: incident.id, at: incident.openedAt, phase: 'identification', kind: 'incident.opened', actor: 'alertmanager', summary: 'opened', data: {} });
      return incident.id;
    });
  }

  async function timelineKinds(id: string): Promise<Array<TimelineEntry['kind']>> {
    return (await plain.timeline(id)).map((e) => e.kind);
  }

  it('retries retriable failures and then succeeds', async () => {
    grafana.failNext(2, 502);
    const id = await openIncident();
    await annotator.idle();
    expect(grafana.calls.map((c) => c.status)).to.deep.equal([502, 502, 200]);
    expect(await timelineKinds(id)).to.deep.equal(['incident.opened', 'annotation.created']);
  });

  it('does not retry what Grafana refuses for good, and records annotation.failed', async () => {
    grafana.failNext(1, 403);
    const id = await openIncident();
    await annotator.idle();
    expect(grafana.calls).to.have.length(1);
    const failed = (await plain.timeline(id)).find((e) => e.kind === 'annotation.failed');
    expect(failed?.data).to.deep.include({ op: 'open-region', attempts: 1 });
    expect((failed?.data['error'] as { code: string }).code).to.equal('GRAFANA_UNAUTHORIZED');
  });

  it('gives up after the bounded retries', async () => {
    grafana.failNext(10, 500);
    const id = await openIncident();
    await annotator.idle();
    expect(grafana.calls).to.have.length(3);
    expect(await timelineKinds(id)).to.deep.equal(['incident.opened', 'annotation.failed']);
  });

  it('adds points for containment steps and reverts, and finds the region again from the timeline after a restart', async () => {
    const id = await openIncident();
    await annotator.idle();
    await store.appendTimeline({ incidentId: id, at: '2026-03-01T10:02:00.000Z', phase: 'containment', kind: 'step.succeeded', actor: 'engine', summary: 'Step throttle succeeded', data: {} });
    await annotator.idle();
    const point = grafana.annotations.get(2);
    expect(point?.tags).to.deep.equal(['firebreak', id, 'runbook:consumer-lag', 'severity:warning', 'cluster:eu1', 'containment']);
    expect(point?.timeEnd).to.equal(point?.time);

    // A new process: the region id is not in memory any more, only on the timeline.
    await annotator.close();
    annotator = createGrafanaAnnotator({ store: plain, clock: systemClock, logger: silentLogger(), grafana: { url: grafana.url, token: grafana.token, timeoutMs: 1_000 }, retryDelaysMs: [] });
    store = withTimelineFeed(plain, [annotator], silentLogger());
    await store.appendTimeline({ incidentId: id, at: '2026-03-01T10:30:00.000Z', phase: 'recovery', kind: 'incident.status', actor: 'alertmanager', summary: 'Resolved', data: { from: 'contained', to: 'resolved' } });
    await annotator.idle();
    expect(grafana.annotations.get(1)?.timeEnd).to.equal(Date.parse('2026-03-01T10:30:00Z'));
  });
});
