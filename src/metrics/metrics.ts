/**
 * firebreak's own Prometheus metrics. One {@link Metrics} object per app instance, with its own
 * registry (no global registry: several apps can live in one process, as in tests). It is
 * injected into the pipeline; later stages (the engine) register their metrics on
 * `metrics.registry`. docs/metrics.md documents every series; keep the two in step.
 *
 * Label values are bounded: statuses, timeline kinds and error codes are closed sets, store
 * operations are the method names firebreak calls.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ALERT_STATUSES, INCIDENT_STATUSES, type IncidentStatus, type TimelineKind } from '../model/incident.ts';

/** The subset of a processing result the metrics read (see src/incidents/process.ts). */
export interface ProcessedCounts {
  duplicates: number;
  /** Alerts folded into storm incidents, by the storm incident's runbook (null: none). */
  folded?: ReadonlyArray<{ runbook: string | null; alerts: number }>;
}

export interface Metrics {
  /** Registry to scrape, and to register further metrics on. */
  readonly registry: Registry;
  /**
   * An accepted (stored) notification, the alerts it will process by status, how many Alertmanager
   * left out, and how many were rejected because they cannot be read.
   */
  notificationAccepted(status: string, alerts: { firing: number; resolved: number }, truncated?: number, rejected?: number): void;
  /** One webhook request finished with `outcome` (`ok` or the error code) after `seconds`. */
  webhookRequest(outcome: string, seconds: number): void;
  /** One notification processed: counts it, and its duplicate and folded alerts. */
  notificationProcessed(counts: ProcessedCounts): void;
  /**
   * A committed timeline entry. The record stage's counter (src/record/timeline-count.ts) is the
   * one caller: it hears every entry once, whoever appended it (`count` entries of a kind
   * at once, as the ingest thread reports them).
   */
  timelineEntry(kind: TimelineKind, count?: number): void;
  /** A store call failed; `operation` is the Store method name. */
  storeError(operation: string): void;
  /** One fsync of the store's log, carrying `commits` commits (group commit), in `seconds`. */
  storeSynced(report: { commits: number; seconds: number }): void;
  /** Source of `firebreak_incidents{status}`; read at every scrape. */
  observeIncidents(source: () => Promise<Record<IncidentStatus, number>>): void;
  /** Source of `firebreak_notifications_pending`; read at every scrape. */
  observePending(source: () => number): void;
  /** A runbook run ended; `outcome` is its final status (succeeded, failed, blocked...). */
  runFinished(runbook: string, outcome: string): void;
  /** A runbook step was executed (all its attempts) with `outcome` succeeded or failed. */
  stepFinished(action: string, outcome: string, seconds: number): void;
  /** A guard decision for a step (or an automatic revert), by reason (a closed list). */
  guardDecision(reason: string): void;
  /** Source of the engine gauges (pause flag, pending approvals, changes in place); read at every scrape. */
  observeEngine(source: () => Promise<EngineGauges>): void;
  /** firebreak handed a decision to a person, by reason (loop-breaker, revert-stuck, max-duration). */
  escalation(reason: string): void;
  /** Prometheus text exposition of everything registered. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** What the engine gauges show (from the store, so every replica reports the same). */
export interface EngineGauges {
  paused: boolean;
  pendingApprovals: number;
  activeContainments: number;
  revertsPending: number;
  releasesPending: number;
}

export interface MetricsOptions {
  /** Also export Node.js process metrics (CPU, memory, event loop, GC). Default true. */
  processMetrics?: boolean;
}

/** Seconds; a webhook call stores one row, so most land well under 100 ms. */
const WEBHOOK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds; Kafka changes wait for every broker to show them (1-3 s), waits and checks take minutes. */
const STEP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const notificationsReceived = new Counter({
    name: 'firebreak_notifications_received_total',
    help: 'Alertmanager notifications accepted and stored, by the notification status.',
    labelNames: ['status'] as const,
    registers,
  });
  const alertsReceived = new Counter({
    name: 'firebreak_alerts_received_total',
    help: 'Alerts in accepted notifications, by alert status (duplicate deliveries included).',
    labelNames: ['status'] as const,
    registers,
  });
  const notificationsProcessed = new Counter({
    name: 'firebreak_notifications_processed_total',
    help: 'Stored notifications this process processed into incidents; replicas sharing a store each process their own.',
    registers,
  });
  const alertsDuplicate = new Counter({
    name: 'firebreak_alerts_duplicate_total',
    help: 'Alert states already recorded (Alertmanager retries, HA peers, replays); they change nothing.',
    registers,
  });
  const alertsTruncated = new Counter({
    name: 'firebreak_alerts_truncated_total',
    help: 'Alerts Alertmanager left out of notifications (truncatedAlerts, max_alerts); firebreak never sees them.',
    registers,
  });
  const alertsRejected = new Counter({
    name: 'firebreak_alerts_rejected_total',
    help: 'Alerts left out of accepted notifications because they cannot be read (the rest of their notification is processed).',
    registers,
  });
  const webhookDuration = new Histogram({
    name: 'firebreak_webhook_request_duration_seconds',
    help: 'Time to answer a webhook request, by outcome (ok or the error code).',
    labelNames: ['outcome'] as const,
    buckets: WEBHOOK_BUCKETS,
    registers,
  });
  const timelineEntries = new Counter({
    name: 'firebreak_timeline_entries_total',
    help: 'Timeline entries appended, by kind.',
    labelNames: ['kind'] as const,
    registers,
  });
  const storeErrors = new Counter({
    name: 'firebreak_store_errors_total',
    help: 'Failed store calls, by operation.',
    labelNames: ['operation'] as const,
    registers,
  });

