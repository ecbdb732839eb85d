import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { attachCluster } from '../../../scripts/kafka/cluster.ts';
import { fetchMetadata, parseBootstrap } from '../../../scripts/kafka/wire.ts';
import { waitFor } from '../../support/eventually.ts';
import { testKafkaVersion } from '../../support/kafka.ts';
import { accepts, processExists } from './os-checks.ts';

const CLI = resolve(import.meta.dirname, '../../../scripts/kafka/cli.ts');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run kafka -- <args>` the way npm does: this Node running scripts/kafka/cli.ts. */
function kafkaCli(args: string[]): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

describe('npm run kafka (CLI)', function () {
  this.timeout(180_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-cli-'));
  });

  after(async () => {
    // The CLI's brokers outlive the CLI by design: make sure a failed test leaves none behind.
    await (await attachCluster(dir))?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a cluster that outlives the command, reports it, refuses to start twice, and stops it', async () => {
    const start = await kafkaCli(['start', '--dir', dir, '--version', testKafkaVersion()]);
    expect(start.code, start.stderr).to.equal(0);
    const bootstrap = lastLine(start.stdout);
    expect(bootstrap).to.match(/^127\.0\.0\.1:\d+$/);
    expect(start.stderr).to.contain('serving');

    // The command has exited; its broker still serves.
    const [address] = parseBootstrap(bootstrap);
    const md = await fetchMetadata(address!, []);
    expect(md.brokers.map((b) => b.port)).to.deep.equal([address!.port]);

    const status = await kafkaCli(['status', '--dir', dir]);
    expect(status.code).to.equal(0);
    expect(status.stdout).to.contain(`Kafka ${testKafkaVersion()}`);
    expect(status.stdout).to.match(/node 1 .* pid \d+/);
    expect(lastLine(status.stdout)).to.equal(bootstrap);
    const pid = Number(/pid (\d+)/.exec(status.stdout)![1]);

    const again = await kafkaCli(['start', '--dir', dir]);
    expect(again.code).to.equal(0);
    expect(again.stderr).to.contain('already running');
    expect(lastLine(again.stdout)).to.equal(bootstrap);

    const stop = await kafkaCli(['stop', '--dir', dir]);
    expect(stop.code, stop.stderr).to.equal(0);
    // The broker has exited; init reaps it (it is no longer our child) a moment later.
    await waitFor(`pid ${pid} gone`, () => !processExists(pid) || undefined, { timeoutMs: 15_000, intervalMs: 50 });
    expect(await accepts(address!.port)).to.equal(false);

    const after = await kafkaCli(['status', '--dir', dir]);
    expect(after.code).to.equal(3);
    expect(after.stdout).to.contain('not running');
  });

  it('rejects an unknown command with usage and exit code 2', async () => {
    const result = await kafkaCli(['launch']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('usage: npm run kafka');
  });
});
