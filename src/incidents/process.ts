/**
 * Processing of stored Alertmanager notifications: deduplicate their alerts, attach each to an
 * incident (opening one when needed), record every new alert state and status change on the
 * timeline, and mark the notification processed.
 *
 * Transactions. {@link processNotification} does a whole notification in ONE store transaction.
 * The pipeline (src/ingest/pipeline.ts) instead drives {@link NotificationWork}s: each
 * transaction takes as many alerts, of one or several notifications, as fit in a short time
 * budget, so a notification of 50,000 alerts is a series of short transactions (the event loop
 * and the webhook's appends are never held up for long) and a burst of small notifications
 * shares a few commits. Each transaction leaves the store consistent: the alerts it recorded,
 * their timeline entries, the incidents' statuses settled, the engine's run requests (the
 * outbox, `withinTransaction`), and `updatedAt` of each incident it changed, written once per
 * transaction however many notifications changed it ({@link TxCache.finish}, the transaction's
 * last write). The notification is marked processed by the transaction that
 * records its last alert; a crash before that replays it from the start at the next start-up,
 * and the alerts already recorded are then duplicates that change nothing.
 *
 * The rules (docs/incidents.md explains them for operators):
 * - Duplicate: an alert state (fingerprint + status + startsAt) already recorded changes nothing
 *   and is counted in `duplicates`.
 * - Attachment: the incident the fingerprint was last attached to, if not closed; else the
 *   active (not closed) incident of the alert's key (default: the notification's `groupKey`);
 *   else a new incident, within the storm caps (storm.ts; past them, the storm incident of the
 *   alert's runbook, cluster and alert name). A late state of an episode that belongs to a
 *   closed incident stays on that incident (recorded, status untouched): closing an incident
 *   while its alert still fires does not open a second incident for the same episode.
 * - Status: an incident is `resolved` when the current state (see alert-state.ts) of every one
 *   of its alerts is resolved; a current firing state re-opens a `resolved` or `recovered`
 *   incident (same incident: flapping is one incident until someone closes it).
 * - A notification firebreak made up itself (a resolve reconciled from Alertmanager's API, see
 *   src/engine/reconcile.ts) carries `firebreak.source`: its entries are written by `engine`,
 *   with `data.source` saying where the resolve came from.
 * - Times come from the stored notification, never from the clock, so a replay gives the same
 *   state: `openedAt` is the notification's receivedAt; alert entries are at the alert's
 *   startsAt (firing) or endsAt (resolved; receivedAt when unset); the clock only stamps
 *   `processedAt` and `updatedAt`.
 */
import { FirebreakError, toFirebreakError } from '../errors.ts';
import { compareStates, isSameState, isStale } from './alert-state.ts';
import { alertName, alertSummary, escalateSeverity, incidentTitle } from './describe.ts';
import { transitionIncident } from './lifecycle.ts';
import { describeRejection, readNotification, toIso, type RejectedAlert } from './normalize.ts';
import type { StormCap, StormGate } from './storm.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Store, StoreTx } from '../store/types.ts';
import type { EngineRun } from '../model/engine.ts';
import type { Alert, Incident, IncidentStatus, Notification, StoredNotification, TimelineKind } from '../model/incident.ts';

export interface ProcessResult {
  notificationId: number;
  /** Alerts in the notification by status (duplicates included). */
  alerts: { firing: number; resolved: number };
  /** Alert states already recorded before (redeliveries, HA peers, replays). */
  duplicates: number;
  /** Incidents this notification changed, in the order it first touched them. */
  incidents: Array<{ id: string; status: IncidentStatus; opened: boolean; transitions: Array<{ from: IncidentStatus | null; to: IncidentStatus }> }>;
  /** Timeline entries appended, in order. */
  timeline: Array<{ kind: TimelineKind }>;
  /**
   * New alert states, per incident, for the engine that runs runbooks afterwards. Stale
   * (superseded) states are recorded on the timeline but not listed here.
   */
  events: Array<{ incidentId: string; alert: Alert }>;
  /** Alerts folded into storm incidents, by the runbook of the storm incident (null: none). */
  folded: Array<{ incidentId: string; runbook: string | null; alerts: number }>;
}

