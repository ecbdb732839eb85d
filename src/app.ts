/**
 * Wires firebreak's pipeline and HTTP surface together. {@link createApp} builds the express
 * application, the ingest pipeline and the metrics from injected dependencies and never listens:
 * the `serve` command (src/cli/serve.ts) listens, and tests drive the app in-process.
 *
 * Pipeline: webhook -> validate -> store (ack) -> worker -> incident processing -> hooks.
 * The hooks are the seam for the stages that follow incident processing: the runbook engine
 * registers one hook and receives every ProcessResult, in order, after it was committed.
 *
 * Record stage: the store everything here uses is decorated with a timeline feed
 * (src/record/timeline-feed.ts), so every committed timeline entry, whoever appends it, reaches
 * the recorders: the timeline-entry counter (src/record/timeline-count.ts), Grafana annotations
 * when configured, plus any in `recorders`. Build further stages from `app.store`, not from the
 * store passed in, or their entries are neither recorded nor counted.
 */
import type { RequestListener } from 'node:http';
import express, { type Express } from 'express';
import pkg from '../package.json' with { type: 'json' };
import type { AuthSettings } from './config/credentials.ts';
import type { Config } from './config/schema.ts';
import type { Clock } from './core/clock.ts';
import type { Logger } from './core/logger.ts';
import type { Engine } from './engine/engine.ts';
import { consoleRouter } from './console/routes.ts';
import { CONFIG_DEFAULTS } from './config/schema.ts';
import { createLogSampler } from './core/log-sampler.ts';
import { createAuthenticator } from './http/auth.ts';
import { createFailureLimiter, DEFAULT_FAILURE_LIMIT } from './http/failure-limit.ts';
import { errorHandler, notFoundHandler } from './http/errors.ts';
import { buildOpenApiDocument } from './http/openapi.ts';
import { requestLogging } from './http/request-context.ts';
import { registerEngineRoutes } from './http/routes/engine.ts';
import { registerIncidentRoutes } from './http/routes/incidents.ts';
import { registerResponderRoutes } from './http/routes/responders.ts';
import { registerSystemRoutes } from './http/routes/system.ts';
import { registerWebhookRoute, WEBHOOK_PATH } from './http/routes/webhook.ts';
import { leanWebhook, type LeanHandler } from './http/webhook-lean.ts';
import type { Pipeline, PostProcessHook } from './ingest/pipeline.ts';
import { createProcessing } from './ingest/processing.ts';
import type { IngestThread } from './ingest/thread.ts';
import { createWebhookValidator } from './ingest/validate.ts';
import type { ProcessOptions } from './incidents/process.ts';
import { DEFAULT_STORM_SETTINGS, type StormSettings } from './incidents/storm.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import { configuredGrafanaAnnotator } from './record/grafana-annotations.ts';
import { configuredNotifier } from './record/notifier.ts';
import { createLiveFeed, type LiveFeed } from './record/live-feed.ts';
import { timelineCounter } from './record/timeline-count.ts';
import { withTimelineFeed, type TimelineRecorder } from './record/timeline-feed.ts';
import type { Store } from './store/types.ts';

