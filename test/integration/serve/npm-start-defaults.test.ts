/**
 * `npm start`, the package script itself, on built-in defaults: dry-run mode, the shipped
 * runbooks, generated credentials, no Kafka brokers. npm runs the script in the package root, so
 * the two settings that would touch this machine beyond the test are set: the listen address
 * (the default port is fixed) and the data directory (the default `./data` is in the repository).
 * SIGTERM to npm reaches the server, which stops cleanly: npm exits 0.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { CREDENTIALS_FILE } from '../../../src/config/credentials.ts';
import { killGroup, startServe, type ServeProcess } from './serve-process.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

describe('npm start with built-in defaults', () => {
  let dir: string;
  let proc: ServeProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-npm-start-'));
  });
  afterEach(async () => {
    await killGroup(proc);
    proc = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('serves in dry-run mode with the shipped runbooks and generated credentials, and exits 0 on SIGTERM', async function () {
    this.timeout(120_000);
    const dataDir = join(dir, 'data');
    proc = await startServe({
      cwd: REPO_ROOT,
      command: { file: 'npm', args: ['start'] },
      detached: true,
      env: {
        // npm runs the script with the Node first on PATH: the project's Node 24 that runs this test.
        PATH: [dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(delimiter),
        // npm's cache and logs go to the temp dir, not to the user's home.
        HOME: dir,
        npm_config_update_notifier: 'false',
        FIREBREAK_LISTEN: '127.0.0.1:0',
        FIREBREAK_DATA_DIR: dataDir,
      },
    });

    const listening = proc.logs.find((l) => l.msg === 'listening')!;
    expect(listening).to.include({ mode: 'dry-run', runbooks: './runbooks', store: `${dataDir}/firebreak.db` });
    const shipped = (await readdir(join(REPO_ROOT, 'runbooks'))).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));
    const loaded = proc.logs.find((l) => l.msg === 'runbooks loaded');
    expect(loaded?.runbooks, 'the shipped runbooks are loaded').to.equal(shipped.length).and.to.be.greaterThan(0);
    // No Alertmanager configured: the operator is told that only maxDuration catches a lost resolve.
    expect(proc.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('reconciliation with Alertmanager is off'))).to.equal(true);

    const health = await fetch(`${proc.url}/healthz`);
    expect(health.status).to.equal(200);
    await health.body?.cancel();

    const path = join(dataDir, CREDENTIALS_FILE);
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
    const credentials = JSON.parse(await readFile(path, 'utf8')) as { apiTokens: Array<{ token: string }> };
    const automation = await fetch(`${proc.url}/api/v1/automation`, { headers: { authorization: `Bearer ${credentials.apiTokens[0]!.token}` } });
    expect(automation.status).to.equal(200);
    expect(await automation.json()).to.deep.include({ mode: 'dry-run' });
    const anonymous = await fetch(`${proc.url}/api/v1/automation`);
    expect(anonymous.status).to.equal(401);
    await anonymous.body?.cancel();

    proc.kill('SIGTERM');
    expect(await proc.exited).to.deep.equal({ code: 0, signal: null });
    expect(proc.logs.some((l) => l.msg === 'stopped')).to.equal(true);
  });
});
