/**
 * What firebreak would do with a notification, touching nothing: the real engine runs it on a
 * private in-memory store, with actions whose side effects are swapped out (simulate-actions.ts),
 * and the report is read back from the timeline it wrote (simulate-report.ts). Matching, incident
 * keys, the order of steps, `when:`, rendering, parameter validation with defaults, plans,
 * guards, approvals, follow-ups: all of it is the engine's own code, so a simulation cannot
 * drift from what a run does.
 *
 * A simulation has no history (no earlier run, change or approval) and the automation is not
 * paused unless said so. Plans only read: with a Kafka admin they read the live cluster; without
 * one, a plan that needs Kafka fails with SIMULATE_NO_KAFKA and the change is blocked
 * (`plan-unavailable`), which the report marks as depending on the cluster. Read-only Kafka
 * steps are executed when the caller asks to gather evidence; every other read-only step (a
 * Prometheus check, a notification, a wait) is not executed and has no output. Verdicts of later
 * steps that read such output are reported as depending on it.
 */
import type { KafkaAdmin } from '../actions/kafka/types.ts';
import type { ActionRegistry } from '../actions/registry.ts';
import { FakeClock } from '../core/clock.ts';
import { silentLogger, type Logger } from '../core/logger.ts';
import type { Alert, TimelineEntry } from '../model/incident.ts';
import { readNotification, toIso, type RejectedAlert } from '../incidents/normalize.ts';
import { processNotification } from '../incidents/process.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { RunbookSet } from '../runbooks/set.ts';
import { TemplateEngine } from '../runbooks/template.ts';
import type { Runbook, RunbookStep } from '../runbooks/types.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';
import { createEngine } from './engine.ts';
import type { ActionContextExtras } from './runtime.ts';
import { engineLimits, type EngineConfig } from './settings.ts';
import { simulationRegistry } from './simulate-actions.ts';
import { reportRun, type SimulatedRun } from './simulate-report.ts';
import { engineError } from './errors.ts';

export type { SimulatedRun, SimulatedStep, SimulationProblem } from './simulate-report.ts';

export interface SimulationDeps {
  /** The runbooks in force (a RunbookSet's `runbooks`). */
  runbooks: readonly Runbook[];
  registry: ActionRegistry;
  /** The cluster plans and evidence read; none: Kafka calls fail with SIMULATE_NO_KAFKA. */
  kafka?: KafkaAdmin | null;
  config: EngineConfig;
  /** The time the simulation runs at, epoch ms. */
  now: number;
  /** Simulate with the automation paused. Default false. */
  paused?: boolean;
  /** Logger handed to the engine and the actions (default: silent). */
  logger?: Logger;
  /** The rest of the actions' context (the integrations' settings), as the engine has it. */
  actionContext?: ActionContextExtras;
  /**
   * Read-only actions this returns true for are executed for real, so later steps see their
   * output (Kafka evidence with brokers). Only for actions that read and send nothing.
   */
  gatherEvidence?: (action: string) => boolean;
  /** Why evidence is not gathered, for the report (default: "not executed in a simulation"). */
  notGatheredReason?: (action: string) => string;
}

export interface SimulatedAlert {
  fingerprint: string;
  status: Alert['status'];
  labels: Record<string, string>;
  /** The runbook that handles the alert, or null (an evidence-only incident). */
  runbook: string | null;
  /** Every matching runbook, best first (the first one wins). */
  matching: string[];
  incidentKey: string;
  /** The simulated incident the alert belongs to. */
  incidentId: string | null;
}

export interface SimulatedIncident {
  id: string;
  key: string;
  title: string;
  /** Its status after the simulation (contained only in enforce mode, by a planned change). */
  status: string;
  runbook: string | null;
  runs: SimulatedRun[];
  /** Action items the runbook's follow-ups added. */
  followUps: string[];
  /** The whole timeline the engine wrote. */
  timeline: TimelineEntry[];
}

export interface Simulation {
  mode: EngineConfig['mode'];
  paused: boolean;
  groupKey: string;
  alerts: SimulatedAlert[];
  /** Alerts the notification carries that cannot be read: ingest would leave them out. */
  rejected: RejectedAlert[];
  incidents: SimulatedIncident[];
}

