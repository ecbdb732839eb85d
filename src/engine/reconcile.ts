/**
 * Resolves that never arrive (docs/engine.md "Reconciliation"): Alertmanager does not always send
 * the resolved notification (a silenced alert, a restart of Alertmanager), and a containment
 * would then stay in force forever. The `reconcile` timer compares, every
 * `alertmanager.reconcileMs`, the incidents that hold a change firebreak releases itself (open or
 * contained, a `revert: on-resolve` change in force) with Alertmanager's API v2
 * (`GET /api/v2/alerts`, active, silenced, inhibited and unprocessed alerts: everything it still
 * has firing). The configured peers are asked in order; the first that answers is enough.
 *
 * An alert firebreak has firing that Alertmanager no longer lists, for `alertmanager.graceMs`
 * in a row (a moment of disagreement is normal: notifications are batched), is resolved the way a
 * webhook would resolve it: firebreak stores a resolved notification for it and processes it
 * like any other, so the incident, the timeline (`alert.resolved` with `data.source`) and the
 * releases follow the usual rules. When no peer answers, nothing is concluded. Without peers
 * configured there is no reconciliation (and `maxDuration` is the only backstop).
 */
import { exchange } from '../actions/http/client.ts';
import { toFirebreakError } from '../errors.ts';
import { currentStates } from '../incidents/alert-state.ts';
import type { Alert, Incident } from '../model/incident.ts';
import { toIso } from '../incidents/normalize.ts';
import { inPlace, type EngineTimer } from '../model/engine.ts';
import type { Runtime } from './runtime.ts';
import type { EngineConfig } from './settings.ts';
import type { TimerResult } from './timers.ts';

/** `alertmanager` of the configuration (see src/config/schema.ts). */
export interface ReconcileSettings {
  urls: readonly string[];
  reconcileMs: number;
  graceMs: number;
  timeoutMs: number;
}

/** The one reconciliation timer of a store. */
export const RECONCILE_KEY = 'reconcile';

/** Marks a notification firebreak made up from reconciliation (its timeline entries say so). */
export const RECONCILED_BY = 'reconciliation';

interface ReconcileState {
  /** Fingerprint → since when Alertmanager has not listed it (ISO). */
  missing: Record<string, string>;
}

/** The settings when reconciliation is on, else null. */
export function reconcileSettings(config: EngineConfig): ReconcileSettings | null {
  const settings = config.alertmanager;
  return settings === undefined || settings.urls.length === 0 ? null : settings;
}

/** What Alertmanager has firing: fingerprints of the alerts it lists and has not ended. */
async function firingInAlertmanager(settings: ReconcileSettings, now: number, signal: AbortSignal): Promise<{ url: string; firing: Set<string> } | { errors: string[] }> {
  const errors: string[] = [];
  for (const url of settings.urls) {
    try {
      const answer = await exchange('ALERTMANAGER', {
        method: 'GET',
        url: `${url.replace(/\/+$/, '')}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true`,
        timeoutMs: settings.timeoutMs,
        signal,
        maxResponseBytes: 32 * 1024 * 1024,
      });
      if (answer.status !== 200 || !Array.isArray(answer.json)) {
        errors.push(`${url}: HTTP ${answer.status}${Array.isArray(answer.json) ? '' : ', not a list of alerts'}`);
        continue;
      }
      const firing = new Set<string>();
      for (const item of answer.json as Array<Record<string, unknown>>) {
        const endsAt = typeof item['endsAt'] === 'string' ? Date.parse(item['endsAt']) : Number.NaN;
        // Resolved alerts are not listed; one that ended but is still listed is resolved too.
        if (typeof item['fingerprint'] === 'string' && !(endsAt <= now)) firing.add(item['fingerprint']);
      }
      return { url, firing };
    } catch (err) {
      errors.push(`${url}: ${toFirebreakError(err).message}`);
    }
  }
  return { errors };
}

