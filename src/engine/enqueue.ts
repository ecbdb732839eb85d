/**
 * The outbox: inside the transaction that processes a notification, match new incidents to their
 * runbook and record a run request per incident that needs one. Committed together with the
 * incident changes, so a crash right after processing never loses a run, and a replayed
 * notification (processed again from scratch after a crash before the commit) asks once.
 *
 * Rules (docs/engine.md):
 * - An incident gets its runbook when it opens: the runbook selected for its first alert
 *   (`runbook.matched`), or none (`runbook.unmatched`: evidence only, no run ever).
 * - `firing` run: the notification recorded a new firing state for an incident that is open or
 *   contained afterwards (a new alert of the group, or a re-fire after resolution).
 * - `resolved` run: the notification resolved the incident (every alert resolved). A closed
 *   incident is not resolved any more, but its changes still are undone when its alerts all
 *   resolve: closing an incident by hand does not leave a throttle in place forever (its steps
 *   are skipped, `incident-closed`; only the reverts run).
 * - One run per incident and notification, for the alert state that asked for it: its labels and
 *   annotations feed the templates, and `fingerprint@startsAt` is the episode of the step claims.
 * - A `firing` run is not requested while a firing run of the incident has not ended (pending,
 *   running or waiting for an approval), nor within a minute of the latest one unless the
 *   incident resolved since: the new alerts join it (see joinsRun).
 */
import type { Clock } from '../core/clock.ts';
import type { Alert, Incident, Notification } from '../model/incident.ts';
import { TxCache, type ProcessResult, type StormFold } from '../incidents/process.ts';
import { toIso } from '../incidents/normalize.ts';
import { escapeLabelValue } from '../runbooks/matchers.ts';
import { incidentKey, unmatchedIncidentKey } from '../runbooks/select.ts';
import type { Runbook } from '../runbooks/types.ts';
import type { StoreTx } from '../store/types.ts';
import { inPlace } from '../model/engine.ts';

/** The runbooks in force (a RunbookSet satisfies it). */
export interface RunbookSource {
  select(labels: Readonly<Record<string, string>>): Runbook | null;
  matching(labels: Readonly<Record<string, string>>): Runbook[];
}

export const ENGINE_ACTOR = 'engine';

/** Which incident an alert belongs to: its runbook's group, or the notification's group key. */
export function keyForAlert(runbooks: RunbookSource, alert: Alert, notification: Notification): string {
  const runbook = runbooks.select(alert.labels);
  return runbook === null ? unmatchedIncidentKey(notification.groupKey) : incidentKey(runbook, alert);
}

/**
 * The storm incident an alert folds into once the storm caps stop it from opening an incident
 * of its own (src/incidents/storm.ts): one per runbook, cluster and alert name. The key starts
 * with `storm:`, so it never collides with a group's own key.
 */
export function stormFoldForAlert(runbooks: RunbookSource, alert: Alert): StormFold {
  const runbook = runbooks.select(alert.labels);
  const labels = ['alertname', 'cluster']
    .filter((name) => (alert.labels[name] ?? '') !== '')
    .map((name) => `${name}="${escapeLabelValue(alert.labels[name] ?? '')}"`);
  return { key: `storm:${runbook?.name ?? ''}{${labels.join(',')}}`, runbook: runbook?.name ?? null };
}

/** The episode of an alert state: one firing period of one alert. */
export function episodeOf(alert: Alert): string {
  return `${alert.fingerprint}@${alert.startsAt}`;
}

/**
 * Records runbook matches and run requests for one processed notification, inside its
 * transaction (see the module comment). Returns how many runs it requested. `cache`, the
 * processing transaction's (src/incidents/process.ts), spares reading an incident and its runs
 * again for each notification of a transaction.
 */
export async function recordRunRequests(
  deps: { runbooks: RunbookSource; clock: Clock },
  tx: StoreTx,
  result: ProcessResult,
  notification: Notification,
  cache: TxCache = new TxCache(),
): Promise<number> {
  let requested = 0;
  for (const touched of result.incidents) {
    const events = result.events.filter((e) => e.incidentId === touched.id).map((e) => e.alert);
    const first = events[0];
    if (first === undefined) continue;
    let incident = await cache.incident(tx, touched.id);
    if (incident === null) continue;
    if (incident.status === 'closed') {
      if (incident.runbook !== null && (await closedAndResolved(tx, incident.id, events))) {
        await request(deps, tx, cache, incident, 'resolved', events.filter((a) => a.status === 'resolved').at(-1) as Alert, result.notificationId);
        requested += 1;
      }
      continue;
    }
    if (incident.runbook === null) {
      // Only a new incident is matched: an incident that opened unmatched stays evidence-only.
      if (!touched.opened) continue;
      const matched = await match(deps.runbooks, tx, cache, incident, first, notification);
      if (matched === null) continue;
      incident = matched;
    }
    const trigger = triggerOf(incident, touched, events);
    if (trigger === null) continue;
    const alert = trigger === 'firing' ? events.find((a) => a.status === 'firing') : events.filter((a) => a.status === 'resolved').at(-1);
    if (alert === undefined) continue;
    if (trigger === 'firing' && (await joinsRun(deps, tx, cache, incident))) continue;
    await request(deps, tx, cache, incident, trigger, alert, result.notificationId);
    requested += 1;
  }
  return requested;
}

