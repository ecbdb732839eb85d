/**
 * Broker-validated plans. A mutating Kafka action's `plan` sends its change with `validateOnly`
 * (AlterClientQuotas, IncrementalAlterConfigs): the broker checks it as it would the real request
 * (unknown keys, invalid values, an `alter.config.policy.class.name` policy, authorization) and
 * changes nothing. So a dry run, `firebreak simulate` with brokers and `firebreak action
 * --dry-run` show a change the broker would refuse as refused, with the broker's own message,
 * instead of a plan that would fail in enforce mode.
 */
import { toFirebreakError } from '../../../errors.ts';
import { actionError } from '../../errors.ts';

/**
 * Runs `validate` (a validateOnly request). A refusal by the broker (any non-retriable error)
 * becomes `ACTION_BROKER_REJECTED` (422) with the broker's code and message; retriable errors
 * (an unreachable cluster, a timeout) pass through unchanged: they say nothing about the change.
 */
export async function validateOnBroker(resource: string, validate: () => Promise<void>): Promise<void> {
  try {
    await validate();
  } catch (err) {
    const e = toFirebreakError(err);
    if (e.retriable || !e.code.startsWith('KAFKA_')) throw e;
    throw actionError('ACTION_BROKER_REJECTED', `the broker rejects the change of ${resource}: ${e.message}`, {
      cause: e,
      details: { resource, brokerCode: e.code, brokerMessage: e.message },
    });
  }
}
