import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { copySources, dockerignore, envPairs, execForm, parseDockerfile, stages, type Stage } from './dockerfile.ts';
import { readRepoFile, REPO_ROOT } from './promql.ts';

// No Docker engine runs the tests, so the image's properties are checked on the Dockerfile.

const instructions = parseDockerfile(readRepoFile('Dockerfile'));
const all = stages(instructions);
const runtime = all[all.length - 1]!;
const ignore = dockerignore(readRepoFile('.dockerignore'));

function only(stage: Stage, keyword: string) {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

function runtimeEnv(): Map<string, string> {
  const env = new Map<string, string>();
  for (const i of only(runtime, 'ENV')) for (const [k, v] of envPairs(i.args)) env.set(k, v);
  return env;
}

describe('Dockerfile', () => {
  it('builds in stages and runs on the official Node.js 24 slim image', () => {
    expect(all.length).to.be.at.least(2);
    expect(runtime.image).to.match(/^node:24(\.\d+)*(-[a-z]+)?-slim(@sha256:[0-9a-f]{64})?$/);
  });

  it('installs production dependencies only, from the lockfile, in a separate stage', () => {
    const deps = all.slice(0, -1).find((s) => only(s, 'RUN').some((r) => /\bnpm ci\b/.test(r.args)));
    expect(deps, 'a stage running npm ci').to.not.equal(undefined);
    const install = only(deps!, 'RUN').find((r) => /\bnpm ci\b/.test(r.args))!;
    expect(install.args).to.include('--omit=dev');
    const copiedFromDeps = only(runtime, 'COPY').filter((c) => copySources(c.args).flags.includes(`--from=${deps!.name}`));
    expect(copiedFromDeps.map((c) => copySources(c.args).sources)).to.deep.equal([['/app/node_modules']]);
  });

  it('never installs or copies node_modules from the build context into the runtime stage', () => {
    for (const run of only(runtime, 'RUN')) {
      expect(run.args, `line ${run.line}`).to.not.match(/\bnpm (install|ci|i)\b|\byarn\b|\bpnpm\b/);
    }
    for (const copy of [...only(runtime, 'COPY'), ...only(runtime, 'ADD')]) {
      const { flags, sources } = copySources(copy.args);
      if (flags.some((f) => f.startsWith('--from='))) continue;
      for (const source of sources) {
        expect(source, `line ${copy.line}: copies the whole context`).to.not.match(/^\.\/?$/);
        expect(source, `line ${copy.line}`).to.not.include('node_modules');
      }
    }
  });

  it('runs as a non-root user', () => {
    const users = only(runtime, 'USER');
    expect(users.length, 'a USER instruction').to.be.greaterThan(0);
    const user = users[users.length - 1]!.args.trim();
    expect(user.split(':')[0]).to.not.be.oneOf(['root', '0', '']);
  });

  it('checks health with node fetch on GET /healthz at the port it listens on', () => {
    const [healthcheck] = only(runtime, 'HEALTHCHECK');
    expect(healthcheck, 'HEALTHCHECK').to.not.equal(undefined);
    const command = execForm(healthcheck!.args.slice(healthcheck!.args.indexOf('CMD') + 3));
    expect(command, 'exec form').to.not.equal(null);
    expect(command![0]).to.equal('node');
    const script = command!.join(' ');
    expect(script).to.include('fetch(').and.include('/healthz').and.include('FIREBREAK_LISTEN');
    expect(script).to.not.match(/\b(curl|wget)\b/);
  });

  it('listens on all interfaces at the exposed port', () => {
    const listen = runtimeEnv().get('FIREBREAK_LISTEN');
    expect(listen).to.equal('0.0.0.0:8080');
    const exposed = only(runtime, 'EXPOSE').flatMap((e) => e.args.split(/\s+/));
    expect(exposed).to.include(listen!.split(':')[1]);
  });

  it('keeps the store and credentials on the /var/lib/firebreak volume', () => {
    const volumes = only(runtime, 'VOLUME').flatMap((v) => execForm(v.args) ?? v.args.split(/\s+/));
    expect(volumes).to.include('/var/lib/firebreak');
    const env = runtimeEnv();
    expect(env.get('FIREBREAK_DATA_DIR')).to.equal('/var/lib/firebreak');
    expect(env.get('FIREBREAK_STORE')).to.match(/^\/var\/lib\/firebreak\/[^/]+\.db$/);
    // The volume is made writable for the non-root user before it is declared.
    const prepare = only(runtime, 'RUN').find((r) => r.args.includes('/var/lib/firebreak'));
    expect(prepare?.args).to.match(/chown 1000(:1000)? \/var\/lib\/firebreak/);
  });

  it('ships the runbooks and points firebreak at them', () => {
    const copied = only(runtime, 'COPY').map((c) => c.args.split(/\s+/));
    expect(copied).to.deep.include(['runbooks', './runbooks']);
    expect(runtimeEnv().get('FIREBREAK_RUNBOOKS')).to.equal('/app/runbooks');
  });

  it('starts node src/main.ts serve with the main thread\'s young generation bounded, as bin/firebreak does', () => {
    const entrypoint = execForm(only(runtime, 'ENTRYPOINT').at(-1)!.args);
    const cmd = execForm(only(runtime, 'CMD').at(-1)!.args);
    expect([...(entrypoint ?? []), ...(cmd ?? [])]).to.deep.equal(['node', '--max-semi-space-size=4', 'src/main.ts', 'serve']);
    expect(readRepoFile('bin/firebreak')).to.include('--max-semi-space-size=4');
    expect(only(runtime, 'WORKDIR').at(-1)!.args).to.equal('/app');
  });

  it('gives large memory blocks pages of their own that go back to the kernel, as bin/firebreak and npm start do', () => {
    expect(runtimeEnv().get('MALLOC_MMAP_THRESHOLD_')).to.equal('131072');
    expect(readRepoFile('bin/firebreak')).to.match(/MALLOC_MMAP_THRESHOLD_=\$\{MALLOC_MMAP_THRESHOLD_:-131072\}/);
    expect(JSON.parse(readRepoFile('package.json')).scripts.start).to.include('MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072}');
  });

  it('keeps a compile cache in the installation, filled at build and writable by the runtime user', () => {
    expect(runtimeEnv().get('NODE_COMPILE_CACHE')).to.equal('/app/.cache/node-compile-cache');
    const runs = only(runtime, 'RUN').map((r) => r.args);
    expect(runs.some((r) => r.includes('node src/main.ts validate runbooks') && r.includes('chown -R 1000:1000 /app/.cache'))).to.equal(true);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    for (const copy of instructions.filter((i) => i.keyword === 'COPY')) {
      const { flags, sources } = copySources(copy.args);
      if (flags.some((f) => f.startsWith('--from='))) continue;
      for (const source of sources) {
        expect(existsSync(join(REPO_ROOT, source)), `line ${copy.line}: ${source} exists`).to.equal(true);
        expect(ignore.isIgnored(source), `line ${copy.line}: ${source} is in the build context`).to.equal(false);
      }
    }
  });

  it('keeps dependencies, history, local data and tests out of the build context', () => {
    for (const path of ['node_modules', 'node_modules/kafkajs/package.json', '.git', 'data/credentials.json', 'test/unit', '.kafka', 'docs']) {
      expect(ignore.isIgnored(path), path).to.equal(true);
    }
  });
});

describe('Dockerfile and .dockerignore reading', () => {
  it('joins continuation lines and skips comments inside them', () => {
    const parsed = parseDockerfile('FROM a AS b\n# note\nRUN one \\\n  # inner comment\n  && two\nENV A=1 \\\n    B="x y"\n');
    expect(parsed.map((i) => [i.keyword, i.args, i.line])).to.deep.equal([
      ['FROM', 'a AS b', 1],
      ['RUN', 'one && two', 3],
      ['ENV', 'A=1 B="x y"', 6],
    ]);
    expect([...envPairs(parsed[2]!.args)]).to.deep.equal([['A', '1'], ['B', 'x y']]);
  });

  it('substitutes global ARG defaults into FROM and names stages', () => {
    const parsed = stages(parseDockerfile('ARG IMG=node:24-slim\nFROM ${IMG} AS deps\nRUN x\nFROM $IMG\nUSER 1\n'));
    expect(parsed.map((s) => [s.image, s.name, s.instructions.length])).to.deep.equal([
      ['node:24-slim', 'deps', 1],
      ['node:24-slim', '1', 1],
    ]);
  });

  it('applies .dockerignore rules to parents, with the last match winning', () => {
    const rules = dockerignore('*\n!src/\nsrc/**/*.test.ts\n**/.env\n');
    expect(rules.isIgnored('package.json')).to.equal(true);
    expect(rules.isIgnored('src')).to.equal(false);
    expect(rules.isIgnored('src/a/b.ts')).to.equal(false);
    expect(rules.isIgnored('src/a/b.test.ts')).to.equal(true);
    expect(rules.isIgnored('src/.env')).to.equal(true);
  });
});
