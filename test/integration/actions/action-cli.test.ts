import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { actionHarness, configsOf, quotaOf, type Harness } from './harness.ts';

const BIN = resolve(import.meta.dirname, '../../../bin/firebreak');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/firebreak with only the environment given (plus PATH), to completion. */
function firebreak(args: string[], env: Record<string, string> = {}, bin = BIN): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A port on 127.0.0.1 nothing listens on (asked from the OS, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('firebreak action (the executable, end to end)', function () {
  this.timeout(90_000);
  let cluster: Cluster;
  let h: Harness;
  let dir: string;
  let env: Record<string, string>;

  before(async function () {
    this.timeout(180_000);
    cluster = await useKafka();
    h = actionHarness(cluster);
    dir = await mkdtemp(join(tmpdir(), 'firebreak-cli-'));
    env = { FIREBREAK_KAFKA_BROKERS: cluster.bootstrapServers };
  });

  after(async () => {
    await h?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('runs a read-only action with brokers from FIREBREAK_KAFKA_BROKERS', async () => {
    const run = await firebreak(['action', 'kafka.describeCluster'], env);
    expect(run.code, run.stderr).to.equal(0);
    const doc = JSON.parse(run.stdout) as { action: string; output: { clusterId: string; brokers: unknown[] } };
    expect(doc.action).to.equal('kafka.describeCluster');
    expect(doc.output.clusterId).to.equal(cluster.clusterId);
    expect(doc.output.brokers).to.have.length(cluster.brokers.length);
    // kafkajs's negative timer delay (see src/main.ts) does not reach the operator's terminal.
    expect(run.stderr).not.to.include('TimeoutNegativeWarning');
  });

  it('refuses invalid params with exit 1 and the offending path on stderr', async () => {
    const run = await firebreak(['action', 'kafka.setClientQuota', '--with', '{"entity":{"clientid":"x"},"producerByteRate":1048576}'], env);
    expect(run.code).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.match(/^error ACTION_PARAMS_INVALID: invalid params for kafka.setClientQuota: \/entity\/clientid: is not allowed/);
    expect(run.stderr).not.to.match(/^\s+at /m);
  });

  it('plans with --dry-run, applies, and reverts from its own output', async () => {
    const entity = { 'client-id': uniqueName('cli') };
    const params = JSON.stringify({ entity, producerByteRate: 1_048_576 });

    const dry = await firebreak(['action', 'kafka.setClientQuota', '--with', params, '--dry-run'], env);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(JSON.parse(dry.stdout).plan.changes).to.deep.equal([{ resource: `quota:client-id=${entity['client-id']}`, key: 'producer_byte_rate', from: null, to: 1_048_576 }]);
    expect(await quotaOf(h.admin, entity)).to.deep.equal({});

    const applied = await firebreak(['action', 'kafka.setClientQuota', '--with', params, '--brokers', cluster.bootstrapServers], {});
    expect(applied.code, applied.stderr).to.equal(0);
    const doc = JSON.parse(applied.stdout) as { prior: unknown; applied: unknown };
    expect(doc.prior).to.deep.equal({ entity, values: { producer_byte_rate: null } });
    expect(await quotaOf(h.admin, entity)).to.deep.equal({ producer_byte_rate: 1_048_576 });

    const reverted = await firebreak(['action', 'kafka.setClientQuota', '--revert', applied.stdout], env);
    expect(reverted.code, reverted.stderr).to.equal(0);
    expect(JSON.parse(reverted.stdout).revert.status).to.equal('reverted');
    expect(await quotaOf(h.admin, entity)).to.deep.equal({});

    const again = await firebreak(['action', 'kafka.setClientQuota', '--revert', applied.stdout], env);
    expect(JSON.parse(again.stdout).revert).to.deep.equal({ status: 'already-reverted' });
  });

  it('exits 3 when a revert finds the value changed behind its back', async () => {
    const topic = await createTopic(cluster);
    const applied = await firebreak(['action', 'kafka.setTopicConfig', '--with', JSON.stringify({ topic, configs: { 'retention.ms': '7200000' } })], env);
    expect(applied.code, applied.stderr).to.equal(0);
    await h.execute('kafka.setTopicConfig', { topic, configs: { 'retention.ms': '10800000' } });
    const run = await firebreak(['action', 'kafka.setTopicConfig', '--revert', applied.stdout], env);
    expect(run.code).to.equal(3);
    expect(JSON.parse(run.stdout).revert.conflicts).to.deep.equal([{ resource: `topic:${topic}`, key: 'retention.ms', expected: '7200000', actual: '10800000' }]);
    expect(await configsOf(h.admin, 'topic', topic)).to.deep.equal({ 'retention.ms': '10800000' });
  });

  it('applies the configured safety limits: floors and protected topics from the config file', async () => {
    const config = join(dir, 'firebreak.yaml');
    await writeFile(config, 'safety:\n  minQuotaByteRate: 2097152\n  protectedTopics: ["billing-.*"]\n');
    const low = await firebreak(['action', 'kafka.setClientQuota', '--config', config, '--with', '{"entity":{"user":"u"},"producerByteRate":1048576}'], env);
    expect(low.code).to.equal(1);
    expect(low.stderr).to.match(/^error ACTION_BELOW_FLOOR: producer_byte_rate 1048576 for quota:user=u is below the floor of 2097152 bytes\/s/);
    const guarded = await firebreak(['action', 'kafka.setTopicConfig', '--with', '{"topic":"billing-events","configs":{"retention.ms":"86400000"}}', '--dry-run'], {
      ...env,
      FIREBREAK_CONFIG: config,
    });
    expect(guarded.code).to.equal(1);
    expect(guarded.stderr).to.match(/^error ACTION_PROTECTED_RESOURCE: topic billing-events is protected/);
  });

  it('gives up on brokers that do not answer within --timeout, and exits', async () => {
    const started = Date.now();
    const run = await firebreak(['action', 'kafka.describeCluster', '--brokers', `127.0.0.1:${await deadPort()}`, '--timeout', '2000'], {});
    expect(run.code).to.equal(1);
    expect(run.stderr).to.match(/^error (KAFKA_UNREACHABLE|ACTION_TIMEOUT): /);
    expect(Date.now() - started).to.be.below(20_000);
  });

  it('says how to get Node 24 when only an older node is on PATH', async () => {
    const bin = join(dir, 'repo', 'bin');
    const fakeNode = join(dir, 'old-node');
    await mkdir(bin, { recursive: true });
    await mkdir(fakeNode, { recursive: true });
    await copyFile(BIN, join(bin, 'firebreak'));
    await writeFile(join(fakeNode, 'node'), '#!/bin/sh\nif [ "$1" = "--version" ]; then echo v20.19.0; else echo 20; fi\n');
    await chmod(join(fakeNode, 'node'), 0o755);
    const run = await firebreak(['--help'], { PATH: `${fakeNode}:/usr/bin:/bin` }, join(bin, 'firebreak'));
    expect(run.code).to.equal(127);
    expect(run.stderr).to.include('Node.js 24 or newer is required (found: v20.19.0)').and.to.include("run 'npm ci'");
  });
});
