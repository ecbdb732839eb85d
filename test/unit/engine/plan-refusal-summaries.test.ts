/** An action's refusal to plan becomes a summary the guards decide on, with the precise reason. */
import { expect } from 'chai';
import { FirebreakError } from '../../../src/errors.ts';
import { decide } from '../../../src/engine/guards.ts';
import { summarizeRefusal } from '../../../src/engine/plan-summary.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { guardInput } from '../guards/support.ts';

const clock = new FakeClock('2026-03-01T12:00:00Z');

describe('plan refusals as guard input', () => {
  it('a quota callback refusal names the class and every quota entity, and blocks with quota-callback', () => {
    const err = new FirebreakError('ACTION_QUOTA_CALLBACK', 'quota:client-id=a, quota:client-id=b: brokers run ...', {
      details: { resource: 'quota:client-id=a, quota:client-id=b', quotaCallbackClass: 'io.strimzi.kafka.quotas.StaticQuotaCallback', brokers: [] },
    });
    const summary = summarizeRefusal(err);
    expect(summary).to.deep.include({ clients: ['client-id=a', 'client-id=b'], quotaCallback: 'io.strimzi.kafka.quotas.StaticQuotaCallback' });
    const d = decide({ ...guardInput(clock, { settings: { mode: 'dry-run' } }), plan: summary });
    expect([d.verdict, d.reason]).to.deep.equal(['block', 'quota-callback']);
    expect(d.detail).to.contain('io.strimzi.kafka.quotas.StaticQuotaCallback');
  });

  it("a broker's validateOnly rejection carries the broker's code and message into the block", () => {
    const err = new FirebreakError('ACTION_BROKER_REJECTED', 'the broker rejects ...', {
      details: { resource: 'topic:orders', brokerCode: 'KAFKA_INVALID_CONFIG', brokerMessage: 'Unknown topic config name: retention.mss' },
    });
    const summary = summarizeRefusal(err);
    expect(summary).to.deep.include({ topics: ['orders'], brokerRejected: { code: 'KAFKA_INVALID_CONFIG', message: 'Unknown topic config name: retention.mss' } });
    const d = decide({ ...guardInput(clock), plan: summary });
    expect([d.verdict, d.reason]).to.deep.equal(['block', 'broker-rejected']);
    expect(d.detail).to.contain('Unknown topic config name: retention.mss');
  });

  it('an error that says nothing about the change gives no summary (plan-unavailable)', () => {
    expect(summarizeRefusal(new FirebreakError('KAFKA_UNREACHABLE', 'down', { retriable: true }))).to.equal(null);
  });
});
