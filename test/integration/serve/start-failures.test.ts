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

  it('refuses a PostgreSQL store for now with CONFIG_STORE_UNSUPPORTED, before writing anything', async () => {
    proc = spawnFirebreak({ cwd: dir, env: { FIREBREAK_DATA_DIR: join(dir, 'data'), FIREBREAK_STORE: 'postgres://firebreak@127.0.0.1/firebreak' } });
    expect((await proc.exited).code).to.equal(1);
    expect(proc.output().stderr).to.match(/^error CONFIG_STORE_UNSUPPORTED: a PostgreSQL store is not supported yet/m);
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
