/**
 * How a producer throttle treats the producers (the pure judgement of producer-safety.ts): the
 * floor that keeps the brokers' first delay within their delivery timeout, and how long the
 * throttle may hold before their clients drop records, checked against what real Java producers
 * did: throttled to an eighth of their rate with the default 120 s delivery timeout, records
 * started expiring 137 s into the throttle without a first delay.
 */
import { expect } from 'chai';
import { producerSafety, PRODUCER_BUFFER_BYTES, PRODUCER_DELIVERY_TIMEOUT_MS } from '../../../src/actions/kafka/actions/producer-safety.ts';
import { producerSettings } from '../../../src/actions/kafka/actions/throttle-producers.ts';

const DEFAULTS = { deliveryTimeoutMs: PRODUCER_DELIVERY_TIMEOUT_MS, bufferBytes: PRODUCER_BUFFER_BYTES };
const WINDOW = 11_000;

describe('producer-safe throttling', () => {
  it('needs no hold limit when the first delay and a full buffer\'s drain fit in the delivery timeout', () => {
    // 600,000 B/s measured counts as 900,000: still below the quota.
    const slower = producerSafety(1_048_576, { bytesPerSecond: 600_000, source: 'brokers' }, DEFAULTS, WINDOW);
    expect(slower).to.deep.include({ case: 'buffer-drains', rate: 1_048_576, firstDelayMs: null, drainMs: 32_000, expiresAfterMs: null, holdLimitMs: null });
    // Measured 2,796,203 B/s, counted as 4 MiB/s (RATE_MARGIN).
    const faster = producerSafety(1_048_576, { bytesPerSecond: 2_796_203, source: 'prometheus-clients' }, DEFAULTS, WINDOW);
    // (4 - 1) x 11 s + 32 s fits in 120 s - 10 s.
    expect(faster).to.deep.include({ case: 'buffer-drains', firstDelayMs: 33_000, holdLimitMs: null });
    expect(faster.summary).to.contain('The brokers may first hold them back for about 33s at once.');
    expect(faster.summary).to.contain('no record waits their delivery.timeout.ms of 2m, however long the throttle holds');
  });

  it('bounds a throttle to an eighth of the producers\' rate before the expiry the queue predicts', () => {
    // Measured 546,134 B/s, counted as 819,201 (RATE_MARGIN): eight times the quota.
    const s = producerSafety(102_400, { bytesPerSecond: 546_134, source: 'prometheus-clients' }, DEFAULTS, WINDOW);
    expect(s).to.deep.include({ case: 'bounded', rate: 102_400, floor: 74_473, firstDelayMs: 77_000 });
    // 120 s / (1 - 1/8) - 11 s = 126.1 s; (120 s - 10 s) / (7/8) - 11 s = 114.7 s.
    expect(s.expiresAfterMs).to.equal(126_143);
    expect(s.holdLimitMs).to.equal(114_714);
    expect(s.summary).to.match(/^RISK: /);
    expect(s.summary).to.contain('at the 546134 B/s they write now (prometheus-clients; counted as 819201 B/s) the client drops records once the throttle has held about 2m 6s');
    expect(s.summary).to.contain('the throttle is released after 1m 54s');
  });

  it('raises a rate below the floor, where the brokers\' first delay alone would outlast the delivery timeout', () => {
    const s = producerSafety(4_096, { bytesPerSecond: 27_307, source: 'brokers' }, { deliveryTimeoutMs: 30_000, bufferBytes: PRODUCER_BUFFER_BYTES }, WINDOW);
    // 27307 x 1.5 = 40960.5 B/s; x 11 s / (30 s - 10 s + 11 s)
    expect(s).to.deep.include({ requestedRate: 4_096, floor: 14_535, rate: 14_535, firstDelayMs: 19_999, case: 'bounded', expiresAfterMs: 35_501, holdLimitMs: 20_001 });
    expect(s.summary).to.match(/^Raised from 4096 B\/s to 14535 B\/s, the floor at their rate/);
  });

  it('assumes the worst when the produce rate is unknown, or not above the quota now (the producers may speed up)', () => {
    for (const observed of [{ bytesPerSecond: null, source: null }, { bytesPerSecond: 2_000, source: 'brokers' }] as const) {
      const s = producerSafety(4_096, observed, DEFAULTS, WINDOW);
      expect(s).to.deep.include({ case: 'bounded', rate: 4_096, expiresAfterMs: 120_000, holdLimitMs: 99_000 });
    }
    const unknown = producerSafety(4_096, { bytesPerSecond: null, source: null, note: 'no topic to measure' }, DEFAULTS, WINDOW);
    expect(unknown.floor).to.equal(null);
    expect(unknown.summary).to.contain('Their rate is unknown, so no floor keeps the brokers\' first delay within their delivery timeout.');
    expect(unknown.summary).to.contain('at an unknown produce rate (no topic to measure)');
  });

  it('reads the producers\' settings from the params, the Java client\'s defaults otherwise, and refuses a delivery timeout under a second', () => {
    expect(producerSettings({})).to.deep.equal(DEFAULTS);
    expect(producerSettings({ deliveryTimeout: '30s', bufferMemory: 1_048_576 })).to.deep.equal({ deliveryTimeoutMs: 30_000, bufferBytes: 1_048_576 });
    expect(() => producerSettings({ deliveryTimeout: '500ms' })).to.throw(/deliveryTimeout 500ms must be a duration of at least 1s/);
  });
});
