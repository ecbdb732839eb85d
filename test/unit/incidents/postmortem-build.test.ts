import { expect } from 'chai';
import { processNotification } from '../../../src/incidents/process.ts';
import { buildPostmortem, renderPostmortemMarkdown } from '../../../src/incidents/postmortem.ts';
import { closeIncident, transitionIncident } from '../../../src/incidents/lifecycle.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { alert, notification } from './payloads.ts';
import { openMemoryStore, type MemoryStore } from './memory-store.ts';

describe('buildPostmortem', () => {
  let env: MemoryStore;
  beforeEach(async () => {
    env = await openMemoryStore('2026-03-01T10:01:05Z');
  });
  afterEach(async () => {
    await env.store.close();
  });

  it('gathers the incident, its alerts, timeline, roles, notes and action items from the store', async () => {
    const annotations = { summary: 'Disk 91% full on broker 2', impact: 'Producers to orders may be rejected' };
    const firing = await env.store.appendNotification(notification([alert({ fingerprint: 'd2', startsAt: '2026-03-01T10:00:00Z', annotations })]), '2026-03-01T10:01:05.000Z');
    const id = (await processNotification(env, firing)).incidents[0]!.id;
    await env.store.transaction(async (tx) => {
      await tx.assignRole(id, { role: 'commander', person: 'alice', assignedAt: '2026-03-01T10:02:00.000Z', assignedBy: 'alice' });
      await tx.appendTimeline({ incidentId: id, at: '2026-03-01T10:02:00.000Z', phase: 'identification', kind: 'role.assigned', actor: 'alice', summary: 'alice is commander', data: {} });
      await transitionIncident(tx, id, 'contained', '2026-03-01T10:05:00.000Z', 'engine', 'Contained: retention of orders lowered');
      await tx.appendTimeline({ incidentId: id, at: '2026-03-01T10:20:00.000Z', phase: 'lessons-learned', kind: 'note', actor: 'bob', summary: 'note', data: { text: 'root-cause: retention set to infinite by a migration' } });
      await tx.addActionItem({ incidentId: id, title: 'Alert on retention.ms=-1', owner: 'bob', dueDate: null, createdAt: '2026-03-01T10:21:00.000Z', createdBy: 'bob' });
    });
    env.clock.set('2026-03-01T10:31:00Z');
    const resolved = await env.store.appendNotification(
      notification([alert({ fingerprint: 'd2', status: 'resolved', startsAt: '2026-03-01T10:00:00Z', endsAt: '2026-03-01T10:30:00Z', annotations })]),
      '2026-03-01T10:31:00.000Z',
    );
    await processNotification(env, resolved);
    await closeIncident(env.store, id, 'alice', Date.parse('2026-03-01T11:00:00Z'));

    const pm = await buildPostmortem(env.store, id, Date.parse('2026-03-02T00:00:00Z'));
    expect(pm.overview).to.deep.include({ title: 'Disk 91% full on broker 2', severity: 'critical', cluster: 'prod-eu', impact: ['Producers to orders may be rejected'] });
    expect(pm.overview.figures.map((f) => [f.name, f.text])).to.deep.equal([
      ['timeToDetect', '1m 5s'],
      ['timeToContain', '3m 55s'],
      ['timeToResolve', '30m'],
      ['timeToRecover', null],
      ['duration', '30m'],
    ]);
    expect(pm.alerts.map((a) => [a.fingerprint, a.status])).to.deep.equal([['d2', 'resolved']]);
    expect(pm.roles.map((r) => [r.role, r.person])).to.deep.equal([['commander', 'alice']]);
    expect(pm.participants.map((p) => p.name)).to.deep.equal(['alertmanager', 'alice', 'engine', 'bob']);
    expect(pm.timeline.map((e) => e.kind)).to.deep.equal([
      'alert.firing',
      'incident.opened',
      'role.assigned',
      'incident.status',
      'note',
      'alert.resolved',
      'incident.status',
      'incident.status',
    ]);
    expect(pm.rootCause.statements.map((s) => [s.text, s.author])).to.deep.equal([['retention set to infinite by a migration', 'bob']]);
    expect(pm.actionItems.map((a) => a.title)).to.deep.equal(['Alert on retention.ms=-1']);
    expect(pm.lessons).to.deep.equal([]);
    const md = renderPostmortemMarkdown(pm);
    expect(md).to.contain('| Time to contain | 3m 55s |');
    expect(md).to.contain('- retention set to infinite by a migration (bob, 2026-03-01 10:20:00)');
  });

  it('lists every episode of a re-fired alert, and says its start leaves out the rule\'s for:', async () => {
    const first = await env.store.appendNotification(notification([alert({ fingerprint: 'd2', startsAt: '2026-03-01T10:00:00Z' })]), '2026-03-01T10:01:05.000Z');
    const id = (await processNotification(env, first)).incidents[0]!.id;
    env.clock.set('2026-03-01T10:31:00Z');
    const resolved = await env.store.appendNotification(
      notification([alert({ fingerprint: 'd2', status: 'resolved', startsAt: '2026-03-01T10:00:00Z', endsAt: '2026-03-01T10:30:00Z' })]),
      '2026-03-01T10:31:00.000Z',
    );
    await processNotification(env, resolved);
    env.clock.set('2026-03-01T10:41:00Z');
    const again = await env.store.appendNotification(notification([alert({ fingerprint: 'd2', startsAt: '2026-03-01T10:40:00Z' })]), '2026-03-01T10:41:00.000Z');
    expect((await processNotification(env, again)).incidents[0]!.id).to.equal(id);

    const pm = await buildPostmortem(env.store, id, Date.parse('2026-03-02T00:00:00Z'));
    expect(pm.alerts.map((a) => [a.fingerprint, a.episode, a.status, a.startsAt])).to.deep.equal([
      ['d2', 1, 'resolved', '2026-03-01T10:00:00.000Z'],
      ['d2', 2, 'firing', '2026-03-01T10:40:00.000Z'],
    ]);
    expect(pm.overview.start).to.equal('2026-03-01T10:00:00.000Z');
    const md = renderPostmortemMarkdown(pm);
    expect(md).to.match(/\| KafkaUnderReplicatedPartitions \| 1 \| resolved \| 2026-03-01 10:00:00 \| 2026-03-01 10:30:00 \|/);
    expect(md).to.match(/\| KafkaUnderReplicatedPartitions \| 2 \| firing \| 2026-03-01 10:40:00 \| +\| cluster=prod-eu/);
    expect(md).to.include("first alert's own `startsAt`: Prometheus sets it when the alert fires, after the rule's `for:` duration");
  });

  it('reads a timeline longer than one store page in full', async () => {
    const alerts = Array.from({ length: 620 }, (_, i) => alert({ fingerprint: `p${i}`, startsAt: '2026-03-01T10:00:00Z', labels: { topic: 'orders', partition: String(i) } }));
    const stored = await env.store.appendNotification(notification(alerts), '2026-03-01T10:01:05.000Z');
    const result = await processNotification(env, stored);
    expect(result.incidents).to.have.length(1);
    const pm = await buildPostmortem(env.store, result.incidents[0]!.id, env.clock.now());
    expect(pm.timeline).to.have.length(621);
    expect(new Set(pm.timeline.map((e) => e.id)).size).to.equal(621);
    expect(pm.alerts).to.have.length(620);
  });

  it('answers NOT_FOUND for an unknown incident', async () => {
    let failure: unknown;
    await buildPostmortem(env.store, 'inc-missing', env.clock.now()).catch((err: unknown) => (failure = err));
    expect(failure).to.be.instanceOf(FirebreakError);
    expect((failure as FirebreakError).code).to.equal('NOT_FOUND');
  });
});
