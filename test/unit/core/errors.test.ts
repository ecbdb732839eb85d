import { expect } from 'chai';
import { FirebreakError, toFirebreakError } from '../../../src/errors.ts';

describe('FirebreakError', () => {
  it('carries a stable code, retriable flag, status and cause', () => {
    const cause = new Error('socket hang up');
    const err = new FirebreakError('KAFKA_UNREACHABLE', 'no broker answered', {
      retriable: true,
      statusCode: 503,
      cause,
      details: { brokers: ['127.0.0.1:1'] },
    });
    expect(err).to.be.instanceOf(Error);
    expect(err.code).to.equal('KAFKA_UNREACHABLE');
    expect(err.retriable).to.equal(true);
    expect(err.statusCode).to.equal(503);
    expect(err.cause).to.equal(cause);
    expect(err.toJSON()).to.deep.equal({
      code: 'KAFKA_UNREACHABLE',
      message: 'no broker answered',
      retriable: true,
      details: { brokers: ['127.0.0.1:1'] },
    });
  });

  it('defaults to not retriable and status 500', () => {
    const err = new FirebreakError('INTERNAL', 'boom');
    expect(err.retriable).to.equal(false);
    expect(err.statusCode).to.equal(500);
  });

  it('wraps foreign errors and keeps its own', () => {
    const own = new FirebreakError('X', 'x');
    expect(toFirebreakError(own)).to.equal(own);
    const wrapped = toFirebreakError(new TypeError('bad'));
    expect(wrapped.code).to.equal('INTERNAL');
    expect(wrapped.message).to.equal('bad');
  });
});
