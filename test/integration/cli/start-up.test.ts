/**
 * What a command costs to start: `bin/firebreak` keeps Node's compile cache beside the code and
 * still works where it cannot write it, and `validate` loads none of the libraries only other
 * commands use (the web server, the Kafka and HTTP clients, the stores, metrics, the log
 * prettifier) nor ajv's schema compiler (its validators are precompiled), and `serve` on SQLite
 * with no Kafka brokers loads neither the Kafka client nor the PostgreSQL driver. docs/cli.md,
 * "Start-up".
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureStopped, startServe } from '../serve/serve-process.ts';

const repo = join(import.meta.dirname, '../../..');
const firebreak = join(repo, 'bin/firebreak');

function run(args: string[], env: Record<string, string | undefined>, command = firebreak, cwd = repo): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file below `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}

describe('firebreak start-up', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-start-up-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the compile cache in .cache/node-compile-cache of the installation by default', () => {
    // An installation of its own (bin/firebreak copied, the rest linked), so its cache is new.
    const install = join(dir, 'install');
    mkdirSync(join(install, 'bin'), { recursive: true });
    copyFileSync(firebreak, join(install, 'bin/firebreak'));
    for (const name of ['src', 'node_modules', 'runbooks', 'package.json']) symlinkSync(join(repo, name), join(install, name));
    const result = run(['validate', 'runbooks'], { NODE_COMPILE_CACHE: undefined }, join(install, 'bin/firebreak'), install);
    expect(result.status, result.stderr).to.equal(0);
    expect(files(join(install, '.cache/node-compile-cache')).length).to.be.greaterThan(50);
  });

  it('fills the compile cache it is given, and uses it on the next start', () => {
    const cache = join(dir, 'cache');
    const first = run(['validate', 'runbooks'], { NODE_COMPILE_CACHE: cache });
    expect(first.status, first.stderr).to.equal(0);
    const cached = files(cache).length;
    expect(cached, 'entries after the first start').to.be.greaterThan(50);
    const second = run(['validate', 'runbooks'], { NODE_COMPILE_CACHE: cache });
    expect(second.status, second.stderr).to.equal(0);
    expect(second.stdout).to.equal(first.stdout);
    expect(files(cache).length, 'nothing new to cache').to.equal(cached);
  });

  it('works the same where the cache cannot be written', () => {
    const notADirectory = join(dir, 'file');
    writeFileSync(notADirectory, 'not a directory');
    const result = run(['validate', 'runbooks'], { NODE_COMPILE_CACHE: join(notADirectory, 'cache') });
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/runbooks in 3 files: OK/);
    expect(result.stderr).to.equal('');
  });

  it("validate loads no web server, store, Kafka or HTTP client, metrics, logger, nor ajv's schema compiler", () => {
    const list = join(dir, 'modules.txt');
    writeFileSync(list, '');
    const result = run(['validate', 'runbooks'], {
      NODE_OPTIONS: `--import ${join(repo, 'test/support/record-modules.ts')}`,
      FIREBREAK_TEST_MODULES_FILE: list,
    });
    expect(result.status, result.stderr).to.equal(0);
    const loaded = readFileSync(list, 'utf8').split('\n');
    expect(loaded.some((url) => url.includes('/node_modules/js-yaml/')), 'the recording works').to.equal(true);
    // pino too: validate logs nothing, and the command line makes its logger on first use.
    const packages = ['express', 'kafkajs', 'pg', 'prom-client', 'axios', 'pino', 'pino-pretty'];
    const unwanted = packages.filter((name) => loaded.some((url) => url.includes(`/node_modules/${name}/`)));
    expect(unwanted).to.deep.equal([]);
    expect(loaded.filter((url) => /\/src\/(store\/(sqlite|postgres)|engine|http|console)\//.test(url))).to.deep.equal([]);
    // Its JSON Schema validators are precompiled: ajv's runtime helpers (string length, deep
    // equality) are all the generated code needs.
    expect(loaded.some((url) => url.includes('/src/core/precompiled/runbook.cjs')), 'the precompiled runbook validator').to.equal(true);
    expect(loaded.filter((url) => /\/node_modules\/ajv\/dist\/(core|ajv|2020|compile\/)/.test(url))).to.deep.equal([]);
  });

  it('serve on SQLite with no Kafka brokers loads neither the Kafka client nor the PostgreSQL driver', async () => {
    const list = join(dir, 'modules.txt');
    writeFileSync(list, '');
    const proc = await startServe({
      cwd: dir,
      env: {
        FIREBREAK_LISTEN: '127.0.0.1:0',
        FIREBREAK_DATA_DIR: join(dir, 'data'),
        FIREBREAK_RUNBOOKS: join(repo, 'runbooks'),
        FIREBREAK_WEBHOOK_TOKEN: 'start-up-webhook-token-01',
        NODE_OPTIONS: `--import ${join(repo, 'test/support/record-modules.ts')}`,
        FIREBREAK_TEST_MODULES_FILE: list,
      },
    });
    try {
      // Ready: the store is open in the ingest thread and processing has started.
      const ready = await fetch(`${proc.url}/readyz`);
      expect(ready.status).to.equal(200);
    } finally {
      await ensureStopped(proc);
    }
    const loaded = readFileSync(list, 'utf8').split('\n');
    expect(loaded.some((url) => url.includes('/node_modules/express/')), 'the recording works').to.equal(true);
    expect(loaded.some((url) => url.includes('/src/store/sqlite/store.ts')), 'the SQLite store is loaded').to.equal(true);
    const unwanted = ['kafkajs', 'pg'].filter((name) => loaded.some((url) => url.includes(`/node_modules/${name}/`)));
    expect(unwanted).to.deep.equal([]);
    expect(loaded.filter((url) => /\/src\/store\/postgres\/(?!url\.ts)|\/src\/actions\/kafka\/client\.ts/.test(url))).to.deep.equal([]);
  });

  it('runs serve with large memory blocks given back to the kernel when freed (MALLOC_MMAP_THRESHOLD_)', async () => {
    const proc = await startServe({
      cwd: dir,
      env: { FIREBREAK_LISTEN: '127.0.0.1:0', FIREBREAK_DATA_DIR: join(dir, 'data'), FIREBREAK_WEBHOOK_TOKEN: 'start-up-webhook-token-01' },
    });
    try {
      // bin/firebreak execs node: the process listening is the one whose environment counts.
      const environment = readFileSync(`/proc/${proc.child.pid}/environ`, 'utf8').split('\0');
      expect(environment).to.include('MALLOC_MMAP_THRESHOLD_=131072');
    } finally {
      await ensureStopped(proc);
    }
  });
});

