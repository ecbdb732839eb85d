/** Per-incident caps, quota and retention floors, protected topics: global limits a runbook can only tighten. */
import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { decide, effectiveLimits } from '../../../src/engine/guards.ts';
import { HOUR, guardInput } from './support.ts';

const clock = new FakeClock();

describe('cap guards', () => {
  it('allows the incident to reach the topic cap and blocks one topic more', () => {
    const touched = { topics: ['t1', 't2', 't3', 't4'], clients: [] };
    expect(decide(guardInput(clock, { history: { touched }, plan: { topics: ['t5'] } })).reason).to.equal('allowed');
    const d = decide(guardInput(clock, { history: { touched }, plan: { topics: ['t5', 't6'] } }));
    expect([d.reason, d.detail]).to.deep.equal(['cap-topics', 'the incident would change 6 topics, at most 5 allowed']);
  });

  it('does not count a topic or client twice', () => {
    const touched = { topics: ['t1', 't2', 't3', 't4', 't5'], clients: ['client-id=loadgen'] };
    expect(decide(guardInput(clock, { history: { touched }, plan: { topics: ['t1', 't5'] } })).reason).to.equal('allowed');
  });

  it('caps clients the same way', () => {
    const touched = { topics: [], clients: ['c1', 'c2', 'c3', 'c4', 'c5'] };
    expect(decide(guardInput(clock, { history: { touched }, plan: { clients: ['c6'] } })).reason).to.equal('cap-clients');
  });

  it('takes the smaller of global and runbook caps', () => {
    expect(decide(guardInput(clock, { policy: { maxTopicsPerIncident: 1 }, plan: { topics: ['a', 'b'] } })).reason).to.equal('cap-topics');
    expect(decide(guardInput(clock, { policy: { maxTopicsPerIncident: 50 }, plan: { topics: ['1', '2', '3', '4', '5', '6'] } })).reason).to.equal(
      'cap-topics',
    );
  });
});

describe('floor guard', () => {
  it('blocks a quota below the global floor and allows one at the floor', () => {
    expect(decide(guardInput(clock, { plan: { quotaByteRates: [65_536] } })).reason).to.equal('allowed');
    const d = decide(guardInput(clock, { plan: { quotaByteRates: [65_535] } }));
    expect([d.reason, d.detail]).to.deep.equal(['floor', 'quota 65535 B/s is below the floor of 65536 B/s']);
  });

  it('lets a runbook raise a floor but never lower it', () => {
    expect(decide(guardInput(clock, { policy: { minQuotaByteRate: 2_000_000 }, plan: { quotaByteRates: [1_048_576] } })).reason).to.equal('floor');
    expect(decide(guardInput(clock, { policy: { minQuotaByteRate: 1 }, plan: { quotaByteRates: [1024] } })).reason).to.equal('floor');
  });

  it('blocks a retention below the floor', () => {
    expect(decide(guardInput(clock, { plan: { retentionMs: [HOUR] } })).reason).to.equal('allowed');
    expect(decide(guardInput(clock, { plan: { retentionMs: [HOUR - 1] } })).reason).to.equal('floor');
    expect(decide(guardInput(clock, { policy: { minRetentionMs: 6 * HOUR }, plan: { retentionMs: [2 * HOUR] } })).reason).to.equal('floor');
  });
});

describe('protected-resource guard', () => {
  it("always protects Kafka's internal topics", () => {
    for (const topic of ['__consumer_offsets', '__transaction_state', '__anything']) {
      expect(decide(guardInput(clock, { plan: { topics: [topic] } })).reason, topic).to.equal('protected-resource');
    }
    expect(decide(guardInput(clock, { plan: { topics: ['_single_underscore'] } })).reason).to.equal('allowed');
  });

  it('protects global and runbook patterns, anchored at both ends', () => {
    const settings = { limits: { protectedTopics: ['payments-.*'] } };
    expect(decide(guardInput(clock, { settings, plan: { topics: ['payments-eu'] } })).reason).to.equal('protected-resource');
    expect(decide(guardInput(clock, { settings, plan: { topics: ['old-payments-eu'] } })).reason).to.equal('allowed');
    expect(decide(guardInput(clock, { policy: { protectedTopics: ['audit'] }, plan: { topics: ['audit'] } })).reason).to.equal('protected-resource');
    expect(decide(guardInput(clock, { policy: { protectedTopics: ['audit'] }, plan: { topics: ['audit-log'] } })).reason).to.equal('allowed');
  });

  it('fails closed when a pattern does not compile', () => {
    const d = decide(guardInput(clock, { settings: { limits: { protectedTopics: ['audit['] } }, plan: { topics: ['orders'] } }));
    expect([d.reason, d.detail]).to.deep.equal(['protected-resource', 'protected topic pattern audit[ is invalid']);
  });

  it('sums up the limits in force', () => {
    const limits = effectiveLimits(guardInput(clock, { policy: { maxClientsPerIncident: 2, protectedTopics: ['x'], cooldownMs: 0 } }));
    expect(limits).to.deep.equal({
      cooldownMs: 0,
      maxRunsPerHour: 4,
      maxTopicsPerIncident: 5,
      maxClientsPerIncident: 2,
      minQuotaByteRate: 65_536,
      minRetentionMs: HOUR,
      protectedTopics: ['__.*', 'x'],
    });
  });
});
