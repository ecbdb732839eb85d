/**
 * The engine's API without a cluster: the automation switch (roles, who and since, the gauge,
 * changes blocked while paused), the mode shared by every replica (admin; API and CLI), the runbook list and reload (a broken file changes nothing),
 * and the manual revert's answers when there is nothing to revert.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { TOKENS, postAlerts } from '../http/harness.ts';
import { runCli } from '../../../src/cli/run.ts';
import { captureIo } from '../../unit/cli/cli-io.ts';
import { uniqueName } from '../../support/kafka.ts';
import { ENGINE_RUNBOOKS, engineAlert, startEngineApp, type EngineApp } from './engine-app.ts';

describe('engine API: automation switch, runbooks, manual revert', function () {
  this.timeout(60_000);
  let h: EngineApp;
  let runbooksDir: string;

  before(async () => {
    runbooksDir = await mkdtemp(join(tmpdir(), 'firebreak-runbooks-'));
    await cp(ENGINE_RUNBOOKS, runbooksDir, { recursive: true });
    h = await startEngineApp(null, { mode: 'enforce', runbooksDir });
  });
  after(async () => {
    await h?.close();
    await rm(runbooksDir, { recursive: true, force: true });
  });

  it('pauses and resumes automation (responder), says who and since, and blocks changes while paused', async () => {
    const initial = (await h.api('GET', '/api/v1/automation', { token: TOKENS.viewer })).body;
    expect(Object.keys(initial).sort()).to.deep.equal(['changedAt', 'changedBy', 'mode', 'modeChangedAt', 'modeChangedBy', 'modeReason', 'paused', 'reason']);
    expect(initial).to.deep.include({ mode: 'enforce', modeChangedBy: 'configuration', paused: false, changedBy: null, changedAt: null, reason: null });
    const denied = await h.api('POST', '/api/v1/automation/pause', { token: TOKENS.viewer });
    expect([denied.status, denied.body.code]).to.deep.equal([403, 'AUTH_FORBIDDEN']);

    const paused = await h.api('POST', '/api/v1/automation/pause', { body: { reason: 'broker 2 maintenance' } });
    expect(paused.status).to.equal(200);
    expect(paused.body).to.deep.include({ mode: 'enforce', paused: true, changedBy: 'alice', reason: 'broker 2 maintenance' });
    expect(Date.parse(paused.body.changedAt)).to.be.closeTo(Date.now(), 60_000);
    expect((await h.app.metrics.render()).body).to.match(/^firebreak_automation_paused 1$/m);

    const client = uniqueName('producer');
    const response = await postAlerts(h.baseUrl, engineAlert('EngineTestFloor', client, 'firing'));
    await response.body?.cancel();
    const id = await h.incidentByKey(`engine-below-floor{client="${client}"}`);
    const blocked = await h.waitForEntry(id, (e) => e.kind === 'step.blocked', 'the blocked step');
    expect(blocked.data.decision).to.deep.include({ verdict: 'block', reason: 'paused' });

    const resumed = await h.api('POST', '/api/v1/automation/resume');
    expect(resumed.body).to.deep.include({ paused: false, changedBy: 'alice', reason: null });
    expect((await h.app.metrics.render()).body).to.match(/^firebreak_automation_paused 0$/m);
  });

  it('sets the mode of every replica (admin), from the API and the CLI, leaving the pause switch alone', async () => {
    const denied = await h.api('POST', '/api/v1/automation/mode', { body: { mode: 'dry-run' } });
    expect([denied.status, denied.body.code]).to.deep.equal([403, 'AUTH_FORBIDDEN']);
    const bad = await h.api('POST', '/api/v1/automation/mode', { token: TOKENS.admin, body: { mode: 'yolo' } });
    expect([bad.status, bad.body.code]).to.deep.equal([400, 'API_INVALID_BODY']);
    const set = await h.api('POST', '/api/v1/automation/mode', { token: TOKENS.admin, body: { mode: 'dry-run', reason: 'a broker is being replaced' } });
    expect(set.status).to.equal(200);
    expect(set.body).to.deep.include({ mode: 'dry-run', modeChangedBy: 'root', modeReason: 'a broker is being replaced', paused: false });
    expect((await h.api('GET', '/api/v1/automation', { token: TOKENS.viewer })).body.mode).to.equal('dry-run');

    const cli = async (token: string, ...argv: string[]) => {
      const io = captureIo({ env: { FIREBREAK_URL: h.baseUrl, FIREBREAK_TOKEN: token } });
      const code = await runCli(argv, io);
      return { code, out: io.out(), err: io.err() };
    };
    const shown = await cli(TOKENS.viewer, 'mode');
    expect(shown.code, shown.err).to.equal(0);
    expect(JSON.parse(shown.out)).to.deep.include({ mode: 'dry-run', modeChangedBy: 'root' });
    const refused = await cli(TOKENS.responder, 'mode', 'enforce');
    expect(refused.code).to.equal(1);
    expect(refused.err).to.contain('AUTH_FORBIDDEN');
    expect((await cli(TOKENS.admin, 'mode', 'sideways')).code).to.equal(2);
    const back = await cli(TOKENS.admin, 'mode', 'enforce', '--reason', 'broker replaced');
    expect(back.code, back.err).to.equal(0);
    expect(JSON.parse(back.out)).to.deep.include({ mode: 'enforce', modeChangedBy: 'root', modeReason: 'broker replaced' });
  });

  it('lists the runbooks in force, and reloads them (admin) only when every file is good', async () => {
    const listed = await h.api('GET', '/api/v1/runbooks', { token: TOKENS.viewer });
    expect(listed.status).to.equal(200);
    const names = listed.body.runbooks.map((r: { name: string }) => r.name);
    expect(names).to.include.members(['engine-lag-throttle', 'engine-lag-approval', 'engine-below-floor']);
    const throttle = listed.body.runbooks.find((r: { name: string }) => r.name === 'engine-lag-throttle');
    expect(throttle.steps.map((s: { id: string; revert: string }) => [s.id, s.revert])).to.deep.equal([
      ['cluster', 'never'],
      ['throttle', 'on-resolve'],
      ['verify', 'never'],
    ]);
    const version = listed.body.version;

    const denied = await h.api('POST', '/api/v1/runbooks/reload');
    expect([denied.status, denied.body.code]).to.deep.equal([403, 'AUTH_FORBIDDEN']);

    await writeFile(join(runbooksDir, 'broken.yaml'), 'name: broken\ndescription: x\nmatch: ["alertname=\\"B\\""]\ngroupBy: []\nsteps:\n  - id: a\n    phase: containmnet\n    action: kafka.describeCluster\n');
    const refused = await h.api('POST', '/api/v1/runbooks/reload', { token: TOKENS.admin });
    expect([refused.status, refused.body.code]).to.deep.equal([422, 'RUNBOOK_INVALID']);
    expect(refused.body.details.diagnostics[0]).to.deep.include({ code: 'RUNBOOK_SCHEMA', line: 7 });
    expect(refused.body.details.diagnostics[0].file).to.match(/broken\.yaml$/);
    const unchanged = await h.api('GET', '/api/v1/runbooks');
    expect(unchanged.body.version).to.equal(version);
    expect(unchanged.body.runbooks.map((r: { name: string }) => r.name)).to.deep.equal(names);

    await rm(join(runbooksDir, 'broken.yaml'));
    await writeFile(join(runbooksDir, 'extra.yaml'), 'name: engine-extra\ndescription: Evidence only.\nmatch: [\'alertname="Extra"\']\ngroupBy: []\nsteps:\n  - id: cluster\n    phase: identification\n    action: kafka.describeCluster\n');
    const reloaded = await h.api('POST', '/api/v1/runbooks/reload', { token: TOKENS.admin });
    expect(reloaded.status).to.equal(200);
    expect(reloaded.body).to.deep.include({ ok: true, version: version + 1, runbooks: names.length + 1 });
    expect((await h.api('GET', '/api/v1/runbooks')).body.runbooks.map((r: { name: string }) => r.name)).to.include('engine-extra');
  });

  it('answers a manual revert with nothing to do, and names unknown incidents and steps', async () => {
    const client = uniqueName('producer');
    const response = await postAlerts(h.baseUrl, engineAlert('EngineTestFloor', client, 'firing'));
    await response.body?.cancel();
    const id = await h.incidentByKey(`engine-below-floor{client="${client}"}`);
    await h.waitForEntry(id, (e) => e.kind === 'run.finished', 'the run to finish');
    const nothing = await h.api('POST', `/api/v1/incidents/${id}/revert`);
    expect(nothing.status).to.equal(200);
    expect(nothing.body).to.deep.equal({ incidentId: id, results: [], message: 'nothing to revert: no reversible change was made in this incident' });
    const step = await h.api('POST', `/api/v1/incidents/${id}/revert`, { body: { step: 'throttle' } });
    expect([step.status, step.body.code]).to.deep.equal([404, 'ENGINE_STEP_NOT_FOUND']);
    const unknown = await h.api('POST', '/api/v1/incidents/INC-0000000000000000/revert');
    expect([unknown.status, unknown.body.code]).to.deep.equal([404, 'NOT_FOUND']);
    const bad = await h.api('POST', `/api/v1/incidents/${id}/revert`, { body: { step: 'x', force: true } });
    expect([bad.status, bad.body.code]).to.deep.equal([400, 'API_INVALID_BODY']);
  });
});
