import { expect } from 'chai';
import { createKafkaAdmin, resolveTimeouts, retryPolicy } from '../../../src/actions/kafka/client.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { FirebreakError } from '../../../src/errors.ts';

/** Worst-case sum of kafkajs's back-off delays for a policy (jitter at its maximum). */
function maxBackoff(p: ReturnType<typeof retryPolicy>): number {
  let total = 0;
  let step = p.initialRetryTime * (1 + p.factor);
  for (let i = 0; i < p.retries; i++) {
    total += Math.min(step, p.maxRetryTime);
    step = Math.min(step * p.multiplier * (1 + p.factor), p.maxRetryTime);
  }
  return total;
}

describe('Kafka admin time bounds', () => {
  it('defaults to a 10 s operation bound and never lets a connection or request outlast it', () => {
    expect(resolveTimeouts({ brokers: ['x:1'] })).to.deep.equal({ operationTimeoutMs: 10_000, connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000 });
    expect(resolveTimeouts({ brokers: ['x:1'], operationTimeoutMs: 800, requestTimeoutMs: 30_000, connectionTimeoutMs: 3_000 })).to.deep.equal({
      operationTimeoutMs: 800,
      connectionTimeoutMs: 800,
      requestTimeoutMs: 800,
    });
  });

  it('sizes kafkajs back-off to fit inside the operation bound', () => {
    for (const operationTimeoutMs of [500, 2_000, 10_000, 60_000]) {
      const policy = retryPolicy(resolveTimeouts({ brokers: ['x:1'], operationTimeoutMs }));
      expect(maxBackoff(policy)).to.be.below(operationTimeoutMs);
    }
  });

  it('rejects non-positive timeouts and an empty broker list with KAFKA_INVALID_OPTIONS', () => {
    for (const make of [
      () => resolveTimeouts({ brokers: ['x:1'], operationTimeoutMs: 0 }),
      () => resolveTimeouts({ brokers: ['x:1'], requestTimeoutMs: -1 }),
      () => createKafkaAdmin({ brokers: [] }, { logger: silentLogger() }),
    ]) {
      try {
        make();
        expect.fail('expected an error');
      } catch (e) {
        expect(e).to.be.instanceOf(FirebreakError);
        expect((e as FirebreakError).code).to.equal('KAFKA_INVALID_OPTIONS');
      }
    }
  });
});
