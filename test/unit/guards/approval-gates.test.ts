/** Steps with approval: required wait for a granted approval, which expires. */
import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { decide, type ApprovalRecord } from '../../../src/engine/guards.ts';
import { MINUTE, guardInput } from './support.ts';

describe('approval guard', () => {
  const step = { approval: 'required' as const, approvalTimeoutMs: 30 * MINUTE };

  it('asks for an approval that was never requested', () => {
    const clock = new FakeClock();
    expect(decide(guardInput(clock, { step })).verdict).to.equal('wait-approval');
    expect(decide(guardInput(clock, { step })).reason).to.equal('approval-required');
  });

  it('keeps waiting until exactly the approval timeout, then expires', () => {
    const clock = new FakeClock();
    const approval: ApprovalRecord = { state: 'pending', requestedAt: clock.now(), decidedAt: null };
    clock.advance(30 * MINUTE - 1);
    expect(decide(guardInput(clock, { step, history: { approval } })).reason).to.equal('approval-pending');
    clock.advance(1);
    const d = decide(guardInput(clock, { step, history: { approval } }));
    expect([d.verdict, d.reason, d.detail]).to.deep.equal(['block', 'approval-expired', 'approval requested 30m ago expired after 30m']);
  });

  it('runs once granted, even after the timeout, and blocks once rejected', () => {
    const clock = new FakeClock();
    const granted: ApprovalRecord = { state: 'granted', requestedAt: clock.now() - 2 * 30 * MINUTE, decidedAt: clock.now() - MINUTE };
    expect(decide(guardInput(clock, { step, history: { approval: granted } })).reason).to.equal('allowed');
    const rejected: ApprovalRecord = { state: 'rejected', requestedAt: clock.now() - MINUTE, decidedAt: clock.now() };
    expect(decide(guardInput(clock, { step, history: { approval: rejected } })).reason).to.equal('approval-rejected');
  });

  it('does not let an approval lift a safety block', () => {
    const clock = new FakeClock();
    const granted: ApprovalRecord = { state: 'granted', requestedAt: clock.now() - MINUTE, decidedAt: clock.now() };
    expect(decide(guardInput(clock, { step, history: { approval: granted }, plan: { quotaByteRates: [10] } })).reason).to.equal('floor');
    expect(decide(guardInput(clock, { step, history: { approval: granted }, settings: { paused: true } })).reason).to.equal('paused');
  });

  it('ignores approvals for steps that do not require one', () => {
    const clock = new FakeClock();
    const rejected: ApprovalRecord = { state: 'rejected', requestedAt: clock.now(), decidedAt: clock.now() };
    expect(decide(guardInput(clock, { history: { approval: rejected } })).reason).to.equal('allowed');
  });
});
