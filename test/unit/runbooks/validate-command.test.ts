/**
 * `firebreak validate` against the real action catalogue, run in-process. It reads the fixture
 * runbooks under test/fixtures/runbooks (never writes).
 */
import { expect } from 'chai';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { runCli } from '../../../src/cli/run.ts';
import { captureIo } from '../cli/cli-io.ts';

const FIXTURES = relative(process.cwd(), join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/runbooks'));

describe('firebreak validate', () => {
  it('accepts the valid fixtures against the real Kafka actions (exit 0)', async () => {
    const io = captureIo();
    expect(await runCli(['validate', join(FIXTURES, 'valid')], io)).to.equal(0);
    expect(io.out()).to.equal('4 runbooks in 2 files: OK\n');
  });

  it('prints file:line:col: CODE: path: message for every problem of every path (exit 1)', async () => {
    const io = captureIo();
    const code = await runCli(['validate', join(FIXTURES, 'invalid', 'unknown-action.yaml'), join(FIXTURES, 'invalid', 'bad-indent.yaml')], io);
    expect(code).to.equal(1);
    expect(io.out().split('\n')).to.deep.equal([
      `${join(FIXTURES, 'invalid', 'unknown-action.yaml')}:8:13: RUNBOOK_UNKNOWN_ACTION: steps[0].action: unknown action "kafka.consumerGroupLagg"`,
      `${join(FIXTURES, 'invalid', 'bad-indent.yaml')}:8:12: RUNBOOK_YAML_SYNTAX: bad indentation of a mapping entry`,
      '2 problems in 2 files',
      '',
    ]);
  });

  it('warns, without failing, when a label goes into a prometheus.query unescaped; the shipped runbooks escape theirs', async () => {
    const io = captureIo({ actions: createActionRegistry() });
    const file = join(FIXTURES, 'warnings', 'unescaped-promql.yaml');
    expect(await runCli(['validate', file], io)).to.equal(0);
    expect(io.out().split('\n')).to.deep.equal([
      `${file}:12:14: warning RUNBOOK_UNESCAPED_LABEL: steps[0].with.query: {{ labels.consumergroup }} goes into the PromQL query unescaped: a value holding " or \\ would rewrite the query; write {{ labels.consumergroup | promql_label }}`,
      '1 runbook in 1 file: OK (1 warning)',
      '',
    ]);
    const shipped = captureIo({ actions: createActionRegistry() });
    expect(await runCli(['validate', '--json', join(FIXTURES, '..', '..', '..', 'runbooks')], shipped)).to.equal(0);
    expect((JSON.parse(shipped.out()) as { warnings: unknown[] }).warnings).to.deep.equal([]);
  });

  it('fails on literal values the actions refuse every time: a quota of 0, an internal topic, a rate below the configured floor', async () => {
    const file = join(FIXTURES, 'warnings', 'hard-limits.yaml');
    const io = captureIo();
    expect(await runCli(['validate', file], io)).to.equal(1);
    expect(io.out().split('\n')).to.deep.equal([
      `${file}:11:25: RUNBOOK_HARD_LIMIT: steps[0].with.producerByteRate: producer_byte_rate 0 for quota:client-id=? is below the floor of 65536 bytes/s (ACTION_BELOW_FLOOR): kafka.setClientQuota refuses it every time, so this step can never run`,
      `${file}:16:14: RUNBOOK_HARD_LIMIT: steps[1].with.topic: topic __consumer_offsets is protected: it is an internal topic; firebreak never changes it (ACTION_PROTECTED_RESOURCE): kafka.setTopicConfig refuses it every time, so this step can never run`,
      `${file}:22:27: RUNBOOK_HARD_LIMIT: steps[2].with.rateBytesPerSecond: replication.throttled.rate 0 for brokers is below the floor of 65536 bytes/s (ACTION_BELOW_FLOOR): kafka.setReplicationThrottle refuses it every time, so this step can never run`,
      `${file}:23:16: RUNBOOK_HARD_LIMIT: steps[2].with.topics.0: topic __consumer_offsets is protected: it is an internal topic; firebreak never changes it (ACTION_PROTECTED_RESOURCE): kafka.setReplicationThrottle refuses it every time, so this step can never run`,
      '4 problems in 1 file',
      '',
    ]);
    // The configured floor is the one checked: 1 MiB/s passes the default, not a 2 MiB/s floor.
    const strict = captureIo({ env: { FIREBREAK_CONFIG: 'fb.yaml' }, readFile: () => 'safety: { minQuotaByteRate: 2097152 }\n' });
    expect(await runCli(['validate', file], strict)).to.equal(1);
    expect(strict.out()).to.include('steps[3].with.consumerByteRate: consumer_byte_rate 1048576 for quota:client-id=? is below the floor of 2097152 bytes/s');
  });

  it('checks literal parameters against the real action schemas', async () => {
    const io = captureIo();
    expect(await runCli(['validate', join(FIXTURES, 'invalid', 'invalid-params.yaml')], io)).to.equal(1);
    expect(io.out()).to.include('RUNBOOK_INVALID_PARAMS: steps[0].with.producerByteRate: must be integer (kafka.setClientQuota)');
  });

  it('says plainly that there is no runbooks directory, rather than a problem at line 1 of it', async () => {
    // As from another directory: the default ./runbooks (here a relative one) is not there.
    const io = captureIo({ env: { FIREBREAK_RUNBOOKS: 'no-such-dir/runbooks' } });
    expect(await runCli(['validate'], io)).to.equal(1);
    expect(io.out()).to.equal('');
    expect(io.err().split('\n')[0]).to.match(/^error RUNBOOK_FILE: no runbooks directory no-such-dir\/runbooks \(\/.*\/no-such-dir\/runbooks does not exist\)$/);
    expect(io.err()).to.include('FIREBREAK_RUNBOOKS').and.not.to.match(/:1:1:/);
    const named = captureIo();
    expect(await runCli(['validate', 'no-such-file.yaml'], named)).to.equal(1);
    expect(named.err()).to.match(/^error RUNBOOK_FILE: no such file or directory: no-such-file\.yaml\n/);
  });

  it('prints JSON with --json', async () => {
    const io = captureIo();
    expect(await runCli(['validate', '--json', join(FIXTURES, 'valid', 'consumer-lag.yaml'), join(FIXTURES, 'invalid', 'empty.yaml')], io)).to.equal(1);
    const report = JSON.parse(io.out()) as { ok: boolean; runbooks: Array<{ name: string; steps: number }>; diagnostics: Array<{ code: string; line: number }> };
    expect(report.ok).to.equal(false);
    expect(report.runbooks.map((r) => [r.name, r.steps])).to.deep.equal([['consumer-lag-throttle-producers', 3]]);
    expect(report.diagnostics.map((d) => [d.code, d.line])).to.deep.equal([['RUNBOOK_SCHEMA', 1]]);
  });

  it('validates the configured runbooks directory when no path is given', async () => {
    const io = captureIo({ env: { FIREBREAK_RUNBOOKS: join(FIXTURES, 'duplicate-names') } });
    expect(await runCli(['validate'], io)).to.equal(1);
    expect(io.out()).to.include('RUNBOOK_DUPLICATE_NAME: name: runbook "lag" is already defined at');
  });

  it('fails when a path holds no runbook file', async () => {
    const io = captureIo();
    const dir = join(FIXTURES, 'no-such-dir');
    expect(await runCli(['validate', dir], io)).to.equal(1);
    expect(io.err()).to.match(new RegExp(`^error RUNBOOK_FILE: no such file or directory: ${dir}\n`));
    // The fixtures root holds only directories: nothing to validate is a failure, not a pass.
    const empty = captureIo();
    expect(await runCli(['validate', FIXTURES], empty)).to.equal(1);
    expect(empty.out()).to.equal(`${FIXTURES}:1:1: RUNBOOK_FILE: no *.yaml or *.yml runbook files\n1 problem in 1 file\n`);
  });

  it('is listed in the command table and rejects unknown flags as a usage error', async () => {
    const help = captureIo();
    expect(await runCli(['--help'], help)).to.equal(0);
    expect(help.out()).to.match(/\n {2}validate\s+Check runbook files/);
    const io = captureIo();
    expect(await runCli(['validate', '--strict'], io)).to.equal(2);
    expect(io.err()).to.match(/^error CLI_USAGE: /);
  });
});
