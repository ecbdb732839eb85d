/**
 * `firebreak serve` refuses to start, with a stable code on stderr and exit status 1, when its
 * configuration cannot work, and writes nothing when it does.
 */
import { expect } from 'chai';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureStopped, spawnFirebreak } from './serve-process.ts';

describe('serve: start failures', () => {
  let dir: string;
  let proc: ReturnType<typeof spawnFirebreak> | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-start-'));
  });
  afterEach(async () => {
    await ensureStopped(proc);
    proc = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('fails with STORE_UNAVAILABLE when its PostgreSQL cannot be reached, before writing anything and without the password', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const env = { FIREBREAK_DATA_DIR: join(dir, 'data'), FIREBREAK_STORE: `postgres://firebreak:pw-not-logged@127.0.0.1:${port}/firebreak` };
    proc = spawnFirebreak({ cwd: dir, env });
    expect((await proc.exited).code).to.equal(1);
    expect(proc.output().stderr).to.match(/^error STORE_UNAVAILABLE: open postgres:\/\/firebreak:\*\*\*@127\.0\.0\.1:\d+\/firebreak: .*ECONNREFUSED/m);
    expect(proc.output().stderr + proc.output().stdout).to.not.include('pw-not-logged');
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('refuses an invalid configuration file with the offending key', async () => {
    await writeFile(join(dir, 'firebreak.yaml'), 'listen: 127.0.0.1:0\nwebhook:\n  tokn: abcdefghijklmnopqrstuvwxyz\n');
    proc = spawnFirebreak({ cwd: dir, env: {}, args: ['--config', 'firebreak.yaml'] });
    expect((await proc.exited).code).to.equal(1);
    expect(proc.output().stderr).to.include('error CONFIG_INVALID: config file firebreak.yaml: /webhook/tokn unknown key');
  });

  it('refuses an unknown flag as a usage error (exit status 2)', async () => {
    proc = spawnFirebreak({ cwd: dir, env: {}, args: ['--port', '80'] });
    expect((await proc.exited).code).to.equal(2);
    expect(proc.output().stderr).to.match(/^error CLI_USAGE: /m);
  });

  it('fails with SERVE_LISTEN_FAILED when the port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as { port: number };
      proc = spawnFirebreak({ cwd: dir, env: { FIREBREAK_LISTEN: `127.0.0.1:${port}`, FIREBREAK_DATA_DIR: dir, FIREBREAK_AUTH_DISABLED: 'true' } });
      expect((await proc.exited).code).to.equal(1);
      expect(proc.output().stderr).to.match(new RegExp(`^error SERVE_LISTEN_FAILED: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`, 'm'));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
