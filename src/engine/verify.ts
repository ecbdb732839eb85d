/**
 * Effect verification: after a change succeeded, its action's optional `verify` (src/actions/types.ts)
 * judges in the background, once the change had time to act, whether it had its effect. The run
 * does not wait for it. The verdict is a `step.verified` timeline entry (`data.effect`:
 * `effective`, `no-effect` or `unknown`, with the numbers); `no-effect` also escalates
 * (`incident.escalated`, reason `no-effect`): the change is in force and does not do its job, and
 * a person must decide what to do instead. A check that fails or times out is recorded as
 * `unknown` with its error; one cut short by the engine stopping records nothing. A change that
 * was released or relaxed while it was being checked (its hold limit, a maxDuration, a person)
 * was not in force for the whole measurement: its verdict is recorded as `unknown`, never
 * escalated.
 */
import type { Action, ExecuteResult, SafetyLimits, Verification } from '../actions/types.ts';
import type { Logger } from '../core/logger.ts';
import { inPlace } from '../model/engine.ts';
import { FirebreakError, toFirebreakError } from '../errors.ts';
import type { RunbookStep } from '../runbooks/types.ts';
import { recordEscalation, sendEscalation, type Escalation } from './escalate.ts';
import { withTimeout } from './execute.ts';
import { actionContext, record, type Runtime } from './runtime.ts';

/** Upper bound of one verification, waiting included. */
export const VERIFY_TIMEOUT_MS = 10 * 60_000;

export interface VerificationInput {
  incidentId: string;
  step: RunbookStep;
  runId: number;
  claimId: number;
  action: Action;
  params: Record<string, unknown>;
  result: ExecuteResult;
  limits: SafetyLimits;
  logger: Logger;
}

async function judge(rt: Runtime, input: VerificationInput): Promise<Verification> {
  const verify = input.action.verify as NonNullable<Action['verify']>;
  try {
    return await withTimeout(
      (signal) => verify(actionContext(rt, input.limits, signal, input.logger), input.params, input.result),
      VERIFY_TIMEOUT_MS,
      () => new FirebreakError('ENGINE_VERIFY_TIMEOUT', `the effect of step ${input.step.id} was not judged within ${VERIFY_TIMEOUT_MS / 1000} s`, { retriable: true }),
      rt.stop,
    );
  } catch (err) {
    const e = toFirebreakError(err);
    return { effect: 'unknown', summary: `the effect could not be checked: ${e.code}: ${e.message}`, data: { error: { code: e.code, message: e.message } } };
  }
}

/** The verdict, unless the change did not stay as it was applied while it was judged. */
async function stillInForce(rt: Runtime, input: VerificationInput, v: Verification): Promise<Verification> {
  const [claim] = await rt.store.stepClaims({ id: input.claimId });
  const level = claim?.releaseState === null || claim?.releaseState === undefined ? 0 : Math.max(claim.releaseState.current.index, claim.releaseState.pending?.index ?? 0);
  if (claim !== undefined && inPlace(claim) && claim.revertStatus === null && level === 0) return v;
  return {
    effect: 'unknown',
    summary: `the change was released or relaxed while its effect was being checked, so the measurement does not judge it (it found: ${v.effect}: ${v.summary})`,
    data: { ...v.data, measuredEffect: v.effect, changedDuringCheck: true },
  };
}

/** Starts the verification of a succeeded change in the background (see the module comment). */
export function startVerification(rt: Runtime, input: VerificationInput): void {
  const { step } = input;
  void (async () => {
    const v = await stillInForce(rt, input, await judge(rt, input));
    if (rt.stop.aborted) return;
    const escalation: Escalation | null =
      v.effect === 'no-effect'
        ? { incidentId: input.incidentId, reason: 'no-effect', phase: step.phase, summary: `Step ${step.id} (${step.action}) is in force and has no effect: ${v.summary}`, data: { stepId: step.id, action: step.action, claimId: input.claimId } }
        : null;
    await record(rt, async (r) => {
      await r.append({
        incidentId: input.incidentId,
        phase: step.phase,
        kind: 'step.verified',
        summary: `Step ${step.id} ${v.effect}: ${v.summary}`,
        data: { stepId: step.id, action: step.action, runId: input.runId, claimId: input.claimId, effect: v.effect, verification: v.data },
      });
      if (escalation !== null) await recordEscalation(r, escalation);
    });
    if (escalation !== null) await sendEscalation(rt, escalation);
  })().catch((err: unknown) => rt.logger.error({ err: toFirebreakError(err), incidentId: input.incidentId, step: step.id }, 'effect verification could not be recorded'));
}
