/**
 * Steering a loop-breaker hold by hand, against a real cluster: two flapping producers trip the
 * loop breaker (one contain/release cycle is enough here); one group is handed back to
 * automation through the API once its alert resolved (its quota is released as its step says),
 * the other is cleared from the CLI while its alert still fires (its quota goes at once). Only a
 * responder may, a reason is required, each lift is on the timeline with who and why, and a
 * second lift finds nothing held. A chat target subscribed to escalations hears of each hold and
 * of each lift.
 */
import { expect } from 'chai';
import { runCli } from '../../../src/cli/run.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { captureIo } from '../../unit/cli/cli-io.ts';
import { waitFor } from '../../support/eventually.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { quotaSettled } from '../actions/harness.ts';
import { startRecordingServer, type RecordingServer } from '../actions/recording-server.ts';
import { TOKENS } from '../http/harness.ts';
import { engineAlert, startEngineApp, type EngineApp } from './engine-app.ts';

const LAG = 'EngineTestLag';
const THROTTLED = { producer_byte_rate: 1_048_576 };

describe('engine: a person lifts the loop breaker\'s hold', function () {
  this.timeout(240_000);
  let kafka: Cluster;
  let h: EngineApp;
  let chat: RecordingServer;

  before(async function () {
    this.timeout(240_000);
    kafka = await useKafka();
    chat = await startRecordingServer(() => ({ status: 200, body: 'ok' }));
    // One cycle trips the breaker; a release caused by a re-fire waits 5 s with the alert resolved.
    h = await startEngineApp(kafka, {
      mode: 'enforce',
      engine: { episodeWindowMs: 5_000, loopBreakerCycles: 1 },
      notify: { timeoutMs: 5_000, targets: { oncall: { url: `${chat.base}/hook`, kind: 'slack' } }, subscriptions: { oncall: ['escalated'] } },
    });
  });
  after(async () => {
    await h?.close();
    await chat?.close();
  });

  /** The chat messages (their fallback text) about `id`, once one matches `what`. */
  const heard = (id: string, what: RegExp) =>
    waitFor(
      `a chat message about ${id} matching ${what}`,
      async () => {
        const texts = chat.received.map((r) => (r.body as { text: string }).text).filter((t) => t.endsWith(`(${id})`));
        return texts.some((t) => what.test(t)) ? texts : undefined;
      },
      { timeoutMs: 30_000 },
    );

  const episode = (n: number) => new Date(Date.UTC(2026, 2, 1, 10, n)).toISOString();
  const kinds = async (id: string, kind: string) => (await h.timeline(id)).filter((e) => e.kind === kind);

  /** Contain, release, re-fire: the breaker trips and the quota is back, held. Returns the incident. */
  async function tripped(client: string): Promise<string> {
    const entity = { 'client-id': client };
    await h.post(engineAlert(LAG, client, 'firing', episode(0)));
    const id = await h.incidentByKey(`engine-lag-throttle{client="${client}"}`);
    await quotaSettled(h.admin!, entity, THROTTLED);
    await h.post(engineAlert(LAG, client, 'resolved', episode(0)));
    await waitFor('the first release', async () => ((await kinds(id, 'revert.succeeded')).length === 1 ? true : undefined), { timeoutMs: 30_000 });
    await quotaSettled(h.admin!, entity, {});
    await h.post(engineAlert(LAG, client, 'firing', episode(1)));
    await waitFor('the loop breaker', async () => ((await kinds(id, 'incident.escalated')).length === 1 ? true : undefined), { timeoutMs: 30_000 });
    await quotaSettled(h.admin!, entity, THROTTLED);
    return id;
  }

  async function cli(token: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const io = captureIo({ env: { FIREBREAK_URL: h.baseUrl, FIREBREAK_TOKEN: token }, clock: systemClock });
    const code = await runCli(argv, io);
    return { code, out: io.out(), err: io.err() };
  }

  it('hands a held group back to automation through the API, and clears another from the CLI', async () => {
    const [backClient, clearClient] = [uniqueName('handback'), uniqueName('clear')];
    const [backId, clearId] = await Promise.all([tripped(backClient), tripped(clearClient)]);

    // Hand back, through the API, once the alert resolved: the held quota is released as its step says.
    await h.post(engineAlert(LAG, backClient, 'resolved', episode(1)));
    await waitFor('the release held', async () => ((await kinds(backId, 'release.held')).length === 1 ? true : undefined), { timeoutMs: 30_000 });
    const path = `/api/v1/incidents/${backId}/hold/hand-back`;
    const viewer = await h.api('POST', path, { token: TOKENS.viewer, body: { reason: 'looks fine' } });
    expect(viewer.status).to.equal(403);
    expect(viewer.body.code).to.equal('AUTH_FORBIDDEN');
    const noReason = await h.api('POST', path, { body: {} });
    expect(noReason.status).to.equal(400);
    const blank = await h.api('POST', path, { body: { reason: '   ' } });
    expect(blank.status).to.equal(400);
    await quotaSettled(h.admin!, { 'client-id': backClient }, THROTTLED);
    const shown = await cli(TOKENS.viewer, 'incident', backId);
    expect(shown.out).to.contain('    release: on-resolve, HELD (nothing releases it automatically), released too early 1x');
    expect(shown.out).to.contain(`    held by the loop breaker: once it is safe, firebreak hold ${backId} hand-back|clear --reason <why>`);

    const handed = await h.api('POST', path, { body: { reason: 'consumer scaled to 6 replicas' } });
    expect(handed.status, JSON.stringify(handed.body)).to.equal(200);
    expect(handed.body).to.deep.include({ incidentId: backId, how: 'hand-back', steps: ['throttle'], releasesScheduled: 1, revert: null });
    const [lifted] = await kinds(backId, 'release.hold-lifted');
    expect(lifted).to.deep.include({ actor: 'alice', phase: 'containment' });
    expect(lifted!.data).to.deep.include({ how: 'hand-back', reason: 'consumer scaled to 6 replicas', steps: ['throttle'] });
    expect(lifted!.summary).to.equal('alice handed step throttle back to automation (the loop breaker\'s hold is lifted; released now as its step says): consumer scaled to 6 replicas');
    // Released too early once before: the release waits the episode window, then lifts the quota.
    expect((await kinds(backId, 'release.scheduled')).at(-1)!.data).to.deep.include({ holdMs: 5_000, runId: null });
    await waitFor('the release after the hand-back', async () => ((await kinds(backId, 'revert.succeeded')).length === 2 ? true : undefined), { timeoutMs: 60_000 });
    await quotaSettled(h.admin!, { 'client-id': backClient }, {});
    await heard(backId, /^Hold lifted: alice handed step throttle back to automation/);
    const again = await h.api('POST', path, { body: { reason: 'twice' } });
    expect(again.status).to.equal(409);
    expect(again.body.code).to.equal('ENGINE_NOT_HELD');

    // Clear, from the CLI, while the alert still fires: the quota goes now.
    const usage = await cli(TOKENS.responder, 'hold', clearId, 'clear');
    expect(usage.code).to.equal(2);
    expect(usage.err).to.contain('--reason is required');
    const cleared = await cli(TOKENS.responder, 'hold', clearId, 'clear', '--reason', 'producer fixed by its team');
    expect(cleared.code, cleared.err).to.equal(0);
    const report = JSON.parse(cleared.out);
    expect(report).to.deep.include({ incidentId: clearId, how: 'clear', steps: ['throttle'], releasesScheduled: 0 });
    expect(report.revert.results.map((r: { status: string }) => r.status)).to.deep.equal(['reverted']);
    await quotaSettled(h.admin!, { 'client-id': clearClient }, {});
    const [clearedEntry] = await kinds(clearId, 'release.hold-lifted');
    expect(clearedEntry!.summary).to.equal("alice cleared the loop breaker's hold on step throttle and released it now: producer fixed by its team");
    expect(await heard(clearId, /^Hold lifted: alice cleared the loop breaker's hold on step throttle/)).to.satisfy((texts: string[]) => texts.some((t) => t.startsWith('Needs a person: ')));
    const revert = (await kinds(clearId, 'revert.succeeded')).at(-1)!;
    expect(revert.actor).to.equal('alice');
    const second = await cli(TOKENS.responder, 'hold', clearId, 'hand-back', '--reason', 'again');
    expect(second.code).to.equal(1);
    expect(second.err).to.contain('ENGINE_NOT_HELD');
  });
});
