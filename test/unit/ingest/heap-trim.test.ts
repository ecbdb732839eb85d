import { expect } from 'chai';
import { getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fullCollector, heapTrim, TRIM_FLOOR_BYTES, TRIM_GROWTH_BYTES, TRIM_MAX_SHARE } from '../../../src/ingest/heap-trim.ts';

const MiB = 2 ** 20;

describe('ingest thread heap trimming', () => {
  it('gets a full collector that reclaims garbage, without leaving gc() in other contexts', () => {
    const collect = fullCollector();
    expect(collect).to.be.a('function');
    collect?.();
    const base = getHeapStatistics().used_heap_size;
    let junk: string[] | null = Array.from({ length: 200_000 }, (_, i) => `${'x'.repeat(60)}${i}`);
    expect(junk.length).to.equal(200_000);
    junk = null;
    const before = getHeapStatistics().used_heap_size;
    collect?.();
    const after = getHeapStatistics().used_heap_size;
    expect(before - base).to.be.greaterThan(8 * MiB);
    expect(after).to.be.lessThan(base + 4 * MiB);
    expect(runInNewContext('typeof gc')).to.equal('undefined');
  });

  it('collects only once the heap has grown past the floor and then past what was live', () => {
    let used = 10 * MiB;
    let collections = 0;
    let clock = 0;
    const trim = heapTrim(
      () => {
        collections += 1;
        used = 30 * MiB;
        clock += 10;
      },
      () => used,
      () => clock,
    );
    expect(trim.check()).to.equal(null);
    used = TRIM_FLOOR_BYTES - 1;
    expect(trim.check()).to.equal(null);
    used = TRIM_FLOOR_BYTES;
    expect(trim.check()).to.be.a('number');
    expect(collections).to.equal(1);
    expect(trim.liveBytes).to.equal(30 * MiB);
    // 30 MiB live: the next collection only past 30 + max(8, 30 / 4) MiB.
    used = 30 * MiB + TRIM_GROWTH_BYTES - 1;
    expect(trim.check()).to.equal(null);
    used = 30 * MiB + TRIM_GROWTH_BYTES;
    // A 10 ms pause: none for 10 / share ms after it.
    clock += 10 / TRIM_MAX_SHARE - 1;
    expect(trim.check()).to.equal(null);
    clock += 1;
    expect(trim.check()).to.equal(10);
    expect(collections).to.equal(2);
  });

  it('does nothing without a collector', () => {
    const trim = heapTrim(null, () => 1_000 * MiB);
    expect(trim.check()).to.equal(null);
  });
});
