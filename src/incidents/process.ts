/**
 * Processing of one stored Alertmanager notification: deduplicate its alerts, attach each to an
 * incident (opening one when needed), record every new alert state and status change on the
 * timeline, and mark the notification processed — all in ONE store transaction, so a crash
 * mid-way leaves nothing half-done and the notification is replayed whole.
 *
 * The rules (docs/incidents.md explains them for operators):
 * - Duplicate: an alert state (fingerprint + status + startsAt) already recorded changes nothing
 *   and is counted in `duplicates`.
 * - Attachment: the incident the fingerprint was last attached to, if not closed; else the
 *   active (not closed) incident of the alert's key (default: the notification's `groupKey`);
 *   else a new incident. A late state of an episode that belongs to a closed incident stays on
 *   that incident (recorded, status untouched): closing an incident while its alert still fires
 *   does not open a second incident for the same episode.
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
import { currentStates, isSameState, isStale } from './alert-state.ts';
import { alertName, alertSummary, escalateSeverity, incidentTitle } from './describe.ts';
import { transitionIncident } from './lifecycle.ts';
import { describeRejection, readNotification, toIso, type RejectedAlert } from './normalize.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { AlertEvent, Store, StoreTx } from '../store/types.ts';
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
}

export interface ProcessOptions {
  /** Grouping key of an alert; default: the notification's groupKey. */
  keyFor?: (alert: Alert, notification: Notification) => string;
  /**
   * Runs inside the processing transaction, after everything above was recorded and before the
   * commit, with the result: the runbook engine records its run requests here (an outbox), so
   * they are committed together with the incident changes, or not at all. Use only `tx`; no
   * network I/O. An error rolls the whole notification back (it is replayed later).
   */
  withinTransaction?: (tx: StoreTx, result: ProcessResult, notification: Notification) => Promise<void>;
}

const ACTOR = 'alertmanager';

/** Where a notification firebreak made up itself comes from (`firebreak.source` of its body), or null for a webhook's. */
export function notificationSource(payload: unknown): Record<string, unknown> | null {
  const marker = (payload as { firebreak?: unknown } | null)?.firebreak;
  if (typeof marker !== 'object' || marker === null || typeof (marker as { source?: unknown }).source !== 'string') return null;
  return { ...(marker as Record<string, unknown>) };
}

/**
 * Processes one stored notification (see the module comment for the rules). Idempotent:
 * processing the same notification again records nothing new.
 *
 * A body that cannot be read as a v4 notification is a permanent failure: the notification is
 * marked processed with the error (`CODE: message`) and the INCIDENT_INVALID_NOTIFICATION error
 * is rethrown. An alert that cannot be read is left out, alone: the others are processed, and
 * the notification's `error` lists it (`INCIDENT_ALERT_REJECTED: ...`). Store errors are
 * rethrown as they are; nothing of the notification is kept.
 */
export async function processNotification(
  deps: { store: Store; clock: Clock; logger: Logger },
  stored: StoredNotification,
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  const { store, clock, logger } = deps;
  let notification: Notification;
  let rejected: RejectedAlert[];
  try {
    ({ notification, rejected } = readNotification(stored.payload));
  } catch (err) {
    const error = toFirebreakError(err);
    await store.transaction((tx) => tx.markNotificationProcessed(stored.id, toIso(clock.now()), `${error.code}: ${error.message}`));
    logger.error({ notificationId: stored.id, code: error.code, err: error }, 'notification cannot be processed');
    throw error;
  }
  const result = await store.transaction(async (tx) => {
    const run = new NotificationRun(tx, stored, notification, options.keyFor ?? ((_alert, n) => n.groupKey));
    for (const alert of notification.alerts) await run.handle(alert);
    await run.settleStatuses();
    const now = toIso(clock.now());
    for (const id of run.touched.keys()) await tx.updateIncident(id, { updatedAt: now });
    await tx.markNotificationProcessed(stored.id, now, rejectionNote(rejected));
    const processed = await run.result();
    if (options.withinTransaction !== undefined) await options.withinTransaction(tx, processed, notification);
    return processed;
  });
  if (rejected.length > 0) {
    logger.warn({ notificationId: stored.id, rejected: rejected.map(describeRejection) }, 'alerts that cannot be read were left out; the others were processed');
  }
  logger.info(
    { notificationId: stored.id, duplicates: result.duplicates, incidents: result.incidents.map((i) => `${i.id}:${i.status}`) },
    'notification processed',
  );
  return result;
}

