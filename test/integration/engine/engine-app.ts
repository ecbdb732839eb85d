/**
 * The app with its runbook engine, in-process, for engine integration tests: a real SQLite file
 * in a temp dir, the runbooks of test/fixtures/runbooks/engine, every shipped action, a real
 * Kafka admin on the shared test cluster (or none), the HTTP API on an OS-assigned port.
 * `close()` stops the server, the app, the engine's Kafka client and the store, and removes the dir.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import type { KafkaAdmin } from '../../../src/actions/kafka/types.ts';
import { createApp, type App } from '../../../src/app.ts';
import { CONFIG_DEFAULTS, type Config } from '../../../src/config/schema.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { createEngine } from '../../../src/engine/engine.ts';
import { lazyKafkaAdmin } from '../../../src/engine/kafka.ts';
import type { ActionContextExtras } from '../../../src/engine/runtime.ts';
import type { EngineConfig } from '../../../src/engine/settings.ts';
import { DEFAULT_ENGINE_LIMITS, type EngineLimits } from '../../../src/model/engine.ts';
import type { TimelineEntry } from '../../../src/model/incident.ts';
import { catalogFromRegistry } from '../../../src/runbooks/params.ts';
import { RunbookSet } from '../../../src/runbooks/set.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store } from '../../../src/store/types.ts';
import { waitFor } from '../../support/eventually.ts';
import type { Cluster } from '../../support/kafka.ts';
import { TEST_AUTH, TOKENS, bearer, memoryLogger, postAlerts } from '../http/harness.ts';

export const ENGINE_RUNBOOKS = join(import.meta.dirname, '../../fixtures/runbooks/engine');

export interface EngineApp {
  baseUrl: string;
  store: Store;
  app: App;
  /** A separate admin client for the test's own reads and changes on the cluster. */
  admin: KafkaAdmin | null;
  runbooksDir: string;
  /** Posts an Alertmanager notification to the webhook and expects it accepted (200). */
  post(notification: unknown): Promise<void>;
  /** Calls the API with a token (default: the responder's) and parses the JSON answer. */
  api(method: 'GET' | 'POST', path: string, options?: { token?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  /** The incident of this key, once it exists. */
  incidentByKey(key: string): Promise<string>;
  timeline(incidentId: string): Promise<TimelineEntry[]>;
  /** Waits until the incident's timeline has an entry matching `predicate`. */
  waitForEntry(incidentId: string, predicate: (e: TimelineEntry) => boolean, what: string, timeoutMs?: number): Promise<TimelineEntry>;
  close(): Promise<void>;
}

export interface EngineAppOptions {
  mode?: EngineConfig['mode'];
  /** Notification targets and subscriptions (event notifications), and the public URL for links. */
  notify?: Config['notify'];
  publicUrl?: string;
  /** Default: the fixture runbooks. */
  runbooksDir?: string;
  /** Engine settings over the defaults (short retries and windows for tests). */
  engine?: Partial<EngineLimits>;
  /** The integrations' settings (Prometheus for release conditions, notify targets for escalations...). */
  actionContext?: ActionContextExtras;
  /** Reconciliation with Alertmanager; read at each reconciliation, so a test may add peers later. */
  alertmanager?: NonNullable<EngineConfig['alertmanager']>;
}

export async function startEngineApp(cluster: Cluster | null, options: EngineAppOptions = {}): Promise<EngineApp> {
  const dir = await mkdtemp(join(tmpdir(), 'firebreak-engine-'));
  const { logger } = memoryLogger();
  const store = await openSqliteStore({ path: join(dir, 'firebreak.db'), logger: silentLogger() });
  await store.migrate();
  const registry = createActionRegistry();
  const runbooksDir = options.runbooksDir ?? ENGINE_RUNBOOKS;
  const runbooks = RunbookSet.fromPaths([runbooksDir], { catalog: catalogFromRegistry(registry) });
  const loaded = await runbooks.reload();
  if (!loaded.ok) throw new Error(`fixture runbooks do not load: ${JSON.stringify(loaded.diagnostics)}`);
  const brokers = cluster === null ? null : { brokers: cluster.bootstrapServers.split(','), clientId: 'firebreak-engine-test' };
  const kafka = lazyKafkaAdmin(brokers, (o) => createKafkaAdmin(o, { logger: silentLogger() }));
  const admin = brokers === null ? null : createKafkaAdmin({ ...brokers, clientId: 'firebreak-engine-test-reader' }, { logger: silentLogger() });
  const config: EngineConfig = {
    mode: options.mode ?? 'enforce',
    safety: { minQuotaByteRate: CONFIG_DEFAULTS.safety.minQuotaByteRate, minRetentionMs: CONFIG_DEFAULTS.safety.minRetentionMs, protectedTopics: [] },
    engine: { ...DEFAULT_ENGINE_LIMITS, ...options.engine },
    ...(options.alertmanager === undefined ? {} : { alertmanager: options.alertmanager }),
  };
  const app = createApp({
    config: {
      limits: { webhookBodyBytes: CONFIG_DEFAULTS.limits.webhookBodyBytes, apiBodyBytes: CONFIG_DEFAULTS.limits.apiBodyBytes, shutdownGraceMs: 5_000 },
      ...(options.notify === undefined ? {} : { notify: options.notify }),
      ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
    },
    auth: TEST_AUTH,
    store,
    clock: systemClock,
    logger,
    retryDelaysMs: [10, 10],
    engine: (deps) =>
      createEngine({ ...deps, clock: systemClock, logger, runbooks, registry, kafka, config, tickMs: 100, timerPollMs: 100, ...(options.actionContext === undefined ? {} : { actionContext: options.actionContext }) }),
  });
  app.start();
  const server: Server = createServer(app.express);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const timeline = (incidentId: string) => store.timeline(incidentId);
  return {
    baseUrl,
    store,
    app,
    admin,
    runbooksDir,
    async post(notification) {
      const response = await postAlerts(baseUrl, notification);
      await response.body?.cancel();
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}, expected 200`);
    },
    async api(method, path, o = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...bearer(o.token ?? TOKENS.responder), ...(o.body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
    },
    incidentByKey: (key) =>
      waitFor(
        `an incident ${key}`,
        async () => (await store.findActiveIncidentByKey(key))?.id ?? (await store.listIncidents({ limit: 500 })).items.find((i) => i.key === key)?.id,
        { timeoutMs: 10_000 },
      ),
    timeline,
    waitForEntry: (incidentId, predicate, what, timeoutMs = 45_000) => waitFor(what, async () => (await timeline(incidentId)).find(predicate), { timeoutMs }),
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeIdleConnections();
      });
      await app.stop(5_000);
      await kafka.close();
      await admin?.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A v4 notification with one alert of `alertname` for `client`. */
export function engineAlert(alertname: string, client: string, status: 'firing' | 'resolved', startsAt = '2026-03-01T10:00:00Z'): Record<string, unknown> {
  return {
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'firebreak',
    groupLabels: { alertname },
    commonLabels: { alertname, client },
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    alerts: [
      {
        status,
        labels: { alertname, client, severity: 'critical' },
        annotations: { summary: `${alertname} for ${client}` },
        startsAt,
        endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : new Date(Date.parse(startsAt) + 600_000).toISOString(),
        generatorURL: '',
        fingerprint: createHash('sha256').update(`${alertname} ${client}`).digest('hex').slice(0, 16),
      },
    ],
  };
}

/** Entries of the timeline of kind `kind` for step `stepId`. */
export function stepEntries(entries: TimelineEntry[], kind: string, stepId: string): TimelineEntry[] {
  return entries.filter((e) => e.kind === kind && e.data.stepId === stepId);
}
