import { expect } from 'chai';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { awaitVisible, readCurrent, type VisibilityTiming } from '../../../src/actions/kafka/actions/live-state.ts';
import type { KafkaAdmin } from '../../../src/actions/kafka/types.ts';
import type { ActionContext } from '../../../src/actions/types.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { FirebreakError } from '../../../src/errors.ts';

/** A context whose logger keeps its lines; the Kafka client is unused (reads are passed in). */
function context(clock: FakeClock, signal?: AbortSignal): { ctx: ActionContext; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const ctx: ActionContext = {
    kafka: undefined as unknown as KafkaAdmin,
    clock,
    logger: pino({ level: 'warn' }, sink),
    limits: { minQuotaByteRate: 1, minRetentionMs: 60_000, protectedTopics: [] },
    ...(signal === undefined ? {} : { signal }),
  };
  return { ctx, lines };
}

const timing: VisibilityTiming = { pollMs: 1, maxWaitMs: 1_000 };

/** A read returning the given values in turn (the last forever), each taking 100 ms of clock. */
function reads<T>(clock: FakeClock, values: Array<T | Error>): { read: () => Promise<T>; count: () => number } {
  let i = 0;
  return {
    read: async () => {
      clock.advance(100);
      const v = values[Math.min(i, values.length - 1)] as T | Error;
      i += 1;
      if (v instanceof Error) throw v;
      return v;
    },
    count: () => i,
  };
}

describe('waiting for an own write to show on every broker', () => {
  it('returns as soon as a read shows the written state', async () => {
    const clock = new FakeClock();
    const { ctx, lines } = context(clock);
    const r = reads(clock, [{ v: 1 }, { v: 1 }, { v: 2 }]);
    expect(await awaitVisible(ctx, 'quota:client-id=a', r.read, (s) => s.v === 2, timing)).to.equal(true);
    expect(r.count()).to.equal(3);
    expect(lines).to.deep.equal([]);
  });

  it('keeps reading through a failed read, since the write itself succeeded', async () => {
    const clock = new FakeClock();
    const { ctx } = context(clock);
    const r = reads<{ v: number }>(clock, [new FirebreakError('KAFKA_BROKERS_DISAGREE', 'x', { retriable: true }), { v: 2 }]);
    expect(await awaitVisible(ctx, 'quota:client-id=a', r.read, (s) => s.v === 2, timing)).to.equal(true);
  });

  it('gives up at the bound with a warning naming the last state, without throwing', async () => {
    const clock = new FakeClock();
    const { ctx, lines } = context(clock);
    const r = reads(clock, [{ v: 3 }]);
    expect(await awaitVisible(ctx, 'topic:orders', r.read, (s) => s.v === 2, timing)).to.equal(false);
    expect(r.count()).to.equal(10);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.deep.include({ resource: 'topic:orders', last: { value: { v: 3 } }, msg: 'change applied but not seen on every broker' });
  });

  it('stops when the step is aborted', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const { ctx, lines } = context(clock, controller.signal);
    let n = 0;
    const read = async () => {
      n += 1;
      if (n === 2) controller.abort();
      return { v: 1 };
    };
    expect(await awaitVisible(ctx, 'topic:orders', read, (s) => s.v === 2, { pollMs: 1, maxWaitMs: 60_000 })).to.equal(false);
    expect(n).to.equal(2);
    expect(lines).to.have.length(1);
  });
});

describe('reading the state an action decides on', () => {
  it('turns brokers that never agree into the retriable ACTION_STATE_UNSETTLED, keeping the cause', async () => {
    const disagree = new FirebreakError('KAFKA_BROKERS_DISAGREE', 'no agreement', { retriable: true, statusCode: 503, details: { brokers: [{ brokerId: 1 }] } });
    let caught: unknown;
    try {
      await readCurrent('quota:client-id=a', async () => {
        throw disagree;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(FirebreakError);
    const err = caught as FirebreakError;
    expect([err.code, err.retriable, err.statusCode, err.cause]).to.deep.equal(['ACTION_STATE_UNSETTLED', true, 503, disagree]);
    expect(err.details).to.deep.equal({ resource: 'quota:client-id=a', brokers: [{ brokerId: 1 }] });
  });

  it('passes other errors and values through unchanged', async () => {
    const unreachable = new FirebreakError('KAFKA_UNREACHABLE', 'down', { retriable: true });
    let caught: unknown;
    try {
      await readCurrent('x', async () => {
        throw unreachable;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).to.equal(unreachable);
    expect(await readCurrent('x', async () => 42)).to.equal(42);
  });
});