/** The cluster when none is given: every Kafka call fails, saying so. */
export function noKafka(): KafkaAdmin {
  const fail = async (): Promise<never> => {
    throw engineError('SIMULATE_NO_KAFKA', 'no Kafka brokers given (--brokers, kafka.brokers): the cluster was not read, so this change was not planned and floors, caps and protected topics were not checked');
  };
  return new Proxy({} as KafkaAdmin, { get: (_target, property) => (property === 'close' ? async () => undefined : fail) });
}

/**
 * Simulates one webhook payload (see the module comment).
 *
 * @throws FirebreakError INCIDENT_INVALID_NOTIFICATION when the payload is not a v4 notification.
 */
export async function simulateNotification(deps: SimulationDeps, payload: unknown): Promise<Simulation> {
  const { notification, rejected } = readNotification(payload);
  const paused = deps.paused ?? false;
  const clock = new FakeClock(deps.now);
  const logger = deps.logger ?? silentLogger();
  const gather = deps.gatherEvidence ?? (() => false);
  const runbooks = new RunbookSet(async () => ({ runbooks: [...deps.runbooks], diagnostics: [], files: [] }));
  await runbooks.reload();
  const store = await openSqliteStore({ path: ':memory:', clock, logger });
  try {
    await store.migrate();
    if (paused) await store.setAutomation({ paused: true, changedBy: 'simulation', changedAt: toIso(deps.now), reason: 'simulated as paused' });
    const engine = createEngine({
      store,
      clock,
      logger,
      metrics: createMetrics({ processMetrics: false }),
      runbooks,
      registry: simulationRegistry(deps.registry, gather),
      kafka: deps.kafka ?? noKafka(),
      config: deps.config,
      ...(deps.actionContext === undefined ? {} : { actionContext: deps.actionContext }),
      // Retries of evidence do not wait: a simulation answers at once.
      sleep: async () => undefined,
      concurrency: 1,
    });
    try {
      const stored = await store.appendNotification(payload, toIso(deps.now));
      const result = await processNotification({ store, clock, logger }, stored, { keyFor: engine.keyFor, withinTransaction: engine.withinTransaction });
      await engine.afterProcess(result);
      await engine.start();
      await engine.idle();

      const templates = new TemplateEngine({ renderCpuMs: engineLimits(deps.config).templateCpuMs });
      const notGathered = (step: RunbookStep): string | null => {
        if (step.mutating || gather(step.action)) return null;
        return deps.notGatheredReason?.(step.action) ?? 'not executed in a simulation';
      };
      const incidents: SimulatedIncident[] = [];
      for (const touched of result.incidents) {
        const incident = await store.getIncident(touched.id);
        if (incident === null) continue;
        const timeline = await store.timeline(incident.id);
        const runbook = incident.runbook === null ? undefined : runbooks.get(incident.runbook);
        const runs = runbook === undefined ? [] : (await store.runs({ incidentId: incident.id })).map((run) => reportRun(run, runbook, timeline, { notGathered, templates, enforce: deps.config.mode === 'enforce' }));
        const followUps = (await store.actionItems(incident.id)).map((item) => item.title);
        incidents.push({ id: incident.id, key: incident.key, title: incident.title, status: incident.status, runbook: incident.runbook, runs, followUps, timeline });
      }
      const incidentOf = new Map(result.events.map((e) => [e.alert.fingerprint, e.incidentId]));
      const alerts = notification.alerts.map((alert): SimulatedAlert => ({
        fingerprint: alert.fingerprint,
        status: alert.status,
        labels: { ...alert.labels },
        runbook: runbooks.select(alert.labels)?.name ?? null,
        matching: runbooks.matching(alert.labels).map((r) => r.name),
        incidentKey: engine.keyFor(alert, notification),
        incidentId: incidentOf.get(alert.fingerprint) ?? null,
      }));
      return { mode: deps.config.mode, paused, groupKey: notification.groupKey, alerts, rejected, incidents };
    } finally {
      await engine.close(0);
    }
  } finally {
    await store.close();
  }
}
