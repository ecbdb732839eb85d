/**
 * `firebreak pause`, `resume`, `revert` and `approve` against a running app (the CLI in-process,
 * the server on a real port, a real cluster): what they print, their exit codes, and that a
 * second revert does nothing.
 */
import { expect } from 'chai';
import { runCli } from '../../../src/cli/run.ts';
import { TOKENS, postAlerts } from '../http/harness.ts';
import { quotaSettled } from '../actions/harness.ts';
import { captureIo } from '../../unit/cli/cli-io.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { engineAlert, startEngineApp, type EngineApp } from './engine-app.ts';

describe('operator commands of the CLI against a running server', function () {
  this.timeout(120_000);
  let kafka: Cluster;
  let h: EngineApp;
  before(async function () {
    this.timeout(240_000);
    kafka = await useKafka();
    h = await startEngineApp(kafka, { mode: 'enforce' });
  });
  after(async () => {
    await h?.close();
  });

  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo({ env: { FIREBREAK_URL: h.baseUrl, FIREBREAK_TOKEN: TOKENS.responder } });
    const code = await runCli(argv, io);
    return { code, out: io.out(), err: io.err() };
  }

  it('pauses and resumes, printing the switch', async () => {
    const paused = await cli('pause', '--reason', 'rolling restart');
    expect(paused.code).to.equal(0);
    expect(JSON.parse(paused.out)).to.deep.include({ paused: true, changedBy: 'alice', reason: 'rolling restart', mode: 'enforce' });
    const resumed = await cli('resume');
    expect(resumed.code).to.equal(0);
    expect(JSON.parse(resumed.out)).to.deep.include({ paused: false, changedBy: 'alice' });
  });

  it('approves a waiting step, then reverts the incident by hand, once', async () => {
    const client = uniqueName('producer');
    const response = await postAlerts(h.baseUrl, engineAlert('EngineTestApproval', client, 'firing'));
    await response.body?.cancel();
    const id = await h.incidentByKey(`engine-lag-approval{client="${client}"}`);
    await h.waitForEntry(id, (e) => e.kind === 'approval.requested', 'the approval request');
    const approved = await cli('approve', id, 'throttle', '--reason', 'go');
    expect(approved.code, approved.err).to.equal(0);
    expect(JSON.parse(approved.out)).to.deep.include({ state: 'granted', stepId: 'throttle' });
    await h.waitForEntry(id, (e) => e.kind === 'step.succeeded' && e.data.stepId === 'throttle', 'the approved step');
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 1_048_576 });

    const first = await cli('revert', id);
    expect(first.code, first.err).to.equal(0);
    const report = JSON.parse(first.out);
    expect(report.results.map((r: { stepId: string; status: string }) => [r.stepId, r.status])).to.deep.equal([['throttle', 'reverted']]);
    await quotaSettled(h.admin!, { 'client-id': client }, {});
    const reverted = (await h.timeline(id)).find((e) => e.kind === 'revert.succeeded')!;
    expect(reverted.actor).to.equal('alice');

    const second = await cli('revert', id, '--step', 'throttle');
    expect(second.code).to.equal(0);
    expect(JSON.parse(second.out)).to.deep.include({ message: 'nothing to revert: every change is already reverted' });
  });

  it('prints the API error code and fails for what cannot be done', async () => {
    const missing = await cli('revert', 'INC-0000000000000000');
    expect(missing.code).to.equal(1);
    expect(missing.err).to.match(/^error NOT_FOUND: incident INC-0000000000000000 does not exist/);
    const usage = await cli('revert');
    expect(usage.code).to.equal(2);
    expect(usage.err).to.match(/^error CLI_USAGE: missing the incident id/);
    const io = captureIo({ env: { FIREBREAK_URL: 'http://127.0.0.1:1', FIREBREAK_TOKEN: TOKENS.responder } });
    expect(await runCli(['pause'], io)).to.equal(1);
    expect(io.err()).to.match(/^error CLI_SERVER_UNREACHABLE: cannot reach firebreak at http:\/\/127\.0\.0\.1:1/);
  });
});