  const alertsFolded = new Counter({
    name: 'firebreak_alerts_folded_total',
    help: 'Alerts folded into a storm incident because the caps on new incidents were reached, by runbook ("" when none matched).',
    labelNames: ['runbook'] as const,
    registers,
  });
  const storeSyncs = new Counter({
    name: 'firebreak_store_syncs_total',
    help: 'fsyncs of the store\'s write-ahead log and of the inbox journal (each one makes every commit or write before it durable).',
    registers,
  });
  const storeSyncedCommits = new Counter({
    name: 'firebreak_store_synced_commits_total',
    help: 'Commits made durable by those fsyncs; divided by firebreak_store_syncs_total, the commits per fsync.',
    registers,
  });
  const storeSyncDuration = new Histogram({
    name: 'firebreak_store_sync_duration_seconds',
    help: 'Time of one fsync of the store\'s write-ahead log or inbox journal (on the thread pool, not the event loop).',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers,
  });

  for (const status of ALERT_STATUSES) {
    notificationsReceived.inc({ status }, 0);
    alertsReceived.inc({ status }, 0);
  }
  webhookDuration.zero({ outcome: 'ok' });

  const runsFinished = new Counter({
    name: 'firebreak_runbook_runs_total',
    help: 'Runbook runs ended, by runbook and outcome (succeeded, failed, aborted, blocked, interrupted).',
    labelNames: ['runbook', 'outcome'] as const,
    registers,
  });
  const stepDuration = new Histogram({
    name: 'firebreak_step_duration_seconds',
    help: 'Time to execute a runbook step, retries included, by action and outcome (succeeded, failed).',
    labelNames: ['action', 'outcome'] as const,
    buckets: STEP_BUCKETS,
    registers,
  });
  const guardDecisions = new Counter({
    name: 'firebreak_guard_decisions_total',
    help: 'Guard decisions for runbook steps and automatic reverts, by reason (docs/runbooks.md lists them).',
    labelNames: ['reason'] as const,
    registers,
  });
  let engineSource: (() => Promise<EngineGauges>) | null = null;
  let lastEngine: EngineGauges = { paused: false, pendingApprovals: 0, activeContainments: 0, revertsPending: 0, releasesPending: 0 };
  let engineRead: Promise<EngineGauges> | null = null;
  /** One store read serves the engine gauges of a scrape. */
  function readEngine(): Promise<EngineGauges> {
    engineRead ??= (async () => {
      if (engineSource !== null) {
        try {
          lastEngine = await engineSource();
        } catch {
          // Keep the last known figures; the failure is itself a metric.
          storeErrors.inc({ operation: 'engineCounts' });
        }
      }
      return lastEngine;
    })().finally(() => {
      engineRead = null;
    });
    return engineRead;
  }
  new Gauge({
    name: 'firebreak_automation_paused',
    help: '1 while the automation is paused (kill switch): no runbook step changes anything.',
    registers,
    async collect() {
      this.set((await readEngine()).paused ? 1 : 0);
    },
  });
  new Gauge({
    name: 'firebreak_approvals_pending',
    help: 'Runbook steps waiting for a responder to approve or reject them.',
    registers,
    async collect() {
      this.set((await readEngine()).pendingApprovals);
    },
  });
  new Gauge({
    name: 'firebreak_containments_active',
    help: 'Reversible changes firebreak made that are still in place (not reverted yet).',
    registers,
    async collect() {
      this.set((await readEngine()).activeContainments);
    },
  });
  new Gauge({
    name: 'firebreak_reverts_pending',
    help: 'Changes still in force whose revert or release failed: retried with backoff until it works or a person reverts by hand.',
    registers,
    async collect() {
      this.set((await readEngine()).revertsPending);
    },
  });
  new Gauge({
    name: 'firebreak_releases_pending',
    help: 'Changes whose release is scheduled or under way (waiting for a recovery condition, the next level of a gradual release, or a retry).',
    registers,
    async collect() {
      this.set((await readEngine()).releasesPending);
    },
  });
  const escalations = new Counter({
    name: 'firebreak_escalations_total',
    help: 'Decisions firebreak handed to a person, by reason (loop-breaker, revert-stuck, max-duration).',
    labelNames: ['reason'] as const,
    registers,
  });
  for (const reason of ['loop-breaker', 'revert-stuck', 'max-duration']) escalations.inc({ reason }, 0);