export interface AppDeps {
  /**
   * `grafana`, when given and configured, turns on Grafana annotations of incident timelines;
   * `notify` with subscriptions turns on event notifications (links absolute under `publicUrl`).
   */
  config: Pick<Config, 'limits'> & Partial<Pick<Config, 'grafana' | 'notify' | 'publicUrl' | 'console' | 'trustedProxies' | 'storm'>> & { auth?: Partial<Config['auth']> };
  /** Credentials to enforce (src/config/credentials.ts resolves them). */
  auth: AuthSettings;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Defaults to a fresh registry with process metrics. */
  metrics?: Metrics;
  /** Called with every processing result, in order; see the module comment. */
  hooks?: readonly PostProcessHook[];
  /** Which alerts share an incident (the runbook engine's groupBy); default: the groupKey. */
  keyFor?: ProcessOptions['keyFor'];
  /** Waits between retries of a retriable processing failure, ms. */
  retryDelaysMs?: readonly number[];
  /** How often event streams look for entries other replicas committed, ms (default 2000). */
  livePollMs?: number;
  /** Further record-stage subscribers, told of every committed timeline entry. */
  recorders?: readonly TimelineRecorder[];
  /**
   * Builds the runbook engine (src/engine/) on the app's store and metrics. It decides each
   * alert's incident key (replacing `keyFor`), records run requests inside the processing
   * transaction and hears every result after the commit; without it the engine routes answer
   * ENGINE_DISABLED.
   */
  engine?: (deps: { store: Store; metrics: Metrics; submitNotification: (payload: Record<string, unknown>) => Promise<void> }) => Engine;
  /**
   * The ingest thread that holds `store` (src/ingest/thread.ts): notifications are processed
   * and large webhook bodies parsed there; without it, in this thread.
   */
  ingestThread?: IngestThread;
}

export interface App {
  /**
   * What to listen with (`createHttpServer(app.handler)`): the webhook's lean path
   * (src/http/webhook-lean.ts) for the plain webhook requests, express for everything else.
   */
  handler: RequestListener;
  /** The express application alone (every route, the webhook included). */
  express: Express;
  /** The webhook's lean path alone: answers a request (true) or leaves it to express (false). */
  lean: LeanHandler;
  pipeline: Pipeline;
  metrics: Metrics;
  /** The store with the timeline feed: what every stage of this app appends through. */
  store: Store;
  /** The runbook engine, when one was given. */
  engine: Engine | null;
  /** Every committed timeline entry, for event streams (API, console). */
  live: LiveFeed;
  /** Starts processing, beginning with every stored notification not yet processed. */
  start(): void;
  /** Makes `/readyz` answer 503 from now on: the first step of a shutdown. */
  drain(): void;
  /**
   * Fails readiness, then stops processing: the notification in progress finishes, waiting ones
   * are processed while `graceMs` lasts. Call after the HTTP server stopped taking requests;
   * the caller closes the store afterwards.
   */
  stop(graceMs: number): Promise<void>;
}

/** The incident caps of the config's storm settings (the defaults when not given). */
function stormSettings(config: Config['storm'] | undefined): StormSettings {
  return config === undefined
    ? DEFAULT_STORM_SETTINGS
    : { maxNewIncidentsPerNotification: config.maxNewIncidentsPerNotification, maxNewIncidentsPerMinute: config.maxNewIncidentsPerMinute };
}

/** Longest a shutdown waits for queued Grafana annotations and notifications. */
const ANNOTATION_GRACE_MS = 2_000;

