/**
 * The pipeline's exporters against both tested Kafka releases: the JMX exporter agent with the
 * shipped rules file serves every broker metric the shipped alert rules read, and kafka-overwatch
 * (through scripts/lag-exporter/run.py) reports a group's lag per topic, including a lag of 0.
 */
import { expect } from 'chai';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveJmxExporterAgent } from '../../scripts/kafka/classpath.ts';
import { startCluster, type Cluster } from '../../scripts/kafka/cluster.ts';
import { installLagExporter, startLagExporter, type LagExporter } from '../../scripts/pipeline/lag-exporter.ts';
import { JMX_RULES_FILE } from '../../scripts/pipeline/pipeline.ts';
import { allRules, metricNames } from '../unit/packaging/promql.ts';
import { waitFor } from '../support/eventually.ts';

/** Broker metrics (JMX) the shipped Kafka alert rules select, read from the rules themselves. */
function brokerMetricsOfTheRules(): string[] {
  const rules = allRules().get('alert-rules/kafka.rules.yml')!;
  return [...new Set(rules.flatMap((r) => metricNames(r.expr)))].filter((n) => /^kafka_(server|controller|log)_/.test(n)).sort();
}

for (const version of ['3.9.1', '4.1.2']) {
  describe(`exporters on Kafka ${version}`, function () {
    this.timeout(180_000);
    let dir: string;
    let cluster: Cluster | undefined;
    let exporter: LagExporter | undefined;
    let kafka: Kafka;

    before(async function () {
      // Includes installing the lag exporter on a machine that has not yet (scripts/lag-exporter/install.sh).
      this.timeout(6 * 60_000);
      await installLagExporter();
      dir = await mkdtemp(join(tmpdir(), 'firebreak-exporters-'));
      const agentJar = await resolveJmxExporterAgent();
      cluster = await startCluster({ dir: join(dir, 'kafka'), version, brokers: 1, jmxExporter: { agentJar, rulesFile: JMX_RULES_FILE }, startTimeoutMs: 150_000 });
      kafka = new Kafka({ brokers: cluster.bootstrapServers.split(','), clientId: 'exporters-test', logLevel: logLevel.NOTHING });
    });

    after(async () => {
      await exporter?.stop();
      await cluster?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('the JMX exporter agent serves every broker metric the alert rules read', async () => {
      const wanted = brokerMetricsOfTheRules();
      expect(wanted).to.include.members([
        'kafka_server_replicamanager_underreplicatedpartitions',
        'kafka_server_replicamanager_underminisrpartitioncount',
        'kafka_controller_kafkacontroller_offlinepartitionscount',
        'kafka_controller_kafkacontroller_activecontrollercount',
        'kafka_log_logmanager_offlinelogdirectorycount',
      ]);
      const text = await (await fetch(`http://127.0.0.1:${cluster!.brokers[0]!.metricsPort}/metrics`)).text();
      const served = new Set(text.split('\n').filter((l) => /^kafka_/.test(l)).map((l) => l.replace(/[{ ].*$/, '')));
      expect(wanted.filter((name) => !served.has(name))).to.deep.equal([]);
      expect(text).to.match(/^kafka_controller_kafkacontroller_activecontrollercount 1\.0$/m);
    });

    it('kafka-overwatch reports the group lag per topic, and a lag of 0 once the group caught up', async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
        const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
        await producer.connect();
        for (const partition of [0, 1]) {
          await producer.send({ topic: 'orders', acks: -1, messages: Array.from({ length: 500 }, () => ({ partition, value: 'x'.repeat(100) })) });
        }
        await producer.disconnect();
        // Committed offsets 100 and 200 of 500 each: 400 + 300 behind.
        await admin.setOffsets({ groupId: 'billing', topic: 'orders', partitions: [{ partition: 0, offset: '100' }, { partition: 1, offset: '200' }] });
        exporter = await startLagExporter({ dir: join(dir, 'lag-exporter'), cluster: 'prod', bootstrapServers: cluster!.bootstrapServers, scanIntervalSeconds: 10 });
        const lag = async () => {
          const text = await (await fetch(`http://${exporter!.target}/metrics`)).text();
          const line = text.split('\n').find((l) => l.startsWith('consumer_group_lag{') && l.includes('consumer_group="billing"') && l.includes('topic_name="orders"'));
          return line === undefined ? undefined : { line, value: Number(line.split(' ').at(-1)) };
        };
        const behind = await waitFor('the lag of billing on orders', async () => ((await lag())?.value === 700 ? await lag() : undefined), { timeoutMs: 90_000, intervalMs: 500 });
        expect(behind.line).to.include('cluster="prod"');
        await admin.setOffsets({ groupId: 'billing', topic: 'orders', partitions: [{ partition: 0, offset: '500' }, { partition: 1, offset: '500' }] });
        await waitFor('a lag of 0 once billing committed the end offsets', async () => ((await lag())?.value === 0 ? true : undefined), { timeoutMs: 60_000, intervalMs: 500 });
      } finally {
        await admin.disconnect();
      }
    });
  });
}
