/**
 * A retention cut judged against real consumer groups: a cut whose new log start would pass a
 * group's committed offset is refused (by the action, and by the engine's `data-loss` guard) and
 * the log start does not move; a safe cut goes ahead, says what it frees, and frees it.
 */
import { expect } from 'chai';
import type { RetentionImpact } from '../../../src/actions/kafka/actions/retention-impact.ts';
import { eventually } from '../../support/eventually.ts';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { commitOffsets } from '../kafka/admin-support.ts';
import { engineAlert, startEngineApp } from '../engine/engine-app.ts';
import { actionHarness, configsOf, rejection, type Harness } from './harness.ts';
import { produceAged } from './kafka-clients.ts';

const HOUR = 3_600_000;
const RECORDS = 3000;

describe('retention cuts and consumer groups (data loss)', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  let h: Harness;

  before(async function () {
    this.timeout(240_000);
    cluster = await useKafka();
    h = actionHarness(cluster);
  });
  after(async () => {
    await h?.close();
  });

  /** A topic of 3000 two-hour-old 1 KiB records in 1 MiB segments, and a group committed at `committed`. */
  async function agedTopic(committed: number): Promise<{ topic: string; group: string }> {
    const topic = await createTopic(cluster, { configs: { 'segment.bytes': '1048576' } });
    await produceAged(cluster, topic, RECORDS, 1024, 2 * HOUR);
    const group = uniqueName('group');
    await commitOffsets(cluster, group, topic, [{ partition: 0, offset: String(committed) }]);
    return { topic, group };
  }

  it('refuses a cut that would delete records a group has not read, and the log start stays', async () => {
    const { topic, group } = await agedTopic(100);
    const plan = await h.plan('kafka.cutRetention', { topics: [topic], retentionMs: HOUR });
    expect(plan.dataLoss).to.deep.equal([{ topic, group, partition: 0, committedOffset: 100, newLogStartAtMost: RECORDS, unreadRecords: RECORDS - 100 }]);
    expect(plan.summary).to.contain('DATA LOSS').and.to.contain(group);
    const err = await rejection(h.execute('kafka.cutRetention', { topics: [topic], retentionMs: HOUR }));
    expect(err.code).to.equal('ACTION_DATA_LOSS');
    expect(err.message).to.contain(group);
    expect(await configsOf(h.admin, 'topic', topic, ['retention.ms'])).to.deep.equal({});
    expect((await h.admin.topicOffsets(topic))[0]).to.deep.include({ start: 0, end: RECORDS });
  });

  it('the engine blocks the step with data-loss, and the log start does not pass the group', async () => {
    const { topic, group } = await agedTopic(100);
    const app = await startEngineApp(cluster, { mode: 'enforce' });
    try {
      await app.post(engineAlert('EngineTestRetentionCut', topic, 'firing'));
      const id = await app.incidentByKey(`engine-retention-cut{client="${topic}"}`);
      const blocked = await app.waitForEntry(id, (e) => e.kind === 'step.blocked', 'the blocked step');
      expect(blocked.data.decision).to.deep.include({ verdict: 'block', reason: 'data-loss' });
      expect((blocked.data.decision as { detail: string }).detail).to.contain(group).and.to.contain(String(RECORDS - 100));
      expect(await configsOf(h.admin, 'topic', topic, ['retention.ms'])).to.deep.equal({});
      // Several retention checks (1 s apart on the test cluster) later, nothing was deleted.
      await new Promise((r) => setTimeout(r, 3_000));
      expect((await h.admin.topicOffsets(topic))[0]?.start).to.equal(0);
    } finally {
      await app.close();
    }
  });

  it('goes ahead with a cut every group has read past, says what it frees, and frees it', async () => {
    const { topic } = await agedTopic(RECORDS);
    const bytesOf = async () => (await h.admin.describeLogDirs()).flatMap((d) => d.partitions).filter((p) => p.topic === topic).reduce((s, p) => s + p.sizeBytes, 0);
    const before = await bytesOf();
    const plan = await h.plan('kafka.cutRetention', { topics: [topic], retentionMs: HOUR });
    expect(plan.dataLoss).to.deep.equal([]);
    const impact = plan.retention?.[0] as RetentionImpact;
    expect(impact).to.deep.include({ topic, key: 'retention.ms', value: HOUR, bytesNow: before, checkIntervalMs: 1000 });
    expect(impact.expectedFreedBytes).to.equal(before);
    const { output } = await h.execute('kafka.cutRetention', { topics: [topic], retentionMs: HOUR });
    expect((output as { impact: RetentionImpact[] }).impact[0]?.expectedFreedBytes).to.equal(before);
    await eventually(async () => expect((await h.admin.topicOffsets(topic))[0]?.start).to.equal(RECORDS), { what: 'the log start to reach the end', timeoutMs: 30_000 });
    await eventually(async () => expect(await bytesOf()).to.be.lessThan(before / 10), { what: 'the bytes to be freed', timeoutMs: 30_000 });
  });
});