  let incidentSource: (() => Promise<Record<IncidentStatus, number>>) | null = null;
  let pendingSource: (() => number) | null = null;
  let lastCounts: Partial<Record<IncidentStatus, number>> = {};

  new Gauge({
    name: 'firebreak_incidents',
    help: 'Incidents in the store, by status (read from the store at each scrape).',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      if (incidentSource !== null) {
        try {
          lastCounts = await incidentSource();
        } catch {
          // Keep the last known figures; the failure is itself a metric, and /readyz reports it.
          storeErrors.inc({ operation: 'countIncidentsByStatus' });
        }
      }
      for (const status of INCIDENT_STATUSES) this.set({ status }, lastCounts[status] ?? 0);
    },
  });
  new Gauge({
    name: 'firebreak_notifications_pending',
    help: 'Notifications acknowledged (stored) but not yet processed.',
    registers,
    collect() {
      this.set(pendingSource === null ? 0 : pendingSource());
    },
  });

  return {
    registry,
    notificationAccepted(status, alerts, truncated = 0, rejected = 0) {
      notificationsReceived.inc({ status });
      if (truncated > 0) alertsTruncated.inc(truncated);
      if (rejected > 0) alertsRejected.inc(rejected);
      if (alerts.firing > 0) alertsReceived.inc({ status: 'firing' }, alerts.firing);
      if (alerts.resolved > 0) alertsReceived.inc({ status: 'resolved' }, alerts.resolved);
    },
    webhookRequest(outcome, seconds) {
      webhookDuration.observe({ outcome }, seconds);
    },
    notificationProcessed(counts) {
      notificationsProcessed.inc();
      if (counts.duplicates > 0) alertsDuplicate.inc(counts.duplicates);
      for (const fold of counts.folded ?? []) alertsFolded.inc({ runbook: fold.runbook ?? '' }, fold.alerts);
    },
    timelineEntry(kind, count = 1) {
      timelineEntries.inc({ kind }, count);
    },
    storeError(operation) {
      storeErrors.inc({ operation });
    },
    storeSynced(report) {
      storeSyncs.inc();
      storeSyncedCommits.inc(report.commits);
      storeSyncDuration.observe(report.seconds);
    },
    observeIncidents(source) {
      incidentSource = source;
    },
    observePending(source) {
      pendingSource = source;
    },
    runFinished(runbook, outcome) {
      runsFinished.inc({ runbook, outcome });
    },
    stepFinished(action, outcome, seconds) {
      stepDuration.observe({ action, outcome }, seconds);
    },
    guardDecision(reason) {
      guardDecisions.inc({ reason });
    },
    observeEngine(source) {
      engineSource = source;
    },
    escalation(reason) {
      escalations.inc({ reason });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
