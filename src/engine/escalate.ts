/**
 * Escalation: firebreak stops deciding something by itself and a person must. Three things, so
 * it is seen wherever people look: an `incident.escalated` timeline entry (data.reason from
 * {@link ESCALATION_REASONS}), `firebreak_escalations_total{reason}`, and, when
 * `engine.escalationTarget` names a notify target, a message to it (sent after the entry is
 * committed; a failed send is logged and changes nothing else).
 */
import { toFirebreakError } from '../errors.ts';
import type { Phase } from '../model/incident.ts';
import { actionContext, record, type Recorder, type Runtime } from './runtime.ts';
import { engineLimits } from './settings.ts';

/**
 * - `loop-breaker`: a group was contained and released too many times in a row; automation of
 *   the group stopped, the safe level stays in force;
 * - `revert-stuck`: a revert or release keeps failing (still retried), or cannot be retried;
 * - `max-duration`: a change reached its step's `maxDuration` and the runbook says escalate;
 * - `no-effect`: a change is in force and its effect verification found it does nothing (verify.ts).
 */
export const ESCALATION_REASONS = ['loop-breaker', 'revert-stuck', 'max-duration', 'no-effect'] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number];

export interface Escalation {
  incidentId: string;
  reason: EscalationReason;
  phase: Phase;
  /** One sentence for the responder: what happened and what firebreak does now. */
  summary: string;
  data: Record<string, unknown>;
}

/** Appends the entry inside the caller's transaction; call {@link sendEscalation} after the commit. */
export async function recordEscalation(r: Recorder, escalation: Escalation): Promise<void> {
  await r.append({ incidentId: escalation.incidentId, phase: escalation.phase, kind: 'incident.escalated', summary: escalation.summary, data: { reason: escalation.reason, ...escalation.data } });
}

/** Counts the escalation and tells the configured target, once the entry is committed. */
export async function sendEscalation(rt: Runtime, escalation: Escalation): Promise<void> {
  rt.metrics.escalation(escalation.reason);
  rt.logger.warn({ incidentId: escalation.incidentId, reason: escalation.reason }, escalation.summary);
  const target = engineLimits(rt.config).escalationTarget;
  if (target === null || !rt.registry.has('notify')) return;
  try {
    const params = rt.registry.validateParams('notify', {
      target,
      title: `firebreak: ${escalation.incidentId} needs a person (${escalation.reason})`,
      text: escalation.summary,
      data: { incident: escalation.incidentId, reason: escalation.reason },
    });
    const limits = { ...rt.config.safety, protectedTopics: [...rt.config.safety.protectedTopics] };
    await rt.registry.get('notify').execute(actionContext(rt, limits, AbortSignal.timeout(30_000), rt.logger), params);
  } catch (err) {
    rt.logger.error({ err: toFirebreakError(err), incidentId: escalation.incidentId, target }, 'escalation notification failed; the timeline entry stands');
  }
}

/** Records and sends in one go (its own transaction). */
export async function escalate(rt: Runtime, escalation: Escalation): Promise<void> {
  await record(rt, (r) => recordEscalation(r, escalation));
  await sendEscalation(rt, escalation);
}
