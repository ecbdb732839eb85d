/** Every guard reason is reachable, the list is closed, and the first guard in order decides. */
import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { GUARD_ORDER, GUARD_REASONS, GUARD_VERDICTS, decide, type GuardDecision } from '../../../src/engine/guards.ts';
import { HOUR, MINUTE, guardInput, runsAgo, type InputOverrides } from './support.ts';

const clock = new FakeClock('2026-03-01T12:00:00Z');

/** One input per reason, each differing from the baseline by the one thing that triggers it. */
const CASES: Array<{ reason: (typeof GUARD_REASONS)[number]; verdict: (typeof GUARD_VERDICTS)[number]; input: InputOverrides }> = [
  { reason: 'allowed', verdict: 'run', input: {} },
  { reason: 'read-only', verdict: 'run', input: { step: { mutating: false, phase: 'identification' }, plan: null } },
  { reason: 'mode-dry-run', verdict: 'dry-run', input: { settings: { mode: 'dry-run' } } },
  { reason: 'paused', verdict: 'block', input: { settings: { paused: true } } },
  { reason: 'incident-closed', verdict: 'skip', input: { incident: { status: 'closed' } } },
  { reason: 'trigger-mismatch', verdict: 'skip', input: { step: { on: 'resolved', phase: 'recovery' } } },
  { reason: 'resolved-no-containment', verdict: 'skip', input: { trigger: 'resolved' } },
  { reason: 'alert-resolved', verdict: 'skip', input: { alertFiring: false } },
  { reason: 'loop-breaker', verdict: 'block', input: { episode: { reapply: false, tooEarly: 2, loopBroken: true } } },
  { reason: 'released-too-early', verdict: 'run', input: { episode: { reapply: true, tooEarly: 1, loopBroken: false }, history: { runs: runsAgo(clock, 2 * MINUTE) } } },
  { reason: 'condition-false', verdict: 'skip', input: { condition: false } },
  { reason: 'already-applied', verdict: 'skip', input: { history: { executedSteps: [{ stepId: 'throttle', at: 0, reverted: false }] } } },
  {
    reason: 'run-active',
    verdict: 'block',
    input: { history: { runs: [{ id: 'other', startedAt: clock.now() - MINUTE, finishedAt: null, outcome: 'running' }] } },
  },
  { reason: 'cooldown', verdict: 'block', input: { history: { runs: runsAgo(clock, 5 * MINUTE) } } },
  {
    reason: 'rate-limit',
    verdict: 'block',
    input: { settings: { defaults: { cooldownMs: 0 } }, history: { runs: runsAgo(clock, 50 * MINUTE, 40 * MINUTE, 30 * MINUTE, 20 * MINUTE) } },
  },
  { reason: 'plan-unavailable', verdict: 'block', input: { plan: null } },
  { reason: 'protected-resource', verdict: 'block', input: { plan: { topics: ['__consumer_offsets'] } } },
  { reason: 'cap-topics', verdict: 'block', input: { policy: { maxTopicsPerIncident: 1 }, plan: { topics: ['a', 'b'] } } },
  { reason: 'cap-clients', verdict: 'block', input: { settings: { limits: { maxClientsPerIncident: 1 } }, history: { touched: { topics: [], clients: ['client-id=other'] } } } },
  { reason: 'floor', verdict: 'block', input: { plan: { quotaByteRates: [1024] } } },
  { reason: 'quota-callback', verdict: 'block', input: { plan: { quotaCallback: 'io.strimzi.kafka.quotas.StaticQuotaCallback' } } },
  { reason: 'broker-rejected', verdict: 'block', input: { plan: { brokerRejected: { code: 'KAFKA_INVALID_CONFIG', message: 'Unknown topic config name: retention.mss' } } } },
  { reason: 'data-loss', verdict: 'block', input: { plan: { dataLoss: [{ topic: 'orders', group: 'billing', partition: 0, unreadRecords: 500 }] } } },
  { reason: 'approval-required', verdict: 'wait-approval', input: { step: { approval: 'required', approvalTimeoutMs: HOUR } } },
  {
    reason: 'approval-pending',
    verdict: 'wait-approval',
    input: { step: { approval: 'required', approvalTimeoutMs: HOUR }, history: { approval: { state: 'pending', requestedAt: clock.now() - MINUTE, decidedAt: null } } },
  },
  {
    reason: 'approval-rejected',
    verdict: 'block',
    input: { step: { approval: 'required', approvalTimeoutMs: HOUR }, history: { approval: { state: 'rejected', requestedAt: clock.now() - MINUTE, decidedAt: clock.now() } } },
  },
  {
    reason: 'approval-expired',
    verdict: 'block',
    input: { step: { approval: 'required', approvalTimeoutMs: HOUR }, history: { approval: { state: 'pending', requestedAt: clock.now() - 2 * HOUR, decidedAt: null } } },
  },
];