interface Touched {
  opened: boolean;
  transitions: Array<{ from: IncidentStatus | null; to: IncidentStatus }>;
  /** Firing states first recorded by this notification (the re-open time comes from them). */
  newFiring: Alert[];
}

/** State of processing one notification inside its transaction. */
class NotificationRun {
  readonly touched = new Map<string, Touched>();
  readonly #tx: StoreTx;
  readonly #stored: StoredNotification;
  readonly #notification: Notification;
  readonly #keyFor: (alert: Alert, notification: Notification) => string;
  readonly #receivedAt: string;
  /** `firebreak.source` of a notification firebreak made up itself, else null. */
  readonly #source: Record<string, unknown> | null;
  readonly #actor: string;
  /** Alert states of each incident read so far, kept current as this run records more. */
  readonly #events = new Map<string, AlertEvent[]>();
  readonly #timeline: Array<{ kind: TimelineKind }> = [];
  readonly #newEvents: Array<{ incidentId: string; alert: Alert }> = [];
  #duplicates = 0;

  constructor(
    tx: StoreTx,
    stored: StoredNotification,
    notification: Notification,
    keyFor: (alert: Alert, notification: Notification) => string,
  ) {
    this.#tx = tx;
    this.#stored = stored;
    this.#notification = notification;
    this.#keyFor = keyFor;
    this.#receivedAt = toIso(stored.receivedAt);
    this.#source = notificationSource(stored.payload);
    this.#actor = this.#source === null ? ACTOR : 'engine';
  }

  async handle(alert: Alert): Promise<void> {
    const last = await this.#tx.findIncidentByFingerprint(alert.fingerprint);
    let incident: Incident | null = null;
    let known: Alert[] = [];
    if (last !== null) {
      known = (await this.#eventsOf(last.id)).map((e) => e.alert).filter((a) => a.fingerprint === alert.fingerprint);
      if (known.some((k) => isSameState(alert, k))) {
        this.#duplicates += 1;
        return;
      }
      const sameOrOlderEpisode = known.some((k) => Date.parse(k.startsAt) >= Date.parse(alert.startsAt));
      if (last.status !== 'closed' || sameOrOlderEpisode) incident = last;
      else known = [];
    }
    let opened = false;
    if (incident === null) {
      const key = this.#keyFor(alert, this.#notification);
      incident = await this.#tx.findActiveIncidentByKey(key);
      if (incident !== null) known = (await this.#eventsOf(incident.id)).map((e) => e.alert).filter((a) => a.fingerprint === alert.fingerprint);
      else {
        incident = await this.#open(alert, key);
        opened = true;
      }
    }
    await this.#record(incident, alert, known, opened);
  }

  async #open(alert: Alert, key: string): Promise<Incident> {
    const title = incidentTitle(alert, this.#notification);
    const incident = await this.#tx.createIncident({
      key,
      title,
      severity: alert.labels.severity ?? null,
      cluster: alert.labels.cluster ?? null,
      status: 'open',
      runbook: null,
      labels: { ...this.#notification.commonLabels },
      startedAt: alert.startsAt,
      openedAt: this.#receivedAt,
      containedAt: null,
      resolvedAt: null,
      recoveredAt: null,
      closedAt: null,
    });
    this.#events.set(incident.id, []);
    this.#touch(incident.id, true).transitions.push({ from: null, to: 'open' });
    await this.#append(incident.id, {
      at: this.#receivedAt,
      phase: 'identification',
      kind: 'incident.opened',
      summary: `Incident opened: ${title}`,
      data: { key, groupKey: this.#notification.groupKey, notificationId: this.#stored.id, receivedAt: this.#receivedAt, fingerprint: alert.fingerprint },
    });
    return incident;
  }

