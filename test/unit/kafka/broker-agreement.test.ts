import { expect } from 'chai';
import { fenceStatus, judgeAnswers, LIVE_CONFIG_SETTLE_MS, type BrokerAnswer } from '../../../src/actions/kafka/agreement.ts';
import { configAgreementKey } from '../../../src/actions/kafka/configs.ts';
import { createWriteFence } from '../../../src/actions/kafka/metadata-log.ts';
import { quotaAgreementKey } from '../../../src/actions/kafka/quotas.ts';
import type { ConfigEntry, QuotaEntry } from '../../../src/actions/kafka/types.ts';
import { FirebreakError } from '../../../src/errors.ts';

type State = { v: number };
const key = (s: State): string => JSON.stringify(s);

function state(brokerId: number, v: number): BrokerAnswer<State> {
  return { brokerId, outcome: { kind: 'state', state: { v } } };
}
function error(brokerId: number, code: string): BrokerAnswer<State> {
  return { brokerId, outcome: { kind: 'error', error: new FirebreakError(code, `${code} from ${brokerId}`, { retriable: true }) } };
}
function behind(brokerId: number, appliedOffset: number): BrokerAnswer<State> {
  return { brokerId, outcome: { kind: 'behind', appliedOffset } };
}

describe('all-brokers reads: agreement of per-broker answers', () => {
  it('returns the state when every broker answers the same', () => {
    expect(judgeAnswers([state(2, 7), state(1, 7), state(3, 7)], key)).to.deep.equal({ kind: 'agreed', state: { v: 7 }, brokers: [1, 2, 3], unreachable: [] });
  });

  it('is inconclusive while one broker still serves the old state, showing each answer', () => {
    expect(judgeAnswers([state(1, 8), state(2, 7), state(3, 8)], key)).to.deep.equal({
      kind: 'inconclusive',
      reason: 'diverged',
      answers: [
        { brokerId: 1, answer: { state: { v: 8 } } },
        { brokerId: 2, answer: { state: { v: 7 } } },
        { brokerId: 3, answer: { state: { v: 8 } } },
      ],
    });
  });

  it('is inconclusive while a broker has not applied the admin\'s last write, even if the others agree', () => {
    const verdict = judgeAnswers([state(1, 8), behind(2, 980), state(3, 8)], key);
    expect(verdict.kind === 'inconclusive' && verdict.reason).to.equal('behind');
    expect(verdict.kind === 'inconclusive' && verdict.answers[1]).to.deep.equal({ brokerId: 2, answer: { behind: 980 } });
  });

  it('leaves out brokers that cannot be connected to, and says which', () => {
    expect(judgeAnswers([state(1, 8), error(2, 'KAFKA_UNREACHABLE'), state(3, 8)], key)).to.deep.equal({
      kind: 'agreed',
      state: { v: 8 },
      brokers: [1, 3],
      unreachable: [2],
    });
  });

  it('does not leave out a broker that answers with an error or times out', () => {
    for (const code of ['KAFKA_TIMEOUT', 'KAFKA_NOT_CONTROLLER', 'KAFKA_UNKNOWN_TOPIC_OR_PARTITION']) {
      const verdict = judgeAnswers([state(1, 8), error(2, code), state(3, 8)], key);
      expect(verdict.kind === 'inconclusive' && verdict.reason, code).to.equal('diverged');
    }
  });

  it('fails with the shared error when every answering broker returns the same one', () => {
    const verdict = judgeAnswers([error(3, 'KAFKA_UNKNOWN_TOPIC_OR_PARTITION'), error(1, 'KAFKA_UNKNOWN_TOPIC_OR_PARTITION'), error(2, 'KAFKA_UNREACHABLE')], key);
    expect(verdict.kind).to.equal('failed');
    expect(verdict.kind === 'failed' && verdict.error.message).to.equal('KAFKA_UNKNOWN_TOPIC_OR_PARTITION from 1');
  });

  it('fails with KAFKA_UNREACHABLE when no broker can be connected to, or none is known', () => {
    const none = judgeAnswers([error(2, 'KAFKA_UNREACHABLE'), error(1, 'KAFKA_UNREACHABLE')], key);
    expect(none.kind === 'failed' && [none.error.code, none.error.message]).to.deep.equal(['KAFKA_UNREACHABLE', 'KAFKA_UNREACHABLE from 1']);
    const empty = judgeAnswers([], key);
    expect(empty.kind === 'failed' && [empty.error.code, empty.error.retriable]).to.deep.equal(['KAFKA_UNREACHABLE', true]);
  });

  it('agrees on the key only: parts outside it come from the lowest broker id', () => {
    const answers: BrokerAnswer<{ v: number; local: string }>[] = [
      { brokerId: 3, outcome: { kind: 'state', state: { v: 1, local: 'c' } } },
      { brokerId: 1, outcome: { kind: 'state', state: { v: 1, local: 'a' } } },
    ];
    const verdict = judgeAnswers(answers, (s) => String(s.v));
    expect(verdict.kind === 'agreed' && verdict.state).to.deep.equal({ v: 1, local: 'a' });
  });
});

