import { expect } from 'chai';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { configsSettled, dynamicConfigs } from '../actions/harness.ts';
import { produce } from '../actions/kafka-clients.ts';
import { notification, reasonOf, startRunbookApp, stepTrail, type RunbookApp } from './runbook-harness.ts';

function diskAlert(severity: 'warning' | 'critical'): { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string } {
  return {
    labels: { alertname: 'KafkaBrokerDiskUsageHigh', cluster: 'test', instance: 'kafka-2:9100', mountpoint: '/var/lib/kafka', severity },
    annotations: {
      summary: 'Kafka cluster test: data disk /var/lib/kafka of kafka-2:9100 is almost full',
      description: 'Only 8% of /var/lib/kafka on kafka-2:9100 (cluster test) is available (threshold 10 %).',
    },
    startsAt: new Date(Date.now() - 6 * 60_000).toISOString(),
  };
}

describe('shipped runbook disk-usage, for real', function () {
  this.timeout(180_000);
  let cluster: Cluster;
  let h: RunbookApp | undefined;

  before(async function () {
    this.timeout(180_000);
    cluster = await useKafka();
  });

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /**
   * The shared cluster holds other tests' topics: only this test's topics are left unprotected
   * (safety.protectedTopics, the same setting an operator uses), so the cut can touch nothing else.
   */
  function onlyOwnTopics(prefix: string): { protectedTopics: string[] } {
    return { protectedTopics: [`(?!${prefix}-).*`] };
  }

  it('cuts retention on the largest unprotected topics for the critical alert, and keeps the cut until reverted by hand', async () => {
    const prefix = uniqueName('disk');
    const big = await createTopic(cluster, { prefix: `${prefix}-big`, configs: { 'retention.ms': '604800000' } });
    const short = await createTopic(cluster, { prefix: `${prefix}-short`, configs: { 'retention.ms': '600000' } });
    const medium = await createTopic(cluster, { prefix: `${prefix}-medium` });
    await produce(cluster, big, [0], 900, 10_000);
    await produce(cluster, short, [0], 700, 10_000);
    await produce(cluster, medium, [0], 500, 10_000);

    h = await startRunbookApp(cluster, { runbooks: ['disk-usage'], params: { 'disk-usage': { candidates: '200' } }, safety: onlyOwnTopics(prefix) });
    const alert = diskAlert('critical');
    await h.post(notification('firing', alert));
    const id = await h.onlyIncident();
    let entries = await h.timeline(id);
    // A blocked cut says why (its guard reason and plan error) in the failure message.
    const blocked = entries.find((e) => e.kind === 'step.blocked' && e.data['stepId'] === 'cut');
    expect(stepTrail(entries), JSON.stringify(blocked?.data ?? null)).to.deep.equal([
      ['step.started', 'usage'],
      ['step.succeeded', 'usage'],
      ['step.started', 'cluster'],
      ['step.succeeded', 'cluster'],
      ['step.started', 'cut'],
      ['step.succeeded', 'cut'],
    ]);
    const cut = entries.find((e) => e.kind === 'step.succeeded' && e.data['stepId'] === 'cut')?.data['output'] as {
      changed: Array<{ topic: string; toMs: number }>;
      skipped: Array<{ topic: string; reason: string }>;
    };
    expect(cut.changed.map((c) => [c.topic, c.toMs])).to.deep.equal([
      [big, 21_600_000],
      [medium, 21_600_000],
    ]);
    expect(cut.skipped).to.deep.include({ topic: short, reason: 'already-lower', retentionMs: 600_000 });
    expect(cut.skipped.filter((s) => s.reason === 'protected').every((s) => !s.topic.startsWith(prefix))).to.equal(true);
    await configsSettled(h.admin, 'topic', big, { 'retention.ms': '21600000' });
    await configsSettled(h.admin, 'topic', medium, { 'retention.ms': '21600000' });
    expect((await dynamicConfigs(h.admin, 'topic', short))['retention.ms']).to.equal('600000');
    expect((await h.store.getIncident(id))?.status).to.equal('contained');

    // Resolution undoes nothing: the cut is `revert: manual`.
    await h.post(notification('resolved', { ...alert, endsAt: new Date().toISOString() }));
    entries = await h.timeline(id);
    expect(entries.filter((e) => e.kind.startsWith('revert.'))).to.deep.equal([]);
    expect(stepTrail(entries).slice(-2)).to.deep.equal([
      ['step.started', 'after'],
      ['step.succeeded', 'after'],
    ]);
    await configsSettled(h.admin, 'topic', big, { 'retention.ms': '21600000' });

    // By hand (firebreak revert): each topic gets its own retention back.
    const report = await h.app.engine!.revert(id, { actor: 'alice' });
    expect(JSON.stringify(report)).to.contain('reverted');
    await configsSettled(h.admin, 'topic', big, { 'retention.ms': '604800000' });
    await configsSettled(h.admin, 'topic', medium, {});
    const reverted = (await h.timeline(id)).find((e) => e.kind === 'revert.succeeded');
    expect(reverted?.actor).to.equal('alice');
  });

  it('only gathers evidence for the warning alert', async () => {
    const prefix = uniqueName('disk');
    const topic = await createTopic(cluster, { prefix: `${prefix}-only` });
    h = await startRunbookApp(cluster, { runbooks: ['disk-usage'], safety: onlyOwnTopics(prefix) });
    await h.post(notification('firing', diskAlert('warning')));
    const id = await h.onlyIncident();
    const entries = await h.timeline(id);
    expect(reasonOf(entries, 'step.skipped', 'cut')).to.equal('condition-false');
    expect(await dynamicConfigs(h.admin, 'topic', topic)).to.deep.equal({});
  });
});
