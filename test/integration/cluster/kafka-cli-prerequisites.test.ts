/**
 * `npm run kafka` without its prerequisites: no `java` on the PATH fails with
 * KAFKA_LOCAL_JAVA_MISSING, `java` but no `mvn` with KAFKA_LOCAL_MAVEN_MISSING; both on stderr,
 * with a non-zero exit. The CLI runs on this process's Node (the project's Node 24) with a PATH
 * built for the test, so whatever the machine has installed is out of reach.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../../../scripts/kafka/cli.ts');

interface CliResult {
  code: number | null;
  stderr: string;
}

function kafkaCli(args: string[], path: string): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: path }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stderr }));
  });
}

/** The real path of `name` on this process's PATH, as a shell would find it. */
function onPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return realpathSync(candidate);
    } catch {
      // Not in this directory.
    }
  }
  throw new Error(`${name} is not on the PATH of the test run; the test needs it to build a PATH with it alone`);
}

describe('npm run kafka without Java or Maven', function () {
  this.timeout(60_000);
  let dir: string;
  let nodeBin: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-prereq-'));
    // Node alone in a directory of its own: the Node running the tests lives next to other tools.
    nodeBin = join(dir, 'node-bin');
    await mkdir(nodeBin);
    await symlink(process.execPath, join(nodeBin, 'node'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fails with KAFKA_LOCAL_JAVA_MISSING when java is not on the PATH', async () => {
    const result = await kafkaCli(['fetch', '--version', '3.9.1', '--cache-dir', join(dir, 'cache-java')], nodeBin);
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.include('KAFKA_LOCAL_JAVA_MISSING');
  });

  it('fails with KAFKA_LOCAL_MAVEN_MISSING when java is on the PATH but mvn is not', async () => {
    const javaBin = join(dir, 'java-bin');
    await mkdir(javaBin);
    await symlink(onPath('java'), join(javaBin, 'java'));
    // An empty cache: a cached classpath would be used without asking Maven at all.
    const cacheDir = join(dir, 'cache-maven');
    const result = await kafkaCli(['fetch', '--version', '3.9.1', '--cache-dir', cacheDir], [javaBin, nodeBin].join(delimiter));
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.include('KAFKA_LOCAL_MAVEN_MISSING');
    expect(result.stderr).to.not.include('KAFKA_LOCAL_JAVA_MISSING');
    // It got as far as writing the POM Maven would have resolved, in the given cache only.
    expect(await readdir(join(cacheDir, '3.9.1'))).to.include('pom.xml');
  });
});