export function createApp(deps: AppDeps): App {
  const { clock, logger } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const counter = timelineCounter(metrics);
  // The annotator and the notifier append their own entries (`annotation.*`, `notification.failed`)
  // through a store whose feed only counts them: they must not hear themselves.
  const counted = withTimelineFeed(deps.store, [counter], logger);
  const annotator = configuredGrafanaAnnotator(deps.config.grafana, { store: counted, clock, logger });
  const notifier = configuredNotifier(deps.config.notify, { store: counted, clock, logger, publicUrl: deps.config.publicUrl ?? null });
  const live = createLiveFeed({ store: deps.store, logger, ...(deps.livePollMs === undefined ? {} : { pollMs: deps.livePollMs }) });
  const recorders = [counter, live, ...(deps.recorders ?? []), ...(annotator === null ? [] : [annotator]), ...(notifier === null ? [] : [notifier])];
  const store = withTimelineFeed(deps.store, recorders, logger);
  metrics.observeIncidents(() => store.countIncidentsByStatus());
  // What the engine makes up itself (a resolve reconciled from Alertmanager) goes the webhook's way: stored, then processed in order.
  const submitNotification = async (payload: Record<string, unknown>): Promise<void> => {
    const stored = await store.appendNotification(payload, new Date(clock.now()).toISOString());
    pipeline.kick(stored.id);
  };
  const engine = deps.engine?.({ store, metrics, submitNotification }) ?? null;
  const { pipeline, offload } = createProcessing({
    store,
    clock,
    logger,
    metrics,
    engine,
    recorders,
    storm: stormSettings(deps.config.storm),
    ...(deps.keyFor === undefined ? {} : { keyFor: deps.keyFor }),
    ...(deps.hooks === undefined ? {} : { hooks: deps.hooks }),
    ...(deps.retryDelaysMs === undefined ? {} : { retryDelaysMs: deps.retryDelaysMs }),
    ...(deps.ingestThread === undefined ? {} : { thread: deps.ingestThread }),
  });
  // Failed operator tokens, counted per client address in this process (src/http/failure-limit.ts).
  const failures = deps.config.auth?.failures ?? DEFAULT_FAILURE_LIMIT;
  const authLimit = { limiter: createFailureLimiter(failures, clock), settings: failures };
  const auth = createAuthenticator(deps.auth, authLimit);
  let accepting = true;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Whose X-Forwarded-For is believed (req.ip, req.secure); none by default.
  const proxies = deps.config.trustedProxies ?? [];
  if (proxies.length > 0) app.set('trust proxy', proxies);
  // The webhook's request lines: one each at info while they are few, then a count per second.
  const sampled = new Map([[WEBHOOK_PATH, createLogSampler({ logger, clock, message: 'webhook requests answered' })]]);
  app.use(requestLogging(logger, sampled));
  registerSystemRoutes(app, {
    store,
    metrics,
    logger,
    accepting: () => accepting,
    openapi: () => buildOpenApiDocument(pkg.version),
  });
  const webhook = { store, clock, logger, metrics, pipeline, offload, validate: createWebhookValidator(), auth, bodyLimit: deps.config.limits.webhookBodyBytes };
  registerWebhookRoute(app, webhook);
  const lean = leanWebhook({ ...webhook, sampled, path: WEBHOOK_PATH });
  registerIncidentRoutes(app, { store, clock, auth, bodyLimit: deps.config.limits.apiBodyBytes });
  registerResponderRoutes(app, { store, clock, auth, feed: live, bodyLimit: deps.config.limits.apiBodyBytes });
  registerEngineRoutes(app, { engine, auth, logger, bodyLimit: deps.config.limits.apiBodyBytes });
  // The web console (src/console/): pages at `/`, signed in with an operator token.
  app.use(
    consoleRouter({
      store,
      clock,
      logger,
      metrics,
      engine,
      auth: deps.auth,
      live,
      sessionTtlMs: deps.config.console?.sessionTtlMs ?? CONFIG_DEFAULTS.console.sessionTtlMs,
      publicUrl: deps.config.publicUrl ?? null,
      bodyLimit: deps.config.limits.apiBodyBytes,
      authLimit,
      ...(deps.livePollMs === undefined ? {} : { livePollMs: deps.livePollMs }),
    }),
  );
  app.use(notFoundHandler);
  app.use(errorHandler);

  return {
    handler: (req, res) => {
      if (!lean(req, res)) app(req, res);
    },
    express: app,
    lean,
    pipeline,
    metrics,
    store,
    engine,
    live,
    start() {
      pipeline.kick();
      // Recovery of runs a previous process left half-done comes first; runs start after it.
      engine?.start().catch((err: unknown) => logger.error({ err }, 'the runbook engine could not start; no run executes'));
    },
    drain() {
      accepting = false;
      // Event streams never end by themselves: end them so the server can close.
      live.close();
    },
    async stop(graceMs) {
      accepting = false;
      live.close();
      const started = Date.now();
      await pipeline.close(graceMs);
      await engine?.close(Math.max(0, graceMs - (Date.now() - started)));
      // Annotations are best effort: a short wait for the last ones (a resolution's timeEnd).
      await Promise.all([annotator?.close(Math.min(graceMs, ANNOTATION_GRACE_MS)), notifier?.close(Math.min(graceMs, ANNOTATION_GRACE_MS))]);
    },
  };
}
