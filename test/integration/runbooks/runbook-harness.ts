/**
 * The shipped runbooks tried for real: the whole app (webhook, incident processing, runbook
 * engine in `enforce` mode, record stage) on a real SQLite file, against the shared real Kafka
 * cluster, with every shipped action. A runbook is loaded from `runbooks/<name>.yaml` exactly as
 * shipped, except for the params an operator sets (`params` overrides, applied to the YAML
 * text), so what is tested is the file users get.
 *
 * `post` delivers a notification through the webhook and resolves once the pipeline and the
 * engine have nothing left to do.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import type { KafkaAdmin } from '../../../src/actions/kafka/types.ts';
import type { IntegrationSettings, SafetyLimits } from '../../../src/actions/types.ts';
import { createApp, type App } from '../../../src/app.ts';
import { CONFIG_DEFAULTS } from '../../../src/config/schema.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { createEngine } from '../../../src/engine/engine.ts';
import { DEFAULT_ENGINE_LIMITS } from '../../../src/model/engine.ts';
import type { TimelineEntry } from '../../../src/model/incident.ts';
import { loadRunbookSources } from '../../../src/runbooks/load.ts';
import { catalogFromRegistry } from '../../../src/runbooks/params.ts';
import { RunbookSet } from '../../../src/runbooks/set.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store } from '../../../src/store/types.ts';
import type { Cluster } from '../../support/kafka.ts';

export interface RunbookAppOptions {
  /** Shipped runbook file names without extension. */
  runbooks: string[];
  /** `name: value` lines of a runbook's `params` replaced, by runbook: what an operator would set. */
  params?: Record<string, Record<string, string>>;
  safety?: Partial<SafetyLimits>;
  integrations?: IntegrationSettings;
}

export interface RunbookApp {
  store: Store;
  app: App;
  /** A separate admin for the test's own checks of broker state. */
  admin: KafkaAdmin;
  post(body: unknown): Promise<void>;
  onlyIncident(): Promise<string>;
  timeline(incidentId: string): Promise<TimelineEntry[]>;
  close(): Promise<void>;
}

/** The YAML of a shipped runbook with some params lines replaced (each must exist). */
export async function shippedRunbook(name: string, params: Record<string, string> = {}): Promise<string> {
  let text = await readFile(join('runbooks', `${name}.yaml`), 'utf8');
  for (const [key, value] of Object.entries(params)) {
    const line = new RegExp(`^(  ${key}:) .*$`, 'm');
    expect(line.test(text), `runbooks/${name}.yaml has params.${key}`).to.equal(true);
    text = text.replace(line, `$1 ${value}`);
  }
  return text;
}

export async function startRunbookApp(cluster: Cluster, options: RunbookAppOptions): Promise<RunbookApp> {
  const dir = await mkdtemp(join(tmpdir(), 'firebreak-runbooks-'));
  const logger = silentLogger();
  const store = await openSqliteStore({ path: join(dir, 'firebreak.db'), logger, clock: systemClock });
  await store.migrate();
  const registry = createActionRegistry();
  const sources = await Promise.all(options.runbooks.map(async (name) => ({ file: `runbooks/${name}.yaml`, text: await shippedRunbook(name, options.params?.[name]) })));
  const runbooks = new RunbookSet(async () => loadRunbookSources(sources, { catalog: catalogFromRegistry(registry) }));
  const loaded = await runbooks.reload();
  expect(loaded.diagnostics).to.deep.equal([]);
  const brokers = cluster.bootstrapServers.split(',');
  const kafka = createKafkaAdmin({ brokers, clientId: 'firebreak-engine' }, { logger });
  const admin = createKafkaAdmin({ brokers, clientId: 'firebreak-test-checks' }, { logger });
  const safety: SafetyLimits = { minQuotaByteRate: 65_536, minRetentionMs: 3_600_000, protectedTopics: [], ...options.safety };
  const app = createApp({
    config: { limits: { webhookBodyBytes: CONFIG_DEFAULTS.limits.webhookBodyBytes, apiBodyBytes: CONFIG_DEFAULTS.limits.apiBodyBytes, shutdownGraceMs: 5_000 } },
    auth: { disabled: true, webhook: {}, apiTokens: [] },
    store,
    clock: systemClock,
    logger,
    engine: ({ store: appStore, metrics }) =>
      createEngine({
        store: appStore,
        clock: systemClock,
        logger,
        metrics,
        runbooks,
        registry,
        kafka,
        config: { mode: 'enforce', safety, engine: { ...DEFAULT_ENGINE_LIMITS, stepTimeoutMs: 120_000 } },
        actionContext: { integrations: options.integrations ?? {} },
      }),
  });
  app.start();
  const server: Server = createServer(app.express);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    store,
    app,
    admin,
    async post(body) {
      const res = await fetch(`${base}/api/v1/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status, await res.clone().text()).to.equal(200);
      await app.pipeline.idle();
      await app.engine?.idle();
    },
    async onlyIncident() {
      const { items } = await store.listIncidents({ limit: 10 });
      expect(items).to.have.length(1);
      return (items[0] as { id: string }).id;
    },
    timeline: (incidentId) => store.timeline(incidentId),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await app.stop(5_000);
      await kafka.close();
      await admin.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * An Alertmanager v4 notification for one alert of alert-rules/kafka.rules.yml: the rule's
 * labels (its `by` labels plus `severity`) and annotations as Prometheus renders them.
 */
export function notification(status: 'firing' | 'resolved', alert: { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt?: string }): Record<string, unknown> {
  const labels = alert.labels;
  const fingerprint = Buffer.from(JSON.stringify(labels)).toString('hex').slice(-16);
  return {
    version: '4',
    groupKey: `{}/{}:{alertname="${labels['alertname'] ?? ''}", cluster="${labels['cluster'] ?? ''}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'firebreak',
    groupLabels: { alertname: labels['alertname'], cluster: labels['cluster'] },
    commonLabels: labels,
    commonAnnotations: alert.annotations,
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status,
        labels,
        annotations: alert.annotations,
        startsAt: alert.startsAt,
        endsAt: status === 'firing' ? ZERO_TIME : (alert.endsAt ?? new Date().toISOString()),
        generatorURL: 'http://prometheus.example:9090/graph?g0.expr=kafka',
        fingerprint,
      },
    ],
  };
}

/**
 * `[kind, stepId]` of the engine's step and revert entries, in order: the shape of a run.
 * `step.verified` is left out: effect verification runs in the background, its entry lands
 * whenever the check ends.
 */
export function stepTrail(entries: TimelineEntry[]): Array<[string, unknown]> {
  return entries.filter((e) => (e.kind.startsWith('step.') && e.kind !== 'step.verified') || e.kind.startsWith('revert.')).map((e) => [e.kind, e.data['stepId']]);
}

/** The reason the guards gave for a step's skip or block entry. */
export function reasonOf(entries: TimelineEntry[], kind: string, stepId: string): unknown {
  const entry = entries.find((e) => e.kind === kind && e.data['stepId'] === stepId);
  return (entry?.data['decision'] as { reason?: unknown } | undefined)?.reason;
}
