/**
 * The runbook engine as `serve` runs it: the action registry, the runbooks from the configured
 * path, one lazily connected Kafka admin from `kafka.brokers` (kafkajs itself loaded only then),
 * the integrations' settings, and the engine factory handed to createApp.
 *
 * Runbooks at start-up: a configured path that does not exist starts the server with no runbook
 * (every alert opens an evidence-only incident, with a warning); a runbook with any problem
 * stops the start with RUNBOOK_INVALID, since there is no last good set to keep. The warnings
 * `firebreak validate` reports of runbooks that load (RUNBOOK_HARD_LIMIT: a step that can never
 * run; RUNBOOK_UNESCAPED_LABEL) are logged, one line each, at start and at every reload.
 */
import { existsSync } from 'node:fs';
import type { KafkaAdmin } from '../actions/kafka/types.ts';
import type { ActionRegistry } from '../actions/registry.ts';
import type { AppDeps } from '../app.ts';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { createEngine } from '../engine/engine.ts';
import { lazyKafkaAdmin } from '../engine/kafka.ts';
import { formatDiagnostic, runbookLoadError } from '../runbooks/diagnostics.ts';
import { catalogFromRegistry } from '../runbooks/params.ts';
import { RunbookSet } from '../runbooks/set.ts';
import { isPostgresUrl } from '../store/open.ts';

export interface ServeEngine {
  runbooks: RunbookSet;
  /** For createApp's `engine`. */
  factory: NonNullable<AppDeps['engine']>;
  /** The engine's Kafka connection; close it after the app stopped. */
  kafka: KafkaAdmin;
}

/** Loads the runbooks for a start (see the module comment). */
export async function loadStartupRunbooks(config: Pick<Config, 'runbooks' | 'safety'>, registry: ActionRegistry, logger: Logger): Promise<RunbookSet> {
  const runbooks = RunbookSet.fromPaths([config.runbooks], { catalog: catalogFromRegistry(registry), limits: config.safety });
  if (!existsSync(config.runbooks)) {
    logger.warn({ runbooks: config.runbooks }, 'no runbooks at this path: every alert opens an evidence-only incident');
    return runbooks;
  }
  const outcome = await runbooks.reload();
  if (!outcome.ok) throw runbookLoadError(outcome.diagnostics);
  logger.info({ runbooks: outcome.runbooks, path: config.runbooks }, 'runbooks loaded');
  logRunbookWarnings(runbooks, logger);
  return runbooks;
}

/** One warning line per load warning of the set in force, worded as `firebreak validate` prints it. */
export function logRunbookWarnings(runbooks: RunbookSet, logger: Logger): void {
  for (const w of runbooks.warnings) {
    logger.warn({ code: w.code, file: w.file, line: w.line, column: w.column, path: w.path }, `runbook warning: ${formatDiagnostic(w)}`);
  }
}

export async function serveEngine(deps: { config: Config; clock: Clock; logger: Logger; registry: ActionRegistry }): Promise<ServeEngine> {
  const { config, clock, registry } = deps;
  const logger = deps.logger.child({ module: 'engine' });
  const runbooks = await loadStartupRunbooks(config, registry, logger);
  const brokers = config.kafka.brokers;
  // The Kafka client library is loaded with the first connection: a serve without brokers never loads it.
  const kafka = lazyKafkaAdmin(brokers.length === 0 ? null : { brokers: [...brokers], clientId: config.kafka.clientId }, async (options) =>
    (await import('../actions/kafka/client.ts')).createKafkaAdmin(options, { logger }),
  );
  if (brokers.length === 0) logger.warn('no Kafka brokers configured (kafka.brokers): Kafka steps fail with ENGINE_KAFKA_NOT_CONFIGURED');
  if (config.alertmanager.urls.length === 0) {
    logger.warn('reconciliation with Alertmanager is off (alertmanager.urls, FIREBREAK_ALERTMANAGER_URLS): a resolve that never arrives is caught only by a step\'s maxDuration');
  } else {
    logger.info({ alertmanager: config.alertmanager.urls, everyMs: config.alertmanager.reconcileMs, graceMs: config.alertmanager.graceMs }, 'reconciling open containments with Alertmanager');
  }
  return {
    runbooks,
    kafka,
    factory: ({ store, metrics, submitNotification }) =>
      createEngine({
        store,
        clock,
        logger,
        metrics,
        submitNotification,
        runbooks,
        registry,
        kafka,
        config,
        actionContext: { integrations: { prometheus: config.prometheus, grafana: config.grafana, notify: config.notify, http: config.http } },
        concurrency: config.engine.concurrency,
        maxRunStartsPerMinute: config.storm.maxRunStartsPerMinute,
        tickMs: config.engine.approvalCheckMs,
        // Replicas share a PostgreSQL store; a SQLite file has one engine.
        leases: { leaseMs: config.engine.runLeaseMs, exclusive: !isPostgresUrl(config.store) },
      }),
  };
}
