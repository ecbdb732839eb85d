/** Messages derived from timeline entries, and their Slack and webhook bodies (pure). */
import { expect } from 'chai';
import type { Incident, TimelineEntry } from '../../../src/model/incident.ts';
import { KIND_EVENTS, notificationFor, slackBody, webhookBody } from '../../../src/record/notification-events.ts';
import { incidentLink } from '../../../src/record/notifier.ts';

const incident: Incident = {
  id: 'INC-01',
  key: 'k',
  title: 'Lag on <billing> & co',
  severity: 'critical',
  cluster: 'prod',
  status: 'contained',
  runbook: 'lag',
  labels: {},
  startedAt: '2026-03-01T10:00:00.000Z',
  openedAt: '2026-03-01T10:00:05.000Z',
  containedAt: null,
  resolvedAt: null,
  recoveredAt: null,
  closedAt: null,
  updatedAt: '2026-03-01T10:00:05.000Z',
};
const figures = { timeToDetect: 5_000, timeToContain: null, timeToResolve: 600_000, timeToRecover: null, duration: 600_000 };

function entry(kind: TimelineEntry['kind'], data: Record<string, unknown>, summary = 'summary'): TimelineEntry {
  return { id: 7, incidentId: 'INC-01', at: '2026-03-01T10:10:00.000Z', phase: null, kind, actor: 'engine', summary, data };
}

describe('notification messages', () => {
  const ctx = { incident, figures, url: incidentLink('https://fb.example.com', 'INC-01') };

  it('maps each notified kind to its event, and nothing else', () => {
    expect(notificationFor(entry('approval.requested', { stepId: 'throttle', expiresAt: '2026-03-01T10:20:00.000Z' }), ctx)?.event).to.equal('approval-requested');
    expect(notificationFor(entry('step.succeeded', { applied: {}, changes: [] }), ctx)?.event).to.equal('containment-applied');
    expect(notificationFor(entry('step.succeeded', { output: {} }), ctx), 'a read-only step').to.equal(null);
    expect(notificationFor(entry('revert.succeeded', {}), ctx)?.event).to.equal('containment-released');
    const relaxed = notificationFor(entry('release.step', { changes: [{ resource: 'quota:client-id=x', key: 'producer_byte_rate', from: 1048576, to: 2097152 }] }, 'Relaxed step throttle from level 1 to 2: held 5m'), ctx);
    expect(relaxed).to.deep.include({ event: 'containment-released', title: 'Containment relaxed: Relaxed step throttle from level 1 to 2: held 5m' });
    expect(relaxed?.text).to.contain('quota:client-id=x producer_byte_rate: 1048576 → 2097152');
    expect(notificationFor(entry('release.check', {}), ctx), 'a check is no news').to.equal(null);
    for (const kind of ['revert.failed', 'revert.conflict', 'approval.expired'] as const) expect(notificationFor(entry(kind, {}), ctx)?.event).to.equal('escalated');
    const escalation = { ...entry('note', { reason: 'loop' }, 'Released 3 times in an hour: firebreak stops releasing'), kind: 'incident.escalated' } as unknown as TimelineEntry;
    expect(notificationFor(escalation, ctx)).to.deep.include({ event: 'escalated', title: 'Needs a person: Released 3 times in an hour: firebreak stops releasing' });
    expect(notificationFor(entry('revert.failed', { retryAt: '2026-03-01T10:10:05.000Z' }), ctx), 'a failure the engine retries by itself').to.equal(null);
    // The end of a loop-breaker escalation reaches whoever heard of it.
    const handedBack = notificationFor({ ...entry('release.hold-lifted', { how: 'hand-back', reason: 'scaled', steps: ['throttle'] }, 'alice handed step throttle back to automation: scaled'), actor: 'alice' }, ctx);
    expect(handedBack).to.deep.include({ event: 'escalated', title: 'Hold lifted: alice handed step throttle back to automation: scaled' });
    expect(handedBack?.text).to.equal('Lag on <billing> & co.\nThe loop breaker no longer holds it: automation releases it as its step says.');
    expect(handedBack?.fields).to.deep.include(['Lifted by', 'alice']);
    expect(notificationFor(entry('release.hold-lifted', { how: 'clear' }), ctx)?.text).to.contain('the held changes are reverted now');
    expect(notificationFor(entry('release.held', {}), ctx), 'a resolve that leaves the hold in force: the escalation said so').to.equal(null);
    expect(notificationFor(entry('incident.status', { to: 'resolved' }), ctx)?.event).to.equal('resolved');
    expect(notificationFor(entry('incident.status', { to: 'contained' }), ctx)).to.equal(null);
    expect(notificationFor(entry('note', { text: 'x' }), ctx)).to.equal(null);
    expect(Object.keys(KIND_EVENTS)).to.include('status.update');
  });

  it('builds Slack blocks with escaped text and a link button, and a plain context line for a relative link', () => {
    const message = notificationFor(entry('status.update', { known: 'a <b> & c', doing: 'd', nextUpdateAt: null }), ctx)!;
    const body = slackBody(message) as { text: string; blocks: Array<Record<string, any>> };
    expect(body.text).to.equal('Status update: Lag on <billing> & co (INC-01)');
    expect(body.blocks[0]?.text.text).to.equal('*Status update: Lag on &lt;billing&gt; &amp; co*\nWhat we know: a &lt;b&gt; &amp; c\nWhat we do: d\nNext update: none planned');
    expect(body.blocks[2]).to.deep.equal({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the incident' }, url: 'https://fb.example.com/incidents/INC-01', action_id: 'open-incident' }] });
    const relative = slackBody({ ...message, url: incidentLink(null, 'INC-01') }) as { blocks: Array<Record<string, any>> };
    expect(relative.blocks[2]).to.deep.equal({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Incident page: /incidents/INC-01' }] });
  });

  it('puts the reached figures in the resolved message, and the fields in the webhook body', () => {
    const message = notificationFor(entry('incident.status', { to: 'resolved' }, 'All alerts resolved'), ctx)!;
    expect(message.text).to.equal('All alerts resolved.\nTime to detect: 5s, Time to resolve: 10m, Duration: 10m');
    expect(webhookBody(message)).to.deep.include({ event: 'resolved', incidentId: 'INC-01', url: 'https://fb.example.com/incidents/INC-01' });
    expect((webhookBody(message).fields as Record<string, string>)['Time to resolve']).to.equal('10m');
  });
});
