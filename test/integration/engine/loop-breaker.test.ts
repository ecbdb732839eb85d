/**
 * A flapping alert against a real cluster: each re-fire right after firebreak lifted the quota
 * is "released too early" and puts the quota back despite the cooldown; after N contain/release
 * cycles the loop breaker stops automating the group, keeps the quota in force past the next
 * resolve, escalates on the timeline, in the metric and to the configured notify target.
 */
import { expect } from 'chai';
import { waitFor } from '../../support/eventually.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { quotaSettled } from '../actions/harness.ts';
import { startRecordingServer, type RecordingServer } from '../actions/recording-server.ts';
import { engineAlert, startEngineApp, type EngineApp } from './engine-app.ts';

const LAG = 'EngineTestLag';
const THROTTLED = { producer_byte_rate: 1_048_576 };

describe('engine: the loop breaker stops a flapping alert', function () {
  this.timeout(240_000);
  let kafka: Cluster;
  let h: EngineApp;
  let oncall: RecordingServer;

  before(async function () {
    this.timeout(240_000);
    kafka = await useKafka();
    oncall = await startRecordingServer(() => ({ status: 200, body: 'ok' }));
    h = await startEngineApp(kafka, {
      // Short windows for the test: a re-fire within 20 s of a release is the same episode; two cycles trip the breaker.
      engine: { episodeWindowMs: 20_000, loopBreakerCycles: 2, escalationTarget: 'oncall' },
      actionContext: { integrations: { notify: { targets: { oncall: { url: `${oncall.base}/hook`, kind: 'webhook' } }, timeoutMs: 5_000 } } },
    });
  });
  after(async () => {
    await h?.close();
    await oncall?.close();
  });

  it('re-applies the quota a release lifted too early, then after two cycles holds it and escalates', async () => {
    const client = uniqueName('flapping');
    const entity = { 'client-id': client };
    const episode = (n: number) => new Date(Date.UTC(2026, 2, 1, 10, n)).toISOString();
    const kinds = async (kind: string) => (await h.timeline(id)).filter((e) => e.kind === kind);

    await h.post(engineAlert(LAG, client, 'firing', episode(0)));
    const id = await h.incidentByKey(`engine-lag-throttle{client="${client}"}`);
    await quotaSettled(h.admin!, entity, THROTTLED);
    await h.post(engineAlert(LAG, client, 'resolved', episode(0)));
    await waitFor('the first release', async () => ((await kinds('revert.succeeded')).length === 1 ? true : undefined), { timeoutMs: 30_000 });
    await quotaSettled(h.admin!, entity, {});

    // Cycle 2: the alert fires again at once; the cooldown (1h) does not stop the re-application.
    await h.post(engineAlert(LAG, client, 'firing', episode(1)));
    await waitFor('released too early', async () => ((await kinds('release.too-early')).length === 1 ? true : undefined), { timeoutMs: 30_000 });
    await quotaSettled(h.admin!, entity, THROTTLED);
    await h.post(engineAlert(LAG, client, 'resolved', episode(1)));
    // Released too early once: this release waits the episode window with the alert resolved.
    const scheduled = await waitFor('the second release scheduled', async () => (await kinds('release.scheduled'))[1], { timeoutMs: 30_000 });
    expect(scheduled.data.holdMs).to.equal(20_000);
    await waitFor('the second release', async () => ((await kinds('revert.succeeded')).length === 2 ? true : undefined), { timeoutMs: 60_000 });
    await quotaSettled(h.admin!, entity, {});

    // Cycle 3: the breaker trips.
    await h.post(engineAlert(LAG, client, 'firing', episode(2)));
    const [escalation] = await waitFor('the escalation', async () => {
      const found = await kinds('incident.escalated');
      return found.length > 0 ? found : undefined;
    }, { timeoutMs: 30_000 });
    expect(escalation!.data).to.deep.include({ reason: 'loop-breaker', cycles: 2 });
    expect(escalation!.summary).to.match(/^engine-lag-throttle contained and released this group 2 times within 1h: firebreak stops automating it/);
    await quotaSettled(h.admin!, entity, THROTTLED);
    await waitFor('the message to the on-call target', async () => (oncall.received.length > 0 ? true : undefined));
    expect(oncall.received[0]!.body).to.deep.include({ title: `firebreak: ${id} needs a person (loop-breaker)` });
    expect((await h.app.metrics.render()).body).to.match(/^firebreak_escalations_total\{reason="loop-breaker"\} 1$/m);

    await h.post(engineAlert(LAG, client, 'resolved', episode(2)));
    await waitFor('the release held', async () => ((await kinds('release.held')).length === 1 ? true : undefined), { timeoutMs: 30_000 });
    // Nothing is scheduled that could release it: the change is held, no release timer lives.
    await h.app.engine!.idle();
    expect(await h.store.timers({ incidentId: id, kind: ['release'], status: ['pending', 'running'] })).to.deep.equal([]);
    const held = (await h.store.stepClaims({ incidentId: id })).filter((c) => c.stepId === 'throttle').at(-1)!;
    expect(held.releaseState?.hold).to.equal('loop-breaker');
    await quotaSettled(h.admin!, entity, THROTTLED);
    expect((await kinds('revert.succeeded')).length).to.equal(2);
    expect((await h.api('GET', `/api/v1/incidents/${id}`)).body.incident.status).to.equal('resolved');
  });
});
