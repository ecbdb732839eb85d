/**
 * Reads of a consumer group's committed offsets go on while its coordinator moves: the errors
 * kafkajs raises from an OffsetFetch the old coordinator refused are retried, others are not.
 */
import { expect } from 'chai';
import kafkajs from 'kafkajs';
import { COORDINATOR_ATTEMPTS, whileCoordinatorMoves } from '../../../src/actions/kafka/groups.ts';

/** kafkajs's own error for a Kafka error code, as its protocol layer raises it. */
function protocolError(type: string): Error {
  return new kafkajs.KafkaJSProtocolError(Object.assign(new Error(type), { type, code: 0, retriable: true }) as unknown as Error);
}

describe('committed offsets while a group coordinator moves', () => {
  it('asks again after NOT_COORDINATOR and COORDINATOR_LOAD_IN_PROGRESS, backing off', async () => {
    const pauses: number[] = [];
    const errors = [protocolError('NOT_COORDINATOR'), protocolError('COORDINATOR_LOAD_IN_PROGRESS')];
    let calls = 0;
    const value = await whileCoordinatorMoves(
      async () => {
        calls += 1;
        const next = errors.shift();
        if (next !== undefined) throw next;
        return 'offsets';
      },
      async (ms) => void pauses.push(ms),
    );
    expect([value, calls, pauses]).to.deep.equal(['offsets', 3, [100, 200]]);
  });

  it('gives up after a bounded number of attempts, and never retries another error', async () => {
    let calls = 0;
    const moving = whileCoordinatorMoves(async () => {
      calls += 1;
      throw protocolError('NOT_COORDINATOR');
    }, async () => undefined);
    await moving.then(
      () => expect.fail('expected a rejection'),
      (err: { type?: string }) => expect(err.type).to.equal('NOT_COORDINATOR'),
    );
    expect(calls).to.equal(COORDINATOR_ATTEMPTS);

    calls = 0;
    const denied = whileCoordinatorMoves(async () => {
      calls += 1;
      throw protocolError('GROUP_AUTHORIZATION_FAILED');
    }, async () => undefined);
    await denied.then(
      () => expect.fail('expected a rejection'),
      (err: { type?: string }) => expect(err.type).to.equal('GROUP_AUTHORIZATION_FAILED'),
    );
    expect(calls).to.equal(1);
  });
});
