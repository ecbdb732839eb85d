import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import type { KafkaAdmin } from '../../../src/actions/kafka/types.ts';
import { runCli } from '../../../src/cli/run.ts';
import type { CliIo } from '../../../src/cli/types.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import type { Simulation } from '../../../src/engine/index.ts';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { dynamicConfigs } from '../actions/harness.ts';
import { produce } from '../actions/kafka-clients.ts';
import { notification } from './runbook-harness.ts';

describe('firebreak simulate with the shipped runbooks against a real cluster', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  let dir: string;
  let admin: KafkaAdmin;
  let prefix: string;
  let big: string;
  let medium: string;

  before(async function () {
    this.timeout(180_000);
    cluster = await useKafka();
    admin = createKafkaAdmin({ brokers: cluster.bootstrapServers.split(','), clientId: 'firebreak-test-checks' }, { logger: silentLogger() });
    prefix = uniqueName('sim');
    big = await createTopic(cluster, { prefix: `${prefix}-big`, configs: { 'retention.ms': '604800000' } });
    medium = await createTopic(cluster, { prefix: `${prefix}-medium` });
    await produce(cluster, big, [0], 400, 10_000);
    await produce(cluster, medium, [0], 200, 10_000);
  });

  after(async () => {
    await admin?.close();
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-simulate-'));
    // Only this test's topics are unprotected, as in the disk-usage runbook test.
    await writeFile(join(dir, 'firebreak.yaml'), [`dataDir: ${dir}`, 'safety:', `  protectedTopics: ['(?!${prefix}-).*']`, ''].join('\n'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the CLI in-process, the way bin/firebreak does, with captured output. */
  async function simulate(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const opened: KafkaAdmin[] = [];
    const io: CliIo = {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      env: { FIREBREAK_CONFIG: join(dir, 'firebreak.yaml') },
      readFile: (path) => readFileSync(path, 'utf8'),
      debug: false,
      logger: silentLogger(),
      clock: systemClock,
      actions: createActionRegistry(),
      connectKafka: async (options) => {
        const client = createKafkaAdmin(options, { logger: silentLogger() });
        opened.push(client);
        return client;
      },
    };
    const code = await runCli(['simulate', ...args], io);
    expect(opened.length).to.be.at.most(1);
    return { code, out, err };
  }

  async function diskAlertFile(severity: string, status: 'firing' | 'resolved'): Promise<string> {
    const file = join(dir, 'alert.json');
    const labels = { alertname: 'KafkaBrokerDiskUsageHigh', cluster: 'test', instance: 'kafka-2:9100', mountpoint: '/var/lib/kafka', severity };
    await writeFile(file, JSON.stringify(notification(status, { labels, annotations: { summary: 'disk almost full' }, startsAt: new Date().toISOString() })));
    return file;
  }

  async function ownConfigs(): Promise<unknown> {
    return { big: await dynamicConfigs(admin, 'topic', big), medium: await dynamicConfigs(admin, 'topic', medium) };
  }

  it('renders the retention cut from real evidence and plans it, changing no topic and storing nothing', async () => {
    const before = await ownConfigs();
    const file = await diskAlertFile('critical', 'firing');
    const { code, out, err } = await simulate([file, '--runbooks', 'runbooks', '--brokers', cluster.bootstrapServers, '--json']);
    expect(err).to.equal('');
    expect(code).to.equal(0);
    const sim = JSON.parse(out) as Simulation;
    expect(sim.mode).to.equal('dry-run');
    const [alert] = sim.alerts;
    expect(alert?.runbook).to.equal('disk-usage');
    expect(alert?.incidentKey).to.equal('disk-usage{cluster="test"}');
    const [incident] = sim.incidents;
    expect(incident?.id).to.equal(alert?.incidentId);
    const steps = Object.fromEntries((incident?.runs[0]?.steps ?? []).map((s) => [s.id, s]));
    expect(steps['usage']?.notGathered).to.equal(null);
    expect(steps['cut']?.dependsOn).to.deep.equal([]);
    expect(steps['usage']?.decision?.reason).to.equal('read-only');
    expect((steps['usage']?.output as { topics: Array<{ topic: string }> }).topics.map((t) => t.topic)).to.include.members([big, medium]);
    const cut = steps['cut'];
    expect(cut?.condition).to.equal(true);
    expect((cut?.params as { topics: string[] }).topics).to.include.members([big, medium]);
    expect(cut?.plan?.changes).to.deep.equal([
      { resource: `topic:${big}`, key: 'retention.ms', from: '604800000', to: '21600000' },
      { resource: `topic:${medium}`, key: 'retention.ms', from: null, to: '21600000' },
    ]);
    expect(cut?.decision).to.deep.include({ verdict: 'dry-run', reason: 'mode-dry-run' });

    expect(await ownConfigs()).to.deep.equal(before);
    expect(existsSync(join(dir, 'firebreak.db'))).to.equal(false);
  });

  it('shows what enforce mode would allow, in text, still changing nothing', async () => {
    const before = await ownConfigs();
    const file = await diskAlertFile('critical', 'firing');
    const { code, out } = await simulate([file, '--runbooks', 'runbooks', '--brokers', cluster.bootstrapServers, '--mode', 'enforce']);
    expect(code).to.equal(0);
    expect(out).to.match(/^mode: enforce\n/);
    expect(out).to.contain('  runbook: disk-usage\n');
    expect(out).to.contain('    3. cut  containment  kafka.cutRetention  (mutating, revert manual)\n');
    expect(out).to.contain(`         topic:${big} retention.ms: "604800000" -> "21600000"\n`);
    expect(out).to.contain('       decision: run (allowed)');
    expect(await ownConfigs()).to.deep.equal(before);
  });

  it('takes a single alert object and shows the resolved steps and what would be reverted', async () => {
    const file = join(dir, 'one-alert.json');
    const labels = { alertname: 'KafkaConsumerGroupLagHigh', cluster: 'test', consumergroup: 'billing', topic: 'orders', severity: 'warning' };
    await writeFile(file, JSON.stringify({ labels, status: 'resolved', startsAt: '2026-01-01T00:00:00Z', endsAt: '2026-01-01T00:30:00Z' }));
    const { code, out } = await simulate([file, '--runbooks', 'runbooks', '--json']);
    expect(code).to.equal(0);
    const sim = JSON.parse(out) as Simulation;
    expect(sim.alerts[0]?.runbook).to.equal('consumer-lag');
    const [run] = sim.incidents[0]?.runs ?? [];
    expect(run?.trigger).to.equal('resolved');
    expect(run?.reverts).to.deep.equal(['throttle']);
    expect(run?.steps.map((s) => s.id)).to.deep.equal(['recheck', 'verify']);
    expect(run?.steps[1]?.params).to.deep.include({ expect: '< 1000', for: '2m' });
    expect(run?.steps[1]?.notGathered).to.equal('a simulation executes only Kafka reads');
  });

  it('names the runbooks\' problems and exits 1 when they do not load', async () => {
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'name: broken\ndescription: x\nmatch: [\'alertname="X"\']\ngroupBy: []\nsteps:\n  - id: a\n    phase: identification\n    action: kafka.noSuchAction\n');
    const file = await diskAlertFile('critical', 'firing');
    const { code, err } = await simulate([file, '--runbooks', broken]);
    expect(code).to.equal(1);
    expect(err).to.match(/^error RUNBOOK_INVALID: /);
  });
});