describe('all-brokers reads: the write fence', () => {
  it('holds a broker back only while it reports an offset below the admin\'s last write', () => {
    const at = (applied: number | null, required: number | null) => fenceStatus({ required, applied, liveConfig: false, now: 0 });
    expect([at(980, 981), at(981, 981), at(990, 981)]).to.deep.equal(['behind', 'ready', 'ready']);
    // Nothing written, or a broker that does not report its offset: agreement alone decides.
    expect([at(5, null), at(null, 981)]).to.deep.equal(['ready', 'ready']);
  });

  it('counts live-configuration answers once the broker moved past the image with the write', () => {
    const check = { required: 981, liveConfig: true, now: 10_000 };
    expect(fenceStatus({ ...check, applied: 980 })).to.equal('behind');
    // Applied, but the configuration step of that publishing pass may still be running.
    expect(fenceStatus({ ...check, applied: 981 })).to.equal('settling');
    expect(fenceStatus({ ...check, applied: 983, firstSeen: { offset: 983, at: 9_900 } })).to.equal('settling');
    // A later image was published: the pass that applied the write has finished.
    expect(fenceStatus({ ...check, applied: 984, firstSeen: { offset: 983, at: 9_900 } })).to.equal('ready');
    // A log that does not move (no-op records turned off): counts after the bound.
    expect(fenceStatus({ ...check, applied: 983, firstSeen: { offset: 983, at: 10_000 - LIVE_CONFIG_SETTLE_MS } })).to.equal('ready');
  });

  it('rises with each write, and is dropped once every broker reached it, not before a later write is reached', () => {
    const fence = createWriteFence();
    expect(fence.required).to.equal(null);
    fence.raise(100);
    fence.raise(90); // an older position learnt late never lowers it
    expect(fence.required).to.equal(100);
    fence.raise(120);
    fence.satisfied(100); // a read that started before the second write
    expect(fence.required).to.equal(120);
    fence.satisfied(120);
    expect(fence.required).to.equal(null);
  });
});

describe('all-brokers reads: what brokers must agree on', () => {
  it('quotas: the whole answer, whatever order entries and keys come in', () => {
    const a: QuotaEntry[] = [
      { entity: { 'client-id': 'b' }, values: { producer_byte_rate: 1, consumer_byte_rate: 2 } },
      { entity: { user: 'u', 'client-id': null }, values: { request_percentage: 50 } },
    ];
    const b: QuotaEntry[] = [
      { entity: { user: 'u', 'client-id': null }, values: { request_percentage: 50 } },
      { entity: { 'client-id': 'b' }, values: { consumer_byte_rate: 2, producer_byte_rate: 1 } },
    ];
    expect(quotaAgreementKey(a)).to.equal(quotaAgreementKey(b));
    expect(quotaAgreementKey(a)).not.to.equal(quotaAgreementKey([a[0] as QuotaEntry]));
    expect(quotaAgreementKey([{ entity: { 'client-id': 'b' }, values: { producer_byte_rate: 1 } }])).not.to.equal(
      quotaAgreementKey([{ entity: { 'client-id': 'b' }, values: { producer_byte_rate: 2 } }]),
    );
    expect(quotaAgreementKey([{ entity: { user: null }, values: {} }])).not.to.equal(quotaAgreementKey([{ entity: { 'client-id': null }, values: {} }]));
  });

  function entry(name: string, value: string | null, source: string): ConfigEntry {
    return { name, value, source, isDynamic: source.startsWith('DYNAMIC_'), isDefault: source === 'DEFAULT_CONFIG', isSensitive: false };
  }

  it('configs: entries set cluster-wide through the metadata log, not each broker\'s static or own settings', () => {
    const broker1 = [entry('retention.ms', '60000', 'DYNAMIC_TOPIC_CONFIG'), entry('segment.bytes', '1024', 'STATIC_BROKER_CONFIG'), entry('max.message.bytes', '1048588', 'DEFAULT_CONFIG')];
    const broker2 = [entry('max.message.bytes', '2000000', 'DYNAMIC_BROKER_CONFIG'), entry('retention.ms', '60000', 'DYNAMIC_TOPIC_CONFIG'), entry('segment.bytes', '2048', 'STATIC_BROKER_CONFIG')];
    expect(configAgreementKey(broker1)).to.equal(configAgreementKey(broker2));
    // A key deleted on one broker but still set on another: no agreement.
    const stale = [entry('retention.ms', '60000', 'DYNAMIC_TOPIC_CONFIG')];
    const fresh = [entry('retention.ms', '604800000', 'DEFAULT_CONFIG')];
    expect(configAgreementKey(stale)).not.to.equal(configAgreementKey(fresh));
    // Cluster-wide dynamic defaults count too.
    expect(configAgreementKey([entry('log.retention.ms', '1', 'DYNAMIC_DEFAULT_BROKER_CONFIG')])).not.to.equal(
      configAgreementKey([entry('log.retention.ms', '2', 'DYNAMIC_DEFAULT_BROKER_CONFIG')]),
    );
  });
});