/** Incidents holding a change firebreak releases itself, with the alerts firebreak has firing. */
async function watched(rt: Runtime): Promise<Array<{ incident: Incident; firing: Array<{ alert: Alert; notificationId: number }> }>> {
  const out: Array<{ incident: Incident; firing: Array<{ alert: Alert; notificationId: number }> }> = [];
  let cursor: string | undefined;
  do {
    const page = await rt.store.listIncidents({ status: ['open', 'contained'], limit: 500, ...(cursor === undefined ? {} : { cursor }) });
    for (const incident of page.items) {
      const claims = await rt.store.stepClaims({ incidentId: incident.id });
      if (!claims.some((c) => inPlace(c) && c.revert === 'on-resolve')) continue;
      const events = await rt.store.alertEvents(incident.id);
      const states = currentStates(events.map((e) => e.alert));
      const firing = [...states.values()]
        .filter((a) => a.status === 'firing')
        .map((alert) => ({ alert, notificationId: events.filter((e) => e.alert.fingerprint === alert.fingerprint).at(-1)?.notificationId ?? 0 }));
      if (firing.length > 0) out.push({ incident, firing });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return out;
}

/** The `reconcile` timer handler (see the module comment). */
export async function reconcileTimer(rt: Runtime, timer: EngineTimer): Promise<TimerResult> {
  const settings = reconcileSettings(rt.config);
  if (settings === null) return { done: true };
  const now = rt.clock.now();
  const previous = (timer.state ?? { missing: {} }) as ReconcileState;
  const again = (state: ReconcileState, error: string | null = null): TimerResult => ({ done: false, dueAt: now + settings.reconcileMs, state, error });
  const incidents = await watched(rt);
  if (incidents.length === 0) return again({ missing: {} });
  const seen = await firingInAlertmanager(settings, now, rt.stop);
  if ('errors' in seen) {
    rt.logger.warn({ errors: seen.errors }, 'no Alertmanager peer answered; reconciliation concludes nothing this time');
    return again(previous, seen.errors.join('; '));
  }
  const missing: Record<string, string> = {};
  for (const { incident, firing } of incidents) {
    const due: Array<{ alert: Alert; notificationId: number; since: string }> = [];
    for (const { alert, notificationId } of firing) {
      if (seen.firing.has(alert.fingerprint)) continue;
      const since = previous.missing[alert.fingerprint] ?? toIso(now);
      if (now - Date.parse(since) >= settings.graceMs) due.push({ alert, notificationId, since });
      else missing[alert.fingerprint] = since;
    }
    if (due.length > 0) await resolve(rt, incident, due, seen.url, settings);
  }
  return again({ missing });
}

/** Stores (and so processes) a resolved notification for alerts Alertmanager no longer has. */
async function resolve(rt: Runtime, incident: Incident, due: Array<{ alert: Alert; notificationId: number; since: string }>, url: string, settings: ReconcileSettings): Promise<void> {
  if (rt.submitNotification === null) {
    rt.logger.error({ incidentId: incident.id }, 'reconciliation found resolved alerts but cannot record notifications');
    return;
  }
  const original = await rt.store.getNotification(due[0]?.notificationId ?? 0);
  const groupKey = (original?.payload as { groupKey?: unknown } | undefined)?.groupKey;
  const now = toIso(rt.clock.now());
  rt.logger.warn({ incidentId: incident.id, alerts: due.map((d) => d.alert.fingerprint), alertmanager: url }, 'Alertmanager no longer has these alerts firing: resolving them (reconciliation)');
  await rt.submitNotification({
    version: '4',
    groupKey: typeof groupKey === 'string' ? groupKey : `{}:{firebreak="reconciliation"}`,
    truncatedAlerts: 0,
    status: 'resolved',
    receiver: 'firebreak-reconciliation',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: url,
    alerts: due.map(({ alert }) => ({
      status: 'resolved',
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: alert.startsAt,
      endsAt: now,
      generatorURL: alert.generatorURL ?? '',
      fingerprint: alert.fingerprint,
    })),
    firebreak: { source: RECONCILED_BY, alertmanager: url, missingSince: due.map((d) => d.since).sort()[0], graceMs: settings.graceMs },
  });
}
