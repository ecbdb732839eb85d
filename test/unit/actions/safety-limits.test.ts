import { expect } from 'chai';
import {
  assertByteRateAllowed,
  assertTopicChangeable,
  assertTopicConfigAllowed,
  byteRateFloor,
  isProtectedTopic,
  retentionMsFloor,
} from '../../../src/actions/kafka/actions/limits.ts';
import { clientQuotaTarget } from '../../../src/actions/kafka/actions/set-client-quota.ts';
import { throttleTarget } from '../../../src/actions/kafka/actions/set-replication-throttle.ts';
import { topicConfigTarget } from '../../../src/actions/kafka/actions/set-topic-config.ts';
import type { SafetyLimits } from '../../../src/actions/types.ts';
import { FirebreakError } from '../../../src/errors.ts';

const lax: SafetyLimits = { minQuotaByteRate: 0, minRetentionMs: 0, protectedTopics: [] };
const strict: SafetyLimits = { minQuotaByteRate: 65_536, minRetentionMs: 3_600_000, protectedTopics: ['payments', 'audit\\..*'] };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FirebreakError);
    return (err as FirebreakError).code;
  }
  return 'none';
}

describe('safety limits', () => {
  it('always protects internal topics, and configured patterns fully anchored', () => {
    expect(isProtectedTopic('__consumer_offsets', lax)).to.equal(true);
    expect(isProtectedTopic('__transaction_state', lax)).to.equal(true);
    expect(isProtectedTopic('orders', lax)).to.equal(false);
    expect(isProtectedTopic('payments', strict)).to.equal(true);
    expect(isProtectedTopic('payments-dlq', strict)).to.equal(false);
    expect(isProtectedTopic('audit.log', strict)).to.equal(true);
    expect(isProtectedTopic('x.audit.log', strict)).to.equal(false);
    expect(code(() => assertTopicChangeable('__consumer_offsets', lax))).to.equal('ACTION_PROTECTED_RESOURCE');
    expect(code(() => isProtectedTopic('x', { ...lax, protectedTopics: ['('] }))).to.equal('ACTION_LIMITS_INVALID');
  });

  it('never lets configured floors go below the hard floors', () => {
    expect(byteRateFloor(lax)).to.equal(1);
    expect(byteRateFloor({ ...lax, minQuotaByteRate: -5 })).to.equal(1);
    expect(byteRateFloor(strict)).to.equal(65_536);
    expect(retentionMsFloor(lax)).to.equal(60_000);
    expect(retentionMsFloor(strict)).to.equal(3_600_000);
  });

  it('refuses a zero byte rate even with no configured floor', () => {
    expect(code(() => assertByteRateAllowed('quota:client-id=a', 'producer_byte_rate', 0, lax))).to.equal('ACTION_BELOW_FLOOR');
    expect(code(() => assertByteRateAllowed('quota:client-id=a', 'producer_byte_rate', 1, lax))).to.equal('none');
    expect(code(() => assertByteRateAllowed('quota:client-id=a', 'producer_byte_rate', 65_535, strict))).to.equal('ACTION_BELOW_FLOOR');
  });

  it('floors retention.ms and local.retention.ms but allows "unlimited"', () => {
    expect(code(() => assertTopicConfigAllowed('t', 'retention.ms', '59999', lax))).to.equal('ACTION_BELOW_FLOOR');
    expect(code(() => assertTopicConfigAllowed('t', 'retention.ms', '60000', lax))).to.equal('none');
    expect(code(() => assertTopicConfigAllowed('t', 'retention.ms', '0', lax))).to.equal('ACTION_BELOW_FLOOR');
    expect(code(() => assertTopicConfigAllowed('t', 'retention.ms', '-1', strict))).to.equal('none');
    expect(code(() => assertTopicConfigAllowed('t', 'local.retention.ms', '-2', strict))).to.equal('none');
    expect(code(() => assertTopicConfigAllowed('t', 'local.retention.ms', '1000', lax))).to.equal('ACTION_BELOW_FLOOR');
    expect(code(() => assertTopicConfigAllowed('t', 'retention.ms', '1h', lax))).to.equal('ACTION_PARAMS_INVALID');
    expect(code(() => assertTopicConfigAllowed('t', 'segment.ms', '1', lax))).to.equal('none');
  });

  it('is enforced by the mutating actions before they read anything', () => {
    expect(code(() => clientQuotaTarget({ entity: { 'client-id': 'a' }, producerByteRate: 0 }, lax))).to.equal('ACTION_BELOW_FLOOR');
    expect(code(() => clientQuotaTarget({ entity: { 'client-id': 'a' }, consumerByteRate: 1000 }, strict))).to.equal('ACTION_BELOW_FLOOR');
    // request_percentage is not a byte rate: the byte-rate floor does not apply to it.
    expect(clientQuotaTarget({ entity: { user: null }, requestPercentage: 5 }, strict)).to.deep.equal({ request_percentage: 5 });
    expect(code(() => topicConfigTarget({ topic: '__consumer_offsets', configs: { 'retention.ms': 86_400_000 } }, lax))).to.equal(
      'ACTION_PROTECTED_RESOURCE',
    );
    expect(code(() => topicConfigTarget({ topic: 'orders', configs: { 'retention.ms': 1000 } }, lax))).to.equal('ACTION_BELOW_FLOOR');
    expect(code(() => throttleTarget({ rateBytesPerSecond: 0 }, [], lax))).to.equal('ACTION_BELOW_FLOOR');
    expect(code(() => throttleTarget({ rateBytesPerSecond: 1_000_000, topics: ['orders', 'payments'] }, [1], strict))).to.equal(
      'ACTION_PROTECTED_RESOURCE',
    );
  });

  it('says an internal topic is protected, not the floor, when a change breaks both', () => {
    expect(code(() => throttleTarget({ rateBytesPerSecond: 0, topics: ['__consumer_offsets'] }, [1], lax))).to.equal('ACTION_PROTECTED_RESOURCE');
    expect(code(() => throttleTarget({ rateBytesPerSecond: 0, topics: [{ name: '__transaction_state', leader: '*' }] }, [1], lax))).to.equal('ACTION_PROTECTED_RESOURCE');
    expect(code(() => topicConfigTarget({ topic: '__consumer_offsets', configs: { 'retention.ms': 1000 } }, lax))).to.equal('ACTION_PROTECTED_RESOURCE');
  });
});
