/**
 * The engine's error codes (docs/errors.md, "Engine"). Step failures keep the action's own code
 * (KAFKA_*, ACTION_*, RUNBOOK_*); these are the engine's.
 */
import { errorFactory, type ErrorCatalogue, type FirebreakError } from '../errors.ts';

export const ENGINE_ERRORS = {
  ENGINE_KAFKA_NOT_CONFIGURED: { status: 503 },
  /** Retriable for a read-only step, not for a change. */
  ENGINE_STEP_TIMEOUT: { status: 504 },
  ENGINE_STEP_OUTCOME_UNKNOWN: { status: 500 },
  ENGINE_STEP_FAILED: { status: 500 },
  ENGINE_REVERT_FAILED: { status: 500 },
  ENGINE_NOT_REVERSIBLE: { status: 409 },
  ENGINE_NOT_HELD: { status: 409 },
  ENGINE_STEP_NOT_FOUND: { status: 404 },
  /** Never an answer: on claims and entries of work a process was doing when it stopped. */
  ENGINE_INTERRUPTED: { status: null, retriable: true },
  ENGINE_PREEMPTED: { status: 409 },
  ENGINE_RELEASE_FAILED: { status: 500 },
  ENGINE_RUNBOOK_NOT_LOADED: { status: 409 },
  ENGINE_APPROVAL_NOT_FOUND: { status: 404 },
  ENGINE_APPROVAL_NOT_PENDING: { status: 409 },
  ENGINE_APPROVAL_EXPIRED: { status: 409 },
  ENGINE_DISABLED: { status: 503 },
  ENGINE_FENCED: { status: 500 },
  ENGINE_REAPPLY_CONFLICT: { status: 409 },
  /** Never an answer: a step's execute that started beside its claim stops before changing anything. */
  ENGINE_NOT_CLAIMED: { status: 409 },
  ENGINE_VERIFY_TIMEOUT: { status: 500, retriable: true },
  SIMULATE_NO_KAFKA: { status: 400 },
} as const satisfies ErrorCatalogue;

export const engineError = errorFactory(ENGINE_ERRORS);

/** A Kafka action ran but no brokers are configured (`kafka.brokers`). */
export function kafkaNotConfigured(): FirebreakError {
  return engineError('ENGINE_KAFKA_NOT_CONFIGURED', 'no Kafka brokers are configured (kafka.brokers, FIREBREAK_KAFKA_BROKERS): Kafka steps cannot run');
}

/** One attempt of a step did not finish within its timeout. */
export function stepTimeout(stepId: string, action: string, timeoutMs: number, mutating: boolean): FirebreakError {
  const consequence = mutating ? '; the change may or may not have been applied, so it is not retried' : '';
  return engineError('ENGINE_STEP_TIMEOUT', `step ${stepId} (${action}) did not finish within ${timeoutMs} ms${consequence}`, {
    // A read can be tried again; a change that may have happened cannot (its prior state is lost).
    retriable: !mutating,
    details: { step: stepId, action, timeoutMs },
  });
}

/** A retriable failure of a change, after which the live state no longer matches the plan. */
export function outcomeUnknown(stepId: string, action: string, cause: FirebreakError): FirebreakError {
  return engineError(
    'ENGINE_STEP_OUTCOME_UNKNOWN',
    `step ${stepId} (${action}) failed with ${cause.code} and the live state no longer matches its plan: the change may have been applied; not retried (the plan's "from" values are the prior state)`,
    { cause, details: { step: stepId, action, cause: cause.code } },
  );
}

/** The run's runbook is not in the loaded set any more (renamed or removed by a reload). */
export function runbookNotLoaded(name: string): FirebreakError {
  return engineError('ENGINE_RUNBOOK_NOT_LOADED', `runbook ${name} is not loaded any more (removed or renamed by a reload)`, {
    details: { runbook: name },
  });
}

export function approvalNotFound(incidentId: string, stepId: string): FirebreakError {
  return engineError('ENGINE_APPROVAL_NOT_FOUND', `no approval is pending for step ${stepId} of incident ${incidentId}`, {
    details: { incidentId, step: stepId },
  });
}

export function approvalNotPending(incidentId: string, stepId: string, state: string): FirebreakError {
  return engineError('ENGINE_APPROVAL_NOT_PENDING', `the approval of step ${stepId} of incident ${incidentId} is ${state}, not pending`, {
    details: { incidentId, step: stepId, state },
  });
}

export function approvalExpired(incidentId: string, stepId: string, expiresAt: string): FirebreakError {
  return engineError('ENGINE_APPROVAL_EXPIRED', `the approval of step ${stepId} of incident ${incidentId} expired at ${expiresAt}`, {
    details: { incidentId, step: stepId, expiresAt },
  });
}

export function stepNotFound(incidentId: string, stepId: string): FirebreakError {
  return engineError('ENGINE_STEP_NOT_FOUND', `incident ${incidentId} has no executed step ${stepId}`, {
    details: { incidentId, step: stepId },
  });
}

export function notReversible(incidentId: string, stepId: string, why: string): FirebreakError {
  return engineError('ENGINE_NOT_REVERSIBLE', `step ${stepId} of incident ${incidentId} cannot be reverted: ${why}`, {
    details: { incidentId, step: stepId },
  });
}

/** A person asked to lift a loop-breaker hold in an incident where nothing is held. */
export function notHeld(incidentId: string): FirebreakError {
  return engineError('ENGINE_NOT_HELD', `the loop breaker holds no change of incident ${incidentId}: nothing to hand back or clear`, {
    details: { incidentId },
  });
}
