/**
 * SIGHUP on the real `serve` process reloads the runbooks from the configured path: a set with a
 * broken file is refused and the last good set stays in force; once the file is fixed, the next
 * SIGHUP puts the new set in force.
 */
import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CREDENTIALS_FILE } from '../../../src/config/credentials.ts';
import { ensureStopped, startServe, type ServeProcess } from './serve-process.ts';

function evidenceRunbook(name: string, alertname: string): string {
  return [
    `name: ${name}`,
    'description: Evidence only.',
    `match: ['alertname="${alertname}"']`,
    'groupBy: []',
    'steps:',
    '  - id: cluster',
    '    phase: identification',
    '    action: kafka.describeCluster',
    '',
  ].join('\n');
}

/** Valid YAML, but `containmnet` is no phase: the runbook schema refuses it. */
const BROKEN = evidenceRunbook('sighup-second', 'Second').replace('phase: identification', 'phase: containmnet');

interface RunbookList {
  version: number;
  runbooks: Array<{ name: string }>;
}

describe('serve: SIGHUP reloads the runbooks', () => {
  let dir: string;
  let proc: ServeProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-sighup-'));
  });
  afterEach(async () => {
    await ensureStopped(proc);
    proc = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the last good set when a file is broken, and lists the new set once it is fixed', async function () {
    this.timeout(120_000);
    const runbooksDir = join(dir, 'runbooks');
    const dataDir = join(dir, 'data');
    await mkdir(runbooksDir);
    await writeFile(join(runbooksDir, 'first.yaml'), evidenceRunbook('sighup-first', 'First'));
    proc = await startServe({ cwd: dir, env: { FIREBREAK_LISTEN: '127.0.0.1:0', FIREBREAK_DATA_DIR: dataDir, FIREBREAK_RUNBOOKS: runbooksDir } });
    const credentials = JSON.parse(await readFile(join(dataDir, CREDENTIALS_FILE), 'utf8')) as { apiTokens: Array<{ token: string }> };
    const headers = { authorization: `Bearer ${credentials.apiTokens[0]!.token}` };
    const url = proc.url;
    async function listed(): Promise<RunbookList> {
      const res = await fetch(`${url}/api/v1/runbooks`, { headers });
      expect(res.status).to.equal(200);
      return (await res.json()) as RunbookList;
    }

    const before = await listed();
    expect(before.runbooks.map((r) => r.name)).to.deep.equal(['sighup-first']);

    await writeFile(join(runbooksDir, 'second.yaml'), BROKEN);
    proc.kill('SIGHUP');
    const refused = await proc.waitForLog((l) => l.msg === 'runbook reload refused; the last good set stays in force', 30_000);
    expect(JSON.stringify(refused.problems)).to.include('second.yaml');
    expect(await listed()).to.deep.equal(before);

    await writeFile(join(runbooksDir, 'second.yaml'), evidenceRunbook('sighup-second', 'Second'));
    proc.kill('SIGHUP');
    const reloaded = await proc.waitForLog((l) => l.msg === 'runbooks reloaded', 30_000);
    expect(reloaded.runbooks).to.equal(2);
    const after = await listed();
    expect(after.runbooks.map((r) => r.name).sort()).to.deep.equal(['sighup-first', 'sighup-second']);
    expect(after.version).to.be.greaterThan(before.version);

    // SIGHUP is a reload, never a stop: the process still answers, and stops cleanly on SIGTERM.
    proc.kill('SIGTERM');
    expect((await proc.exited).code).to.equal(0);
  });
});
