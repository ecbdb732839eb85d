/**
 * A SQLite store on a disk that fills up, then on a file system that turns read-only: readiness
 * (Store.ping, behind GET /readyz) says the store cannot write, and recovers without a restart
 * when space returns; `serve` refuses to start on a read-only store instead of looking ready.
 *
 * Real file systems: a 4 MiB tmpfs in a private user and mount namespace (`unshare`, util-linux;
 * no root needed), where the scenario runs (full-or-read-only-disk.ts).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCENARIO = join(import.meta.dirname, 'full-or-read-only-disk.ts');

function runInNamespace(mount: string, elsewhere: string): Promise<{ code: number | null; out: string; err: string }> {
  const script = `mount -t tmpfs -o size=4m tmpfs "$1" && exec "$2" "$3" "$1" "$4"`;
  const child = spawn('unshare', ['--user', '--map-root-user', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', mount, process.execPath, SCENARIO, elsewhere], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

describe('a SQLite store that cannot write', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-writability-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is not ready on a full disk or a read-only file system, ready again when space returns, and refused by serve at start', async () => {
    await mkdir(join(dir, 'mnt'));
    const run = await runInNamespace(join(dir, 'mnt'), join(dir, 'data'));
    expect(run.code, run.err).to.equal(0);
    const steps = run.out.trim().split('\n').map((l) => JSON.parse(l) as { step: string; code: string; message?: string });
    expect(steps.map((s) => [s.step, s.code])).to.deep.equal([
      ['ping', 'ok'],
      ['ping on a full disk', 'STORE_UNAVAILABLE'],
      ['append on a full disk', 'STORE_UNAVAILABLE'],
      ['ping after space returned', 'ok'],
      ['append after space returned', 'ok'],
      ['read on a read-only file system', 'ok'],
      ['ping on a read-only file system', 'STORE_FILE_ERROR'],
      ['serve with a read-only store', 'STORE_FILE_ERROR'],
    ]);
    expect(steps[1]?.message).to.match(/cannot be written|is full/);
    expect(steps[6]?.message).to.match(/cannot be written: .*readonly/);
  });
});
