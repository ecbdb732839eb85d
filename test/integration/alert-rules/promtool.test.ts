import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import {
  dashboardQueries,
  readRepoFile,
  REPO_ROOT,
  repoFiles,
  withGrafanaVariablesReplaced,
} from '../../unit/packaging/promql.ts';

// Runs the real promtool (Debian package `prometheus`) over the shipped rules, their unit tests
// and the dashboard's queries. promtool works offline on files: no Prometheus server is needed
// (the Debian package may start one; nothing here talks to it).

interface Run {
  code: number | null;
  output: string;
}

const MISSING =
  'promtool is not on PATH. It ships in the Debian package `prometheus`: apt-get install -y prometheus ' +
  '(scripts/ci-deps.sh installs it).';

function promtool(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new Error(MISSING) : err));
    child.on('close', (code) => resolve({ code, output }));
  });
}

function expectSuccess(run: Run, what: string): void {
  expect(run.code, `${what} failed; promtool said:\n${run.output}`).to.equal(0);
}

const ruleFiles = repoFiles('alert-rules', '.rules.yml');
const testFiles = repoFiles('alert-rules/tests', '.test.yml');

describe('alert rules under promtool', function () {
  let scratch: string;

  before(async function () {
    const version = await promtool(['--version']);
    expect(version.code, MISSING).to.equal(0);
    scratch = mkdtempSync(join(tmpdir(), 'firebreak-promtool-'));
  });

  after(function () {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  it('finds the rule files and their tests', function () {
    expect(ruleFiles).to.include.members(['alert-rules/kafka.rules.yml', 'alert-rules/firebreak.rules.yml']);
    expect(testFiles.length).to.be.at.least(ruleFiles.length);
  });

  for (const file of ruleFiles) {
    it(`promtool check rules ${file}`, async function () {
      expectSuccess(await promtool(['check', 'rules', '--lint=all', '--lint-fatal', file]), `promtool check rules ${file}`);
    });
  }

  for (const file of testFiles) {
    it(`promtool test rules ${file}`, async function () {
      expectSuccess(await promtool(['test', 'rules', file]), `promtool test rules ${file}`);
    });
  }

  it('notices a wrong expectation (the harness can fail)', async function () {
    // The replication tests with one expected label changed must fail.
    const original = readRepoFile('alert-rules/tests/kafka-replication.test.yml');
    const broken = original
      .replace('../kafka.rules.yml', join(REPO_ROOT, 'alert-rules/kafka.rules.yml'))
      .replace('instance: broker-1:7071', 'instance: broker-9:7071');
    expect(broken).to.not.equal(original);
    const file = join(scratch, 'broken.test.yml');
    writeFileSync(file, broken);
    const run = await promtool(['test', 'rules', file]);
    expect(run.code, run.output).to.not.equal(0);
    expect(run.output).to.include('broker-9:7071');
  });

  it('parses every PromQL query of the Grafana dashboard', async function () {
    const dashboard = JSON.parse(readRepoFile('grafana/dashboards/firebreak.json')) as Record<string, unknown>;
    const queries = dashboardQueries(dashboard);
    expect(queries.length).to.be.greaterThan(15);
    // promtool parses rule expressions offline: each query becomes a recording rule.
    const rules = queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: withGrafanaVariablesReplaced(q.expr) }));
    const file = join(scratch, 'dashboard-queries.rules.yml');
    writeFileSync(file, dump({ groups: [{ name: 'dashboard', rules }] }));
    const run = await promtool(['check', 'rules', file]);
    const legend = queries.map((q, i) => `dashboard:query_${i} = ${q.where}`).join('\n');
    expectSuccess(run, `dashboard queries (${legend})`);
    expect(run.output).to.include(`${queries.length} rules found`);
  });
});