/** Where an alert goes when the storm caps stop it from opening an incident of its own. */
export interface StormFold {
  key: string;
  /** The runbook that handles the alert, for the metric and the timeline; null when none. */
  runbook: string | null;
}

export interface ProcessOptions {
  /** Grouping key of an alert; default: the notification's groupKey. */
  keyFor?: (alert: Alert, notification: Notification) => string;
  /**
   * Runs inside each processing transaction, after everything above was recorded and before
   * the commit, with what that transaction did: the runbook engine records its run requests
   * here (an outbox), so they are committed together with the incident changes, or not at all.
   * Use only `tx`; no network I/O. An error rolls the transaction back (it is replayed later).
   * `cache` is the transaction's: read incidents and runs through it, and tell it of writes
   * (TxCache.put, TxCache.putRun), since later notifications of the transaction read it.
   */
  withinTransaction?: (tx: StoreTx, result: ProcessResult, notification: Notification, cache: TxCache) => Promise<void>;
  /** Storm control; without it, alerts open as many incidents as their keys ask for. */
  storm?: { gate: StormGate; foldFor: (alert: Alert, notification: Notification) => StormFold };
}

export interface ProcessDeps {
  clock: Clock;
  logger: Logger;
}

const ACTOR = 'alertmanager';

/** Where a notification firebreak made up itself comes from (`firebreak.source` of its body), or null for a webhook's. */
export function notificationSource(payload: unknown): Record<string, unknown> | null {
  const marker = (payload as { firebreak?: unknown } | null)?.firebreak;
  if (typeof marker !== 'object' || marker === null || typeof (marker as { source?: unknown }).source !== 'string') return null;
  return { ...(marker as Record<string, unknown>) };
}

/**
 * Processes one stored notification in one transaction (see the module comment for the rules).
 * Idempotent: processing the same notification again records nothing new.
 *
 * A body that cannot be read as a v4 notification is a permanent failure: the notification is
 * marked processed with the error (`CODE: message`) and the INCIDENT_INVALID_NOTIFICATION error
 * is rethrown. An alert that cannot be read is left out, alone: the others are processed, and
 * the notification's `error` lists it (`INCIDENT_ALERT_REJECTED: ...`). Store errors are
 * rethrown as they are; nothing of the notification is kept.
 */
export async function processNotification(
  deps: ProcessDeps & { store: Store },
  stored: StoredNotification,
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  const work = new NotificationWork(stored, deps, options);
  await deps.store.transaction(async (tx) => {
    const cache = new TxCache();
    await work.step(tx, cache, Infinity);
    await cache.finish(tx, toIso(deps.clock.now()));
  });
  if (work.failure !== null) throw work.failure;
  work.logProcessed();
  return work.result();
}

/**
 * What one transaction has read of incidents (every write in it goes through here too), the
 * incidents it changed, whose `updatedAt` {@link finish} stamps once, and the engine's runs of
 * the incidents its outbox looked at (src/engine/enqueue.ts). One per transaction: the store's
 * transactions are serial, so nothing else writes these rows while it lasts.
 */
export class TxCache {
  readonly #byId = new Map<string, Incident>();
  readonly #activeByKey = new Map<string, Incident | null>();
  readonly #changed = new Set<string>();
  readonly #runs = new Map<string, EngineRun[]>();

  async incident(tx: StoreTx, id: string): Promise<Incident | null> {
    const cached = this.#byId.get(id);
    if (cached !== undefined) return cached;
    const incident = await tx.getIncident(id);
    if (incident !== null) this.#byId.set(id, incident);
    return incident;
  }