describe('guard reasons', () => {
  for (const c of CASES) {
    it(`reaches ${c.reason} (${c.verdict})`, () => {
      const d = decide(guardInput(clock, c.input));
      expect([d.verdict, d.reason]).to.deep.equal([c.verdict, c.reason]);
      expect(d.detail).to.be.a('string').that.is.not.empty;
    });
  }

  it('covers every reason of the closed list, and the list has no duplicates', () => {
    expect(new Set(GUARD_REASONS).size).to.equal(GUARD_REASONS.length);
    expect(CASES.map((c) => c.reason).sort()).to.deep.equal([...GUARD_REASONS].sort());
  });

  it('is pure: the same input gives the same decision and is not modified', () => {
    const input = guardInput(clock, { history: { runs: runsAgo(clock, 5 * MINUTE) } });
    const copy = structuredClone(input);
    const first: GuardDecision = decide(input);
    expect(decide(input)).to.deep.equal(first);
    expect(input).to.deep.equal(copy);
  });
});

describe('guard order', () => {
  it('asks the guards in the documented order', () => {
    expect(GUARD_ORDER.map((g) => g.name)).to.deep.equal([
      'resolved-no-containment',
      'trigger-mismatch',
      'incident-closed',
      'alert-resolved',
      'condition-false',
      'already-applied',
      'run-active',
      'read-only',
      'paused',
      'loop-breaker',
      'cooldown',
      'rate-limit',
      'plan-unavailable',
      'protected-resource',
      'cap-topics',
      'cap-clients',
      'floor',
      'quota-callback',
      'broker-rejected',
      'data-loss',
      'mode-dry-run',
      'approval',
    ]);
  });

  const precedence: Array<[string, InputOverrides, string]> = [
    ['a resolved trigger before everything, even a step written for resolved', { trigger: 'resolved', step: { on: 'resolved' }, settings: { paused: true } }, 'resolved-no-containment'],
    ['a skip before a block', { condition: false, settings: { paused: true } }, 'condition-false'],
    ['paused before cooldown', { settings: { paused: true }, history: { runs: runsAgo(clock, MINUTE) } }, 'paused'],
    ['cooldown before the caps', { history: { runs: runsAgo(clock, MINUTE) }, policy: { maxTopicsPerIncident: 1 }, plan: { topics: ['a', 'b'] } }, 'cooldown'],
    ['protected before the caps', { plan: { topics: ['__transaction_state', 'a', 'b'] }, policy: { maxTopicsPerIncident: 1 } }, 'protected-resource'],
    ['a floor before dry-run: dry-run shows what enforce would block', { settings: { mode: 'dry-run' }, plan: { quotaByteRates: [1] } }, 'floor'],
    ['a quota callback before dry-run: a dry run shows the quota would be a no-op', { settings: { mode: 'dry-run' }, plan: { quotaCallback: 'x.Callback' } }, 'quota-callback'],
    ['a broker rejection before dry-run: a dry run shows the broker refuses it', { settings: { mode: 'dry-run' }, plan: { brokerRejected: { code: 'KAFKA_POLICY_VIOLATION', message: 'no' } } }, 'broker-rejected'],
    ['a floor before a quota callback: the request itself is out of bounds', { plan: { quotaByteRates: [1], quotaCallback: 'x.Callback' } }, 'floor'],
    ['data loss before dry-run: a dry run shows the cut would delete unread records', { settings: { mode: 'dry-run' }, plan: { dataLoss: [{ topic: 't', group: 'g', partition: 0, unreadRecords: 1 }] } }, 'data-loss'],
    ['dry-run before approval: nothing to approve when nothing executes', { settings: { mode: 'dry-run' }, step: { approval: 'required', approvalTimeoutMs: HOUR } }, 'mode-dry-run'],
    ['another active run before read-only', { step: { mutating: false, phase: 'identification' }, history: { runs: [{ id: 'x', startedAt: 0, finishedAt: null, outcome: 'running' }] } }, 'run-active'],
  ];
  for (const [what, input, reason] of precedence) {
    it(`decides ${what}`, () => {
      expect(decide(guardInput(clock, input)).reason).to.equal(reason);
    });
  }
});

describe('data loss with onDataLoss: approve', () => {
  const loss = { dataLoss: [{ topic: 'orders', group: 'billing', partition: 0, unreadRecords: 500 }] };
  it('asks for an approval (counted as data-loss) instead of blocking, and runs once granted', () => {
    const first = decide(guardInput(clock, { plan: loss, policy: { onDataLoss: 'approve' } }));
    expect([first.verdict, first.reason]).to.deep.equal(['wait-approval', 'data-loss']);
    expect(first.detail).to.contain('billing').and.to.contain('500');
    const granted = decide(guardInput(clock, { plan: loss, policy: { onDataLoss: 'approve' }, history: { approval: { state: 'granted', requestedAt: clock.now() - MINUTE, decidedAt: clock.now() } } }));
    expect(granted.reason).to.equal('allowed');
    const rejected = decide(guardInput(clock, { plan: loss, policy: { onDataLoss: 'approve' }, history: { approval: { state: 'rejected', requestedAt: clock.now() - MINUTE, decidedAt: clock.now() } } }));
    expect(rejected.reason).to.equal('approval-rejected');
  });

  it('requests nothing in dry-run mode, and a cut without data loss needs no approval', () => {
    expect(decide(guardInput(clock, { plan: loss, policy: { onDataLoss: 'approve' }, settings: { mode: 'dry-run' } })).reason).to.equal('mode-dry-run');
    expect(decide(guardInput(clock, { plan: { dataLoss: [] }, policy: { onDataLoss: 'approve' } })).reason).to.equal('allowed');
  });
});
