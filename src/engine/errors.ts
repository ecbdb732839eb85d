/**
 * The engine's error codes (docs/errors.md, "Engine"). Step failures keep the action's own code
 * (KAFKA_*, ACTION_*, RUNBOOK_*); these are the engine's.
 */
import { FirebreakError } from '../errors.ts';

/** A Kafka action ran but no brokers are configured (`kafka.brokers`). */
export function kafkaNotConfigured(): FirebreakError {
  return new FirebreakError('ENGINE_KAFKA_NOT_CONFIGURED', 'no Kafka brokers are configured (kafka.brokers, FIREBREAK_KAFKA_BROKERS): Kafka steps cannot run', {
    statusCode: 503,
  });
}

/** One attempt of a step did not finish within its timeout. */
export function stepTimeout(stepId: string, action: string, timeoutMs: number, mutating: boolean): FirebreakError {
  const consequence = mutating ? '; the change may or may not have been applied, so it is not retried' : '';
  return new FirebreakError('ENGINE_STEP_TIMEOUT', `step ${stepId} (${action}) did not finish within ${timeoutMs} ms${consequence}`, {
    // A read can be tried again; a change that may have happened cannot (its prior state is lost).
    retriable: !mutating,
    statusCode: 504,
    details: { step: stepId, action, timeoutMs },
  });
}

/** A retriable failure of a change, after which the live state no longer matches the plan. */
export function outcomeUnknown(stepId: string, action: string, cause: FirebreakError): FirebreakError {
  return new FirebreakError(
    'ENGINE_STEP_OUTCOME_UNKNOWN',
    `step ${stepId} (${action}) failed with ${cause.code} and the live state no longer matches its plan: the change may have been applied; not retried (the plan's "from" values are the prior state)`,
    { statusCode: 500, cause, details: { step: stepId, action, cause: cause.code } },
  );
}

/** The run's runbook is not in the loaded set any more (renamed or removed by a reload). */
export function runbookNotLoaded(name: string): FirebreakError {
  return new FirebreakError('ENGINE_RUNBOOK_NOT_LOADED', `runbook ${name} is not loaded any more (removed or renamed by a reload)`, {
    statusCode: 409,
    details: { runbook: name },
  });
}

export function approvalNotFound(incidentId: string, stepId: string): FirebreakError {
  return new FirebreakError('ENGINE_APPROVAL_NOT_FOUND', `no approval is pending for step ${stepId} of incident ${incidentId}`, {
    statusCode: 404,
    details: { incidentId, step: stepId },
  });
}

export function approvalNotPending(incidentId: string, stepId: string, state: string): FirebreakError {
  return new FirebreakError('ENGINE_APPROVAL_NOT_PENDING', `the approval of step ${stepId} of incident ${incidentId} is ${state}, not pending`, {
    statusCode: 409,
    details: { incidentId, step: stepId, state },
  });
}

export function approvalExpired(incidentId: string, stepId: string, expiresAt: string): FirebreakError {
  return new FirebreakError('ENGINE_APPROVAL_EXPIRED', `the approval of step ${stepId} of incident ${incidentId} expired at ${expiresAt}`, {
    statusCode: 409,
    details: { incidentId, step: stepId, expiresAt },
  });
}

export function stepNotFound(incidentId: string, stepId: string): FirebreakError {
  return new FirebreakError('ENGINE_STEP_NOT_FOUND', `incident ${incidentId} has no executed step ${stepId}`, {
    statusCode: 404,
    details: { incidentId, step: stepId },
  });
}

export function notReversible(incidentId: string, stepId: string, why: string): FirebreakError {
  return new FirebreakError('ENGINE_NOT_REVERSIBLE', `step ${stepId} of incident ${incidentId} cannot be reverted: ${why}`, {
    statusCode: 409,
    details: { incidentId, step: stepId },
  });
}

/** A person asked to lift a loop-breaker hold in an incident where nothing is held. */
export function notHeld(incidentId: string): FirebreakError {
  return new FirebreakError('ENGINE_NOT_HELD', `the loop breaker holds no change of incident ${incidentId}: nothing to hand back or clear`, {
    statusCode: 409,
    details: { incidentId },
  });
}
