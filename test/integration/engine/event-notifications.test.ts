/**
 * Event notifications at a real local HTTP sink, in Slack's format, with a real cluster and no
 * runbook step that notifies: approval requested (what, until when, a link button to the page),
 * containment applied, a status update posted through the API, containment released and the
 * incident resolved with its figures. A generic webhook target gets only what it subscribed to,
 * and a target that refuses a message leaves `notification.failed` on the timeline.
 */
import { expect } from 'chai';
import { quotaSettled } from '../actions/harness.ts';
import { startRecordingServer, type Received, type RecordingServer } from '../actions/recording-server.ts';
import { eventually } from '../../support/eventually.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { engineAlert, startEngineApp, type EngineApp } from './engine-app.ts';

const PUBLIC_URL = 'https://firebreak.example.test';

interface SlackBlock {
  type: string;
  text?: { type: string; text: string };
  fields?: Array<{ type: string; text: string }>;
  elements?: Array<{ type: string; url?: string; text?: { text: string } }>;
}

describe('event notifications to chat targets', function () {
  this.timeout(120_000);
  let kafka: Cluster;
  let h: EngineApp;
  let slack: RecordingServer;
  let hook: RecordingServer;
  let refusing: RecordingServer;
  before(async function () {
    this.timeout(240_000);
    kafka = await useKafka();
    slack = await startRecordingServer(() => ({ status: 200, body: 'ok' }));
    hook = await startRecordingServer(() => ({ status: 204, body: '' }));
    refusing = await startRecordingServer(() => ({ status: 400, body: 'invalid_blocks' }));
    h = await startEngineApp(kafka, {
      mode: 'enforce',
      publicUrl: PUBLIC_URL,
      notify: {
        timeoutMs: 5_000,
        targets: {
          oncall: { url: `${slack.base}/services/T000/B000/secret`, kind: 'slack' },
          statuspage: { url: `${hook.base}/hook`, kind: 'webhook' },
          broken: { url: `${refusing.base}/broken`, kind: 'slack' },
        },
        subscriptions: {
          oncall: ['approval-requested', 'containment-applied', 'containment-released', 'escalated', 'resolved', 'status-update'],
          statuspage: ['status-update'],
          broken: ['resolved'],
        },
      },
    });
  });
  after(async () => {
    await h?.close();
    await Promise.all([slack?.close(), hook?.close(), refusing?.close()]);
  });

  const blocksOf = (r: Received) => (r.body as { blocks: SlackBlock[] }).blocks;
  const textOf = (r: Received) => blocksOf(r).map((b) => [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)].join('\n')).join('\n');
  const buttonOf = (r: Received) => blocksOf(r).find((b) => b.type === 'actions')?.elements?.[0];
  async function slackMessage(what: RegExp): Promise<Received> {
    return eventually(
      () => {
        const found = slack.received.find((r) => what.test((r.body as { text: string }).text));
        expect(found, `a Slack message matching ${what}; got ${slack.received.map((r) => (r.body as { text: string }).text).join(' | ')}`).not.to.equal(undefined);
        return found as Received;
      },
      { timeoutMs: 30_000 },
    );
  }

  it('tells the on-call channel what needs them and what firebreak did, and stakeholders the status', async () => {
    const client = uniqueName('producer');
    await h.post(engineAlert('EngineTestApproval', client, 'firing'));
    const id = await h.incidentByKey(`engine-lag-approval{client="${client}"}`);
    const link = `${PUBLIC_URL}/incidents/${id}`;

    const asked = await slackMessage(/^Approval needed: step throttle of engine-lag-approval \(until /);
    expect(asked.path).to.equal('/services/T000/B000/secret');
    expect(asked.headers['content-type']).to.match(/^application\/json/);
    expect(textOf(asked)).to.contain(`quota:client-id=${client} producer_byte_rate: (unset) → 1048576`).and.to.contain('Approve or reject it on the incident page before');
    expect(buttonOf(asked)).to.deep.include({ type: 'button', url: link });

    const approved = await h.api('POST', `/api/v1/incidents/${id}/steps/throttle/approve`, { body: { reason: 'go' } });
    expect(approved.status).to.equal(200);
    const applied = await slackMessage(/^Containment applied: Step throttle succeeded/);
    expect(buttonOf(applied)?.url).to.equal(link);
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 1_048_576 });

    const update = await h.api('POST', `/api/v1/incidents/${id}/status-updates`, {
      body: { known: 'Billing <consumers> lag by 2 hours', doing: 'Throttling the batch producer', nextUpdateAt: '2026-03-01T11:00:00Z' },
    });
    expect(update.status, JSON.stringify(update.body)).to.equal(201);
    expect(update.body).to.deep.include({ kind: 'status.update', actor: 'alice' });
    const status = await slackMessage(/^Status update: /);
    // Label values and text are escaped for Slack's mrkdwn, never markup.
    expect(textOf(status)).to.contain('What we know: Billing &lt;consumers&gt; lag by 2 hours').and.to.contain('Next update: 2026-03-01T11:00:00Z');
    await eventually(() => expect(hook.received).to.have.length(1), { timeoutMs: 15_000 });
    expect(hook.received[0]?.body).to.deep.include({ event: 'status-update', incidentId: id, url: link });

    await h.post(engineAlert('EngineTestApproval', client, 'resolved'));
    const released = await slackMessage(/^Containment released: /);
    expect(buttonOf(released)?.url).to.equal(link);
    await quotaSettled(h.admin!, { 'client-id': client }, {});
    const resolved = await slackMessage(/^Resolved: /);
    expect(textOf(resolved)).to.match(/\*Time to resolve\*\n\d/);

    const failed = await h.waitForEntry(id, (e) => e.kind === 'notification.failed', 'the failed notification');
    expect(failed.data).to.deep.include({ target: 'broken', event: 'resolved', attempts: 1 });
    expect(failed.summary).to.match(/^Notification "resolved" to broken failed: /);
    // Only what statuspage subscribed to.
    expect(hook.received.map((r) => (r.body as { event: string }).event)).to.deep.equal(['status-update']);
  });
});
