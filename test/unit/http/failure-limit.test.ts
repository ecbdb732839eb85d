/**
 * The failed-token limit on its own, with a fake clock: a sliding window per client address and
 * in total, the wait it reports, and a bounded memory of addresses.
 */
import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { createFailureLimiter, rateLimited } from '../../../src/http/failure-limit.ts';

describe('failed-token limit', () => {
  const settings = { perClient: 3, total: 10, windowMs: 60_000 };

  it('refuses a client at its limit until its oldest failure in the limit leaves the window', () => {
    const clock = new FakeClock();
    const limiter = createFailureLimiter(settings, clock);
    expect(limiter.fail('a')).to.deep.equal({ limited: false });
    clock.advance(10_000);
    limiter.fail('a');
    clock.advance(10_000);
    expect(limiter.fail('a')).to.deep.equal({ limited: true, retryAfterMs: 40_000, scope: 'client' });
    expect(limiter.check('b')).to.deep.equal({ limited: false });
    clock.advance(39_999);
    expect(limiter.check('a').limited).to.equal(true);
    clock.advance(1);
    expect(limiter.check('a')).to.deep.equal({ limited: false });
    // A failure now: three within the window again (the two later ones and this one).
    expect(limiter.fail('a')).to.deep.equal({ limited: true, retryAfterMs: 10_000, scope: 'client' });
  });

  it('refuses clients that failed once the total is reached, and says so', () => {
    const clock = new FakeClock();
    const limiter = createFailureLimiter(settings, clock);
    for (let i = 0; i < 9; i++) expect(limiter.fail(`c${i}`).limited).to.equal(false);
    clock.advance(30_000);
    const check = limiter.fail('c9');
    expect(check).to.deep.equal({ limited: true, retryAfterMs: 30_000, scope: 'total' });
    expect(limiter.check('c0').limited).to.equal(true);
    expect(limiter.check('fresh')).to.deep.equal({ limited: false });
    const error = rateLimited(check as Extract<typeof check, { limited: true }>, settings);
    expect(error).to.deep.include({ code: 'AUTH_RATE_LIMITED', statusCode: 429, message: 'too many failed attempts with an operator token from many addresses (10 within 1m), yours among them: try again in 30s' });
    expect(error.details).to.deep.equal({ retryAfterSeconds: 30, scope: 'total' });
  });

  it('remembers at most 10,000 addresses, forgetting the longest quiet first', () => {
    const clock = new FakeClock();
    const limiter = createFailureLimiter({ perClient: 1, total: 1_000_000, windowMs: 60_000 }, clock);
    limiter.fail('first');
    for (let i = 0; i < 10_000; i++) limiter.fail(`addr-${i}`);
    expect(limiter.check('first')).to.deep.equal({ limited: false });
    expect(limiter.check('addr-9999').limited).to.equal(true);
  });
});