/** How long after a firing run of an incident was requested new firing alerts still join it. */
export const JOIN_WINDOW_MS = 60_000;

/**
 * Whether new firing alerts of `incident` join its latest firing run instead of requesting
 * another: while a firing run has not ended (pending, running or waiting for an approval), and
 * for {@link JOIN_WINDOW_MS} after the latest one was requested when it ran to its end (not
 * interrupted by a crash, not aborted) and the incident has not resolved since (a resolve
 * requests a `resolved` run; a re-fire after it is a new episode and runs). An
 * alert storm spread over many notifications, or one notification processed in several
 * transactions, starts one run, however fast that run ends.
 */
async function joinsRun(deps: { clock: Clock }, tx: StoreTx, cache: TxCache, incident: Incident): Promise<boolean> {
  const runs = await cache.runs(tx, incident.id);
  const firing = runs.filter((r) => r.trigger === 'firing');
  if (firing.some((r) => r.status === 'pending' || r.status === 'running' || r.status === 'waiting-approval')) return true;
  const latest = firing.at(-1);
  if (latest === undefined || latest.status === 'interrupted' || latest.status === 'aborted') return false;
  if (runs.some((r) => r.trigger === 'resolved' && r.id > latest.id)) return false;
  return deps.clock.now() - Date.parse(latest.requestedAt) < JOIN_WINDOW_MS;
}

async function request(deps: { clock: Clock }, tx: StoreTx, cache: TxCache, incident: Incident, trigger: 'firing' | 'resolved', alert: Alert, notificationId: number): Promise<void> {
  const run = await tx.createRun({
    incidentId: incident.id,
    runbook: incident.runbook as string,
    groupKey: incident.key,
    trigger,
    alert,
    episode: episodeOf(alert),
    notificationId,
    requestedAt: toIso(deps.clock.now()),
  });
  cache.putRun(run);
}

/** A closed incident whose last firing alert just resolved, with changes still to undo. */
async function closedAndResolved(tx: StoreTx, incidentId: string, events: Alert[]): Promise<boolean> {
  if (!events.some((a) => a.status === 'resolved')) return false;
  if ((await tx.alertStateCounts(incidentId)).firing > 0) return false;
  return (await tx.stepClaims({ incidentId })).some((c) => inPlace(c) && c.revert === 'on-resolve');
}

function triggerOf(incident: Incident, touched: ProcessResult['incidents'][number], events: Alert[]): 'firing' | 'resolved' | null {
  if (incident.status === 'resolved' && touched.transitions.some((t) => t.to === 'resolved')) return 'resolved';
  if ((incident.status === 'open' || incident.status === 'contained') && events.some((a) => a.status === 'firing')) return 'firing';
  return null;
}

async function match(runbooks: RunbookSource, tx: StoreTx, cache: TxCache, incident: Incident, alert: Alert, notification: Notification): Promise<Incident | null> {
  const candidates = runbooks.matching(alert.labels);
  const runbook = candidates[0];
  if (runbook === undefined) {
    await tx.appendTimeline({
      incidentId: incident.id,
      at: incident.openedAt,
      phase: 'identification',
      kind: 'runbook.unmatched',
      actor: ENGINE_ACTOR,
      summary: 'No runbook matches: evidence only, no action',
      data: { groupKey: notification.groupKey, labels: alert.labels },
    });
    return null;
  }
  const updated = cache.put(await tx.updateIncident(incident.id, { runbook: runbook.name }));
  await tx.appendTimeline({
    incidentId: incident.id,
    at: incident.openedAt,
    phase: 'identification',
    kind: 'runbook.matched',
    actor: ENGINE_ACTOR,
    summary: `Runbook ${runbook.name} matches`,
    data: {
      runbook: runbook.name,
      key: incident.key,
      match: runbook.matchSource,
      groupBy: runbook.groupBy,
      priority: runbook.priority,
      file: `${runbook.origin.file}:${runbook.origin.line}`,
      // Other runbooks that matched too and lost on priority, specificity or name.
      alsoMatching: candidates.slice(1).map((r) => r.name),
    },
  });
  return updated;
}