  async activeByKey(tx: StoreTx, key: string): Promise<Incident | null> {
    if (this.#activeByKey.has(key)) {
      const cached = this.#activeByKey.get(key) ?? null;
      return cached === null ? null : (this.#byId.get(cached.id) ?? cached);
    }
    const incident = await tx.findActiveIncidentByKey(key);
    this.#activeByKey.set(key, incident);
    if (incident !== null) this.#byId.set(incident.id, incident);
    return incident;
  }

  /** Records the incident as it is now (after a write). */
  put(incident: Incident): Incident {
    this.#byId.set(incident.id, incident);
    if (incident.status !== 'closed') this.#activeByKey.set(incident.key, incident);
    return incident;
  }

  /** The incident's alerts changed in this transaction: {@link finish} stamps its `updatedAt`. */
  changed(id: string): void {
    this.#changed.add(id);
  }

  /** The engine's runs of an incident, oldest request first (as StoreTx.runs), read once per transaction. */
  async runs(tx: StoreTx, incidentId: string): Promise<readonly EngineRun[]> {
    let runs = this.#runs.get(incidentId);
    if (runs === undefined) {
      runs = await tx.runs({ incidentId });
      this.#runs.set(incidentId, runs);
    }
    return runs;
  }

  /** A run created in this transaction (after every run read so far: ids only grow). */
  putRun(run: EngineRun): void {
    this.#runs.get(run.incidentId)?.push(run);
  }

  /**
   * The last write of the transaction: `updatedAt` of every incident whose alerts it changed,
   * once per incident however many notifications touched it.
   */
  async finish(tx: StoreTx, now: string): Promise<void> {
    for (const id of this.#changed) this.put(await tx.updateIncident(id, { updatedAt: now }));
    this.#changed.clear();
  }
}

interface Touched {
  opened: boolean;
  transitions: Array<{ from: IncidentStatus | null; to: IncidentStatus }>;
  /** The newest state recorded in this transaction per fingerprint, and whether it was current then. */
  newest: Map<string, { alert: Alert; current: boolean }>;
}

/**
 * One notification on its way through the pipeline: {@link step} records its alerts from where
 * the last step stopped, inside the caller's transaction, until a deadline; the step that
 * records the last alert marks it processed. If a step's transaction rolls back, this object is
 * dropped and the notification is started again from its first alert.
 */
export class NotificationWork {
  readonly stored: StoredNotification;
  readonly notification: Notification | null;
  /** Alerts that cannot be read, left out (recorded on the notification by the last step). */
  readonly rejected: RejectedAlert[];
  /** Set when the body cannot be processed at all (recorded on the notification by {@link step}). */
  readonly failure: FirebreakError | null;
  /** `firebreak.source` of a notification firebreak made up itself, else null. */
  readonly source: Record<string, unknown> | null;
  /** Who its entries are written by: `alertmanager`, or `engine` for one firebreak made up. */
  readonly actor: string;
  readonly #deps: ProcessDeps;
  readonly #options: ProcessOptions;
  readonly #receivedAt: string;
  #next = 0;
  #done = false;
  #openedHere = 0;
  #duplicates = 0;
  readonly #incidents = new Map<string, { opened: boolean; status: IncidentStatus; transitions: Touched['transitions'] }>();
  readonly #timeline: Array<{ kind: TimelineKind }> = [];
  readonly #events: Array<{ incidentId: string; alert: Alert }> = [];
  readonly #folded = new Map<string, { runbook: string | null; alerts: number }>();

  constructor(stored: StoredNotification, deps: ProcessDeps, options: ProcessOptions) {
    this.stored = stored;
    this.#deps = deps;
    this.#options = options;
    this.#receivedAt = toIso(stored.receivedAt);
    this.source = notificationSource(stored.payload);
    this.actor = this.source === null ? ACTOR : 'engine';
    let notification: Notification | null = null;
    let rejected: RejectedAlert[] = [];
    let failure: FirebreakError | null = null;
    try {
      ({ notification, rejected } = readNotification(stored.payload));
    } catch (err) {
      failure = toFirebreakError(err);
    }
    this.notification = notification;
    this.rejected = rejected;
    this.failure = failure;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Alerts left to record. */
  get remaining(): number {
    return this.notification === null ? 0 : this.notification.alerts.length - this.#next;
  }

  /**
   * Records alerts, at least one, until `deadline` (performance.now() ms) has passed or none is
   * left, inside `tx`. Returns true once the notification is done (marked processed). `cache`
   * is the transaction's, shared by every step in it; end the transaction with
   * `cache.finish(tx, now)`, which stamps `updatedAt` of the incidents the steps changed.
   */
  async step(tx: StoreTx, cache: TxCache, deadline: number): Promise<boolean> {
    if (this.#done) return true;
    const now = toIso(this.#deps.clock.now());
    if (this.notification === null) {
      const error = this.failure as FirebreakError;
      await tx.markNotificationProcessed(this.stored.id, now, `${error.code}: ${error.message}`);
      this.#deps.logger.error({ notificationId: this.stored.id, code: error.code, err: error }, 'notification cannot be processed');
      this.#done = true;
      return true;
    }
    const alerts = this.notification.alerts;
    const slice = new Slice(tx, cache, this, this.notification);
    while (this.#next < alerts.length) {
      await slice.handle(alerts[this.#next] as Alert);
      this.#next += 1;
      if (performance.now() >= deadline) break;
    }
    await slice.settleStatuses();
    for (const id of slice.touched.keys()) cache.changed(id);
    const finished = this.#next >= alerts.length;
    if (finished) await tx.markNotificationProcessed(this.stored.id, now, rejectionNote(this.rejected));
    const result = await slice.result();
    if (this.#options.withinTransaction !== undefined) await this.#options.withinTransaction(tx, result, this.notification, cache);
    this.#merge(result);
    this.#done = finished;
    return finished;
  }

  /**
   * The log line of a processed notification: call it once the last step's transaction
   * committed. `atInfo` false writes it at debug (many notifications a second, see
   * src/core/log-sampler.ts); problems are logged at warn either way.
   */
  logProcessed(atInfo = true): void {
    if (this.notification === null) return;
    if (this.rejected.length > 0) {
      this.#deps.logger.warn({ notificationId: this.stored.id, rejected: this.rejected.map(describeRejection) }, 'alerts that cannot be read were left out; the others were processed');
    }
    const line = { notificationId: this.stored.id, duplicates: this.#duplicates, incidents: [...this.#incidents].map(([id, i]) => `${id}:${i.status}`) };
    if (atInfo) this.#deps.logger.info(line, 'notification processed');
    else this.#deps.logger.debug(line, 'notification processed');
  }

  /** Everything recorded so far (the whole notification once done). */
  result(): ProcessResult {
    const alerts = this.notification?.alerts ?? [];
    const firing = alerts.filter((a) => a.status === 'firing').length;
    return {
      notificationId: this.stored.id,
      alerts: { firing, resolved: alerts.length - firing },
      duplicates: this.#duplicates,
      incidents: [...this.#incidents].map(([id, i]) => ({ id, status: i.status, opened: i.opened, transitions: i.transitions })),
      timeline: this.#timeline,
      events: this.#events,
      folded: [...this.#folded].map(([incidentId, f]) => ({ incidentId, ...f })),
    };
  }

  #merge(part: ProcessResult): void {
    this.#duplicates += part.duplicates;
    for (const touched of part.incidents) {
      const known = this.#incidents.get(touched.id);
      if (known === undefined) this.#incidents.set(touched.id, { opened: touched.opened, status: touched.status, transitions: [...touched.transitions] });
      else {
        known.status = touched.status;
        known.transitions.push(...touched.transitions);
      }
    }
    this.#timeline.push(...part.timeline);
    this.#events.push(...part.events);
    for (const f of part.folded) {
      const known = this.#folded.get(f.incidentId);
      if (known === undefined) this.#folded.set(f.incidentId, { runbook: f.runbook, alerts: f.alerts });
      else known.alerts += f.alerts;
    }
  }

  /** For {@link Slice}: the storm gate's verdict on one more incident for this notification. */
  stormCap(): StormCap | null {
    return this.#options.storm?.gate.check(Date.parse(this.#receivedAt), this.#openedHere) ?? null;
  }

  opened(): void {
    this.#openedHere += 1;
    this.#options.storm?.gate.opened(Date.parse(this.#receivedAt));
  }

  get options(): ProcessOptions {
    return this.#options;
  }

  get receivedAt(): string {
    return this.#receivedAt;
  }
}

/** The part of one notification recorded in one transaction. */
class Slice {
  readonly touched = new Map<string, Touched>();
  readonly #tx: StoreTx;
  readonly #cache: TxCache;
  readonly #work: NotificationWork;
  readonly #notification: Notification;
  readonly #timeline: Array<{ kind: TimelineKind }> = [];
  readonly #newEvents: Array<{ incidentId: string; alert: Alert }> = [];
  readonly #folded = new Map<string, { runbook: string | null; alerts: number; cap: StormCap }>();
  readonly #alerts = { firing: 0, resolved: 0 };
  #duplicates = 0;

  constructor(tx: StoreTx, cache: TxCache, work: NotificationWork, notification: Notification) {
    this.#tx = tx;
    this.#cache = cache;
    this.#work = work;
    this.#notification = notification;
  }

  async handle(alert: Alert): Promise<void> {
    this.#alerts[alert.status] += 1;
    const states = await this.#tx.alertStates(alert.fingerprint);
    const lastId = states.at(-1)?.incidentId;
    let incident: Incident | null = null;
    let known: Alert[] = [];
    if (lastId !== undefined) {
      const last = await this.#cache.incident(this.#tx, lastId);
      known = states.filter((s) => s.incidentId === lastId).map((s) => s.alert);
      if (known.some((k) => isSameState(alert, k))) {
        this.#duplicates += 1;
        return;
      }
      const sameOrOlderEpisode = known.some((k) => Date.parse(k.startsAt) >= Date.parse(alert.startsAt));
      if (last !== null && (last.status !== 'closed' || sameOrOlderEpisode)) incident = last;
      else known = [];
    }
    let opened = false;
    if (incident === null) {
      const key = this.#work.options.keyFor?.(alert, this.#notification) ?? this.#notification.groupKey;
      incident = await this.#cache.activeByKey(this.#tx, key);
      if (incident !== null) known = states.filter((s) => s.incidentId === incident?.id).map((s) => s.alert);
      else {
        const cap = this.#work.stormCap();
        const fold = cap === null ? undefined : this.#work.options.storm?.foldFor(alert, this.#notification);
        if (cap !== null && fold !== undefined) {
          incident = (await this.#cache.activeByKey(this.#tx, fold.key)) ?? (await this.#open(alert, fold.key, cap));
          const counted = this.#folded.get(incident.id) ?? { runbook: fold.runbook, alerts: 0, cap };
          counted.alerts += 1;
          this.#folded.set(incident.id, counted);
          opened = this.touched.get(incident.id)?.opened ?? false;
        } else {
          incident = await this.#open(alert, key, null);
          this.#work.opened();
          opened = true;
        }
      }
    }
    await this.#record(incident, alert, known, opened);
  }

  async #open(alert: Alert, key: string, storm: StormCap | null): Promise<Incident> {
    const receivedAt = this.#work.receivedAt;
    const title = incidentTitle(alert, this.#notification);
    const incident = this.#cache.put(
      await this.#tx.createIncident({
        key,
        title: storm === null ? title : `Storm: ${alertName(alert)}${alert.labels.cluster === undefined ? '' : ` on ${alert.labels.cluster}`}`,
        severity: alert.labels.severity ?? null,
        cluster: alert.labels.cluster ?? null,
        status: 'open',
        runbook: null,
        labels: { ...this.#notification.commonLabels },
        startedAt: alert.startsAt,
        openedAt: receivedAt,
        containedAt: null,
        resolvedAt: null,
        recoveredAt: null,
        closedAt: null,
      }),
    );
    this.#touch(incident.id, true).transitions.push({ from: null, to: 'open' });
    await this.#append(incident.id, {
      at: receivedAt,
      phase: 'identification',
      kind: 'incident.opened',
      summary: `Incident opened: ${incident.title}`,
      data: { key, groupKey: this.#notification.groupKey, notificationId: this.#work.stored.id, receivedAt, fingerprint: alert.fingerprint, ...(storm === null ? {} : { storm }) },
    });
    return incident;
  }

  async #record(incident: Incident, alert: Alert, known: Alert[], opened: boolean): Promise<void> {
    const receivedAt = this.#work.receivedAt;
    const notificationId = this.#work.stored.id;
    const fresh = await this.#tx.recordAlertEvent({ incidentId: incident.id, alert, notificationId, receivedAt });
    if (!fresh) {
      // Only possible for a state recorded on an older incident than the fingerprint's last one.
      if (opened) {
        throw new FirebreakError('INCIDENT_INCONSISTENT_STORE', `alert ${alert.fingerprint} is recorded on an incident the store does not report`, {
          details: { fingerprint: alert.fingerprint, incidentId: incident.id },
        });
      }
      this.#duplicates += 1;
      return;
    }
    const stale = isStale(alert, known);
    const touched = this.#touch(incident.id, false);
    const newest = touched.newest.get(alert.fingerprint);
    if (newest === undefined || compareStates(alert, newest.alert) > 0) touched.newest.set(alert.fingerprint, { alert, current: !stale });
    if (!stale) this.#newEvents.push({ incidentId: incident.id, alert });
    const firing = alert.status === 'firing';
    await this.#append(incident.id, {
      at: firing ? alert.startsAt : (alert.endsAt ?? receivedAt),
      phase: firing ? 'identification' : 'recovery',
      kind: firing ? 'alert.firing' : 'alert.resolved',
      summary: this.#work.source === null ? alertSummary(alert, stale) : `${alertSummary(alert, stale)} (${String(this.#work.source.source)}: Alertmanager no longer has it firing)`,
      data: {
        fingerprint: alert.fingerprint,
        status: alert.status,
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.startsAt,
        endsAt: alert.endsAt,
        generatorURL: alert.generatorURL,
        notificationId,
        receivedAt,
        stale,
        ...(this.#work.source === null ? {} : { source: this.#work.source }),
      },
    });
    const patch: Partial<Incident> = {};
    if (Date.parse(alert.startsAt) < Date.parse(incident.startedAt)) patch.startedAt = alert.startsAt;
    const severity = escalateSeverity(incident.severity, alert.labels.severity);
    if (severity !== incident.severity) patch.severity = severity;
    if (Object.keys(patch).length > 0) this.#cache.put(await this.#tx.updateIncident(incident.id, patch));
  }

  /**
   * Sets each touched incident's status from the current states of all its alerts. A firing
   * state recorded here and still current settles it without a look at the others; otherwise
   * the store counts the current states (no scan of the incident's history).
   */
  async settleStatuses(): Promise<void> {
    const receivedAt = this.#work.receivedAt;
    for (const [id, touched] of this.touched) {
      const incident = await this.#cache.incident(this.#tx, id);
      if (incident === null || incident.status === 'closed') continue;
      const causes = [...touched.newest.values()].filter((n) => n.current && n.alert.status === 'firing').map((n) => n.alert);
      const counts = causes.length > 0 ? null : await this.#tx.alertStateCounts(id);
      const firing = counts === null || counts.firing > 0;
      if (firing && (incident.status === 'resolved' || incident.status === 'recovered')) {
        const at = latest(causes.map((a) => a.startsAt)) ?? receivedAt;
        const names = [...new Set(causes.map(alertName))].sort().join(', ');
        await this.#transition(id, 'open', at, `Re-opened: ${names === '' ? 'an alert' : names} firing again`, touched);
      } else if (counts !== null && !firing && (incident.status === 'open' || incident.status === 'contained')) {
        const at = latest([...(counts.latestEnd === null ? [] : [counts.latestEnd]), ...(counts.resolvedWithoutEnd > 0 ? [receivedAt] : [])]) ?? receivedAt;
        const n = counts.resolved;
        await this.#transition(id, 'resolved', at, `Resolved: ${n === 1 ? 'the alert' : `all ${n} alerts`} resolved`, touched);
      }
    }
    for (const [incidentId, fold] of this.#folded) {
      await this.#append(incidentId, {
        at: receivedAt,
        phase: 'identification',
        kind: 'incident.storm',
        summary: `Alert storm: ${fold.alerts} alert${fold.alerts === 1 ? '' : 's'} folded into this incident instead of opening new ones (${fold.cap === 'per-notification' ? 'new incidents per notification' : 'new incidents per minute'} capped)`,
        data: { alerts: fold.alerts, cap: fold.cap, runbook: fold.runbook, notificationId: this.#work.stored.id, receivedAt },
      });
    }
  }

  async #transition(id: string, to: IncidentStatus, at: string, summary: string, touched: Touched): Promise<void> {
    const { from, incident } = await transitionIncident(this.#tx, id, to, at, this.#work.actor, summary, {
      notificationId: this.#work.stored.id,
      receivedAt: this.#work.receivedAt,
      ...(this.#work.source === null ? {} : { source: this.#work.source }),
    });
    this.#cache.put(incident);
    touched.transitions.push({ from, to });
    this.#timeline.push({ kind: 'incident.status' });
  }

  async result(): Promise<ProcessResult> {
    const incidents: ProcessResult['incidents'] = [];
    for (const [id, touched] of this.touched) {
      const incident = await this.#cache.incident(this.#tx, id);
      if (incident === null) continue;
      incidents.push({ id, status: incident.status, opened: touched.opened, transitions: touched.transitions });
    }
    return {
      notificationId: this.#work.stored.id,
      alerts: { ...this.#alerts },
      duplicates: this.#duplicates,
      incidents,
      timeline: this.#timeline,
      events: this.#newEvents,
      folded: [...this.#folded].map(([incidentId, f]) => ({ incidentId, runbook: f.runbook, alerts: f.alerts })),
    };
  }

  #touch(id: string, opened: boolean): Touched {
    let touched = this.touched.get(id);
    if (touched === undefined) {
      touched = { opened, transitions: [], newest: new Map() };
      this.touched.set(id, touched);
    }
    return touched;
  }

  async #append(incidentId: string, entry: { at: string; phase: 'identification' | 'recovery'; kind: TimelineKind; summary: string; data: Record<string, unknown> }): Promise<void> {
    await this.#tx.appendTimeline({ incidentId, actor: this.#work.actor, ...entry });
    this.#timeline.push({ kind: entry.kind });
  }
}

/** What the notification's `error` records about alerts left out (null when none was). */
function rejectionNote(rejected: RejectedAlert[]): string | null {
  if (rejected.length === 0) return null;
  const listed = rejected.slice(0, 10).map(describeRejection).join('; ');
  const more = rejected.length > 10 ? `; and ${rejected.length - 10} more` : '';
  return `INCIDENT_ALERT_REJECTED: ${rejected.length} alert${rejected.length === 1 ? '' : 's'} left out: ${listed}${more}`;
}

/** The latest of ISO times, or null for none. */
function latest(times: string[]): string | null {
  let best: string | null = null;
  for (const t of times) if (best === null || Date.parse(t) > Date.parse(best)) best = t;
  return best;
}
