/**
 * `firebreak incidents`, `incident` (with `--follow`) and `approvals` against a running server
 * (the app on a real port with a real cluster): what needs a person comes first, approvals show
 * what they would change and who decides, containments show up once applied, and `--follow`
 * (the real executable) prints timeline entries as they are committed.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { runCli } from '../../../src/cli/run.ts';
import { TOKENS, postAlerts } from '../http/harness.ts';
import { quotaSettled } from '../actions/harness.ts';
import { captureIo } from '../../unit/cli/cli-io.ts';
import { eventually } from '../../support/eventually.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { FIREBREAK_BIN } from '../serve/serve-process.ts';
import { engineAlert, startEngineApp, type EngineApp } from './engine-app.ts';
import { systemClock } from '../../../src/core/clock.ts';

describe('responder commands of the CLI against a running server', function () {
  this.timeout(120_000);
  let kafka: Cluster;
  let h: EngineApp;
  let waitingId: string;
  let quietId: string;
  let client: string;
  before(async function () {
    this.timeout(240_000);
    kafka = await useKafka();
    h = await startEngineApp(kafka, { mode: 'enforce' });
    quietId = await open('EngineTestLag', 'engine-lag-throttle', uniqueName('quiet'), false);
    client = uniqueName('producer');
    waitingId = await open('EngineTestApproval', 'engine-lag-approval', client, true);
  });
  after(async () => {
    await h?.close();
  });

  async function open(alertname: string, runbook: string, who: string, approval: boolean): Promise<string> {
    const response = await postAlerts(h.baseUrl, engineAlert(alertname, who, 'firing'));
    await response.body?.cancel();
    const id = await h.incidentByKey(`${runbook}{client="${who}"}`);
    if (approval) await h.waitForEntry(id, (e) => e.kind === 'approval.requested', 'the approval request');
    else await h.waitForEntry(id, (e) => e.kind === 'run.finished', 'the run');
    return id;
  }

  async function cli(token: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo({ env: { FIREBREAK_URL: h.baseUrl, FIREBREAK_TOKEN: token }, clock: systemClock });
    const code = await runCli(argv, io);
    return { code, out: io.out(), err: io.err() };
  }

  it('lists incidents with the one waiting for an approval first, for a viewer', async () => {
    const listed = await cli(TOKENS.viewer, 'incidents');
    expect(listed.code, listed.err).to.equal(0);
    const lines = listed.out.trimEnd().split('\n');
    expect(lines[0]).to.match(/^ID\s+STATUS\s+SEVERITY\s+CLUSTER\s+RUNBOOK\s+AGE\s+CONTAINED\s+APPROVALS\s+TITLE$/);
    expect(lines[1]).to.contain(waitingId).and.to.contain('1 WAITING').and.to.contain('engine-lag-approval');
    expect(listed.out).to.contain(quietId);

    const json = await cli(TOKENS.viewer, 'incidents', '--json', '--status', 'open,contained');
    const items = JSON.parse(json.out).items as Array<{ id: string; pendingApprovals: number }>;
    expect(items.find((i) => i.id === waitingId)?.pendingApprovals).to.equal(1);
    const critical = await cli(TOKENS.viewer, 'incidents', '--severity', 'critical,page');
    expect(critical.out).to.contain(waitingId).and.to.contain(quietId);
    expect((await cli(TOKENS.viewer, 'incidents', '--severity', 'warning')).out).to.equal('No incidents.\n');
    expect((await cli(TOKENS.viewer, 'incidents', '--cluster', 'nowhere')).out).to.equal('No incidents.\n');
    const first = await cli(TOKENS.viewer, 'incidents', '--limit', '1');
    const cursor = /\(older incidents: the same command with --cursor (\S+)\)/.exec(first.out)?.[1];
    expect(cursor, first.out).to.be.a('string');
    const second = await cli(TOKENS.viewer, 'incidents', '--limit', '1', '--cursor', cursor!);
    expect([first.out.includes(quietId) || first.out.includes(waitingId), second.out.includes(quietId) !== first.out.includes(quietId)]).to.deep.equal([true, true]);
    const bad = await cli(TOKENS.viewer, 'incidents', '--status', 'sleeping');
    expect(bad.code).to.equal(1);
    expect(bad.err).to.match(/^error API_INVALID_QUERY: /);
  });

  it('shows what waits for whom, and what it would change', async () => {
    const shown = await cli(TOKENS.viewer, 'approvals');
    expect(shown.code, shown.err).to.equal(0);
    expect(shown.out).to.contain(`${waitingId}  step throttle  kafka.setClientQuota  expires in `);
    expect(shown.out).to.contain('waits for: any responder');
    expect(shown.out).to.contain(`would change: quota:client-id=${client} producer_byte_rate: (unset) -> 1048576`);
    expect(shown.out).to.contain(`decide: firebreak approve ${waitingId} throttle`);

    await h.api('POST', `/api/v1/incidents/${waitingId}/roles`, { body: { role: 'commander', person: 'Dana' } });
    const json = JSON.parse((await cli(TOKENS.viewer, 'approvals', '--json')).out) as { items: Array<{ incidentId: string; commander: string | null; incident: { id: string } }> };
    const mine = json.items.find((a) => a.incidentId === waitingId);
    expect(mine).to.deep.include({ commander: 'Dana' });
    expect(mine?.incident.id).to.equal(waitingId);
  });

  it('shows one incident, and follows its timeline with the real executable', async () => {
    const before = await cli(TOKENS.viewer, 'incident', waitingId);
    expect(before.code, before.err).to.equal(0);
    expect(before.out).to.contain('Approvals waiting (1):').and.to.contain('Containments in force (0):');
    expect(before.out).to.match(/Time to detect\s+\d.*\(first alert started firing → incident opened by firebreak\)/);
    expect(before.out).to.contain('approval.requested');

    const follower = spawn(FIREBREAK_BIN, ['incident', waitingId, '--follow'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FIREBREAK_URL: h.baseUrl, FIREBREAK_TOKEN: TOKENS.viewer },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    follower.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    follower.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => follower.on('exit', (code) => resolve(code)));
    try {
      await eventually(() => expect(out).to.contain('-- following'), { timeoutMs: 20_000, what: 'the follower to start' });
      const approved = await cli(TOKENS.responder, 'approve', waitingId, 'throttle', '--reason', 'lag is real');
      expect(approved.code, approved.err).to.equal(0);
      await eventually(() => expect(out).to.match(/approval\.granted\s+alice approved step throttle: lag is real/), { timeoutMs: 30_000, what: 'the approval, followed' });
      await eventually(() => expect(out).to.match(/step\.succeeded/), { timeoutMs: 30_000, what: 'the step, followed' });
      follower.kill('SIGINT');
      expect(await exited, err).to.equal(0);
    } finally {
      follower.kill('SIGKILL');
    }
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 1_048_576 });

    const after = await cli(TOKENS.viewer, 'incident', waitingId);
    expect(after.out).to.contain('Containments in force (1):').and.to.contain('Approvals waiting (0):');
    expect(after.out).to.contain(`firebreak revert ${waitingId} --step throttle`);
    const json = JSON.parse((await cli(TOKENS.viewer, 'incident', waitingId, '--json')).out);
    expect(json.containments[0]).to.deep.include({ stepId: 'throttle', action: 'kafka.setClientQuota', revert: 'on-resolve' });
    expect(json.timeline.map((e: { kind: string }) => e.kind)).to.include('approval.granted');

    const missing = await cli(TOKENS.viewer, 'incident', 'INC-0000000000000000');
    expect([missing.code, missing.err.split(':')[0]]).to.deep.equal([1, 'error NOT_FOUND']);
  });
});
