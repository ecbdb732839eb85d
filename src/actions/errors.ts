/**
 * The action registry's and the actions' own error codes (docs/errors.md, "Actions"). Errors
 * from the cluster keep the Kafka module's `KAFKA_*` codes (src/actions/kafka/errors.ts); the
 * integrations' codes are in src/actions/integration-errors.ts.
 */
import { errorFactory, type ErrorCatalogue } from '../errors.ts';

export const ACTION_ERRORS = {
  ACTION_PARAMS_INVALID: { status: 400 },
  ACTION_UNKNOWN: { status: 404 },
  ACTION_PROTECTED_RESOURCE: { status: 403 },
  ACTION_BELOW_FLOOR: { status: 422 },
  ACTION_QUOTA_CALLBACK: { status: 409 },
  ACTION_BROKER_REJECTED: { status: 422 },
  ACTION_DATA_LOSS: { status: 409 },
  ACTION_GROUP_NOT_FOUND: { status: 404 },
  ACTION_NO_TARGET: { status: 422 },
  ACTION_REVERT_RECORD_INVALID: { status: 400 },
  ACTION_NOT_REVERSIBLE: { status: 400 },
  ACTION_PRIOR_UNREADABLE: { status: 500 },
  ACTION_ROLLBACK_FAILED: { status: 500 },
  ACTION_STATE_UNSETTLED: { status: 503, retriable: true },
  ACTION_TIMEOUT: { status: 504, retriable: true },
  ACTION_LIMITS_INVALID: { status: 500 },
  ACTION_DEFINITION_INVALID: { status: 500 },
  ACTION_DUPLICATE: { status: 500 },
} as const satisfies ErrorCatalogue;

export const actionError = errorFactory(ACTION_ERRORS);