  async #record(incident: Incident, alert: Alert, known: Alert[], opened: boolean): Promise<void> {
    const fresh = await this.#tx.recordAlertEvent({ incidentId: incident.id, alert, notificationId: this.#stored.id, receivedAt: this.#receivedAt });
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
    (await this.#eventsOf(incident.id)).push({ incidentId: incident.id, alert, notificationId: this.#stored.id, receivedAt: this.#receivedAt });
    const stale = isStale(alert, known);
    const touched = this.#touch(incident.id, false);
    if (!stale) {
      this.#newEvents.push({ incidentId: incident.id, alert });
      if (alert.status === 'firing') touched.newFiring.push(alert);
    }
    const firing = alert.status === 'firing';
    await this.#append(incident.id, {
      at: firing ? alert.startsAt : (alert.endsAt ?? this.#receivedAt),
      phase: firing ? 'identification' : 'recovery',
      kind: firing ? 'alert.firing' : 'alert.resolved',
      summary: this.#source === null ? alertSummary(alert, stale) : `${alertSummary(alert, stale)} (${String(this.#source.source)}: Alertmanager no longer has it firing)`,
      data: {
        fingerprint: alert.fingerprint,
        status: alert.status,
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.startsAt,
        endsAt: alert.endsAt,
        generatorURL: alert.generatorURL,
        notificationId: this.#stored.id,
        receivedAt: this.#receivedAt,
        stale,
        ...(this.#source === null ? {} : { source: this.#source }),
      },
    });
    const patch: Partial<Incident> = {};
    if (Date.parse(alert.startsAt) < Date.parse(incident.startedAt)) patch.startedAt = alert.startsAt;
    const severity = escalateSeverity(incident.severity, alert.labels.severity);
    if (severity !== incident.severity) patch.severity = severity;
    if (Object.keys(patch).length > 0) await this.#tx.updateIncident(incident.id, patch);
  }

  /** Sets each touched incident's status from the current states of all its alerts. */
  async settleStatuses(): Promise<void> {
    for (const [id, touched] of this.touched) {
      const incident = await this.#tx.getIncident(id);
      if (incident === null || incident.status === 'closed') continue;
      const states = [...currentStates((await this.#eventsOf(id)).map((e) => e.alert)).values()];
      const firing = states.filter((s) => s.status === 'firing');
      if (firing.length > 0 && (incident.status === 'resolved' || incident.status === 'recovered')) {
        const causes = touched.newFiring.filter((a) => firing.includes(a));
        const at = latest(causes.map((a) => a.startsAt)) ?? this.#receivedAt;
        const names = [...new Set(causes.map(alertName))].sort().join(', ');
        await this.#transition(id, 'open', at, `Re-opened: ${names === '' ? 'an alert' : names} firing again`, touched);
      } else if (firing.length === 0 && (incident.status === 'open' || incident.status === 'contained')) {
        const at = latest(states.map((s) => s.endsAt ?? this.#receivedAt)) ?? this.#receivedAt;
        const n = states.length;
        await this.#transition(id, 'resolved', at, `Resolved: ${n === 1 ? 'the alert' : `all ${n} alerts`} resolved`, touched);
      }
    }
  }

  async #transition(id: string, to: IncidentStatus, at: string, summary: string, touched: Touched): Promise<void> {
    const { from } = await transitionIncident(this.#tx, id, to, at, this.#actor, summary, {
      notificationId: this.#stored.id,
      receivedAt: this.#receivedAt,
      ...(this.#source === null ? {} : { source: this.#source }),
    });
    touched.transitions.push({ from, to });
    this.#timeline.push({ kind: 'incident.status' });
  }

  async result(): Promise<ProcessResult> {
    const incidents: ProcessResult['incidents'] = [];
    for (const [id, touched] of this.touched) {
      const incident = await this.#tx.getIncident(id);
      if (incident === null) continue;
      incidents.push({ id, status: incident.status, opened: touched.opened, transitions: touched.transitions });
    }
    const count = (status: string) => this.#notification.alerts.filter((a) => a.status === status).length;
    return {
      notificationId: this.#stored.id,
      alerts: { firing: count('firing'), resolved: count('resolved') },
      duplicates: this.#duplicates,
      incidents,
      timeline: this.#timeline,
      events: this.#newEvents,
    };
  }

  #touch(id: string, opened: boolean): Touched {
    let touched = this.touched.get(id);
    if (touched === undefined) {
      touched = { opened, transitions: [], newFiring: [] };
      this.touched.set(id, touched);
    }
    return touched;
  }

  async #eventsOf(incidentId: string): Promise<AlertEvent[]> {
    let events = this.#events.get(incidentId);
    if (events === undefined) {
      events = await this.#tx.alertEvents(incidentId);
      this.#events.set(incidentId, events);
    }
    return events;
  }

  async #append(incidentId: string, entry: { at: string; phase: 'identification' | 'recovery'; kind: TimelineKind; summary: string; data: Record<string, unknown> }): Promise<void> {
    await this.#tx.appendTimeline({ incidentId, actor: this.#actor, ...entry });
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
