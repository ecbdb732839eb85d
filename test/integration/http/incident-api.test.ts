/**
 * The incident API over real HTTP against a real SQLite store: reads for viewers, writes for
 * responders with the token's name on the timeline, validation and role errors by code.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bearer, postAlerts, startHarness, TOKENS, type Harness } from './harness.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/alertmanager');

interface Json {
  [key: string]: any;
}

describe('incident API', () => {
  let h: Harness;
  let incidentId: string;

  async function call(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${h.baseUrl}${path}`, {
      method,
      headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  }

  async function json(response: Response, status: number): Promise<Json> {
    const text = await response.text();
    expect(response.status, text).to.equal(status);
    return JSON.parse(text) as Json;
  }

  before(async () => {
    h = await startHarness({ apiBodyBytes: 16 * 1024 });
    await postAlerts(h.baseUrl, readFileSync(join(FIXTURES, 'grouped-firing.json'), 'utf8'));
    await postAlerts(h.baseUrl, readFileSync(join(FIXTURES, 'unicode-labels.json'), 'utf8'));
    await h.app.pipeline.idle();
    const page = await h.store.listIncidents({ limit: 10 });
    incidentId = page.items.find((i) => i.cluster === 'prod-eu1')!.id;
  });
  after(async () => {
    await h.close();
  });

  it('lists incidents for a viewer, filtered by status and paged with a cursor', async () => {
    const all = await json(await call('GET', '/api/v1/incidents', TOKENS.viewer), 200);
    expect(all.items).to.have.length(2);
    const first = await json(await call('GET', '/api/v1/incidents?limit=1', TOKENS.viewer), 200);
    expect(first.items).to.have.length(1);
    expect(first.nextCursor).to.be.a('string');
    const second = await json(await call('GET', `/api/v1/incidents?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`, TOKENS.viewer), 200);
    expect(second.items).to.have.length(1);
    expect(second.items[0].id).not.to.equal(first.items[0].id);
    const none = await json(await call('GET', '/api/v1/incidents?status=resolved,closed', TOKENS.viewer), 200);
    expect(none.items).to.deep.equal([]);
    const open = await json(await call('GET', '/api/v1/incidents?status=open&status=contained', TOKENS.viewer), 200);
    expect(open.items).to.have.length(2);
    const future = await json(await call('GET', '/api/v1/incidents?since=2100-01-01T00:00:00Z', TOKENS.viewer), 200);
    expect(future.items).to.deep.equal([]);
  });

  it('filters the list by cluster and severity in the store', async () => {
    const all = (await json(await call('GET', '/api/v1/incidents', TOKENS.viewer), 200)).items as Json[];
    const eu = await json(await call('GET', '/api/v1/incidents?cluster=prod-eu1', TOKENS.viewer), 200);
    expect(eu.items.map((i: Json) => i.id)).to.deep.equal([incidentId]);
    const either = await json(await call('GET', `/api/v1/incidents?cluster=prod-eu1,${encodeURIComponent(all.find((i) => i.id !== incidentId)?.cluster ?? 'none')}`, TOKENS.viewer), 200);
    expect(either.items).to.have.length(2);
    const severity = all.find((i) => i.id === incidentId)?.severity as string;
    const bySeverity = await json(await call('GET', `/api/v1/incidents?severity=${encodeURIComponent(severity)}&cluster=prod-eu1`, TOKENS.viewer), 200);
    expect(bySeverity.items.map((i: Json) => i.id)).to.deep.equal([incidentId]);
    const none = await json(await call('GET', '/api/v1/incidents?cluster=prod-eu1&severity=no-such-severity', TOKENS.viewer), 200);
    expect(none).to.deep.equal({ items: [], nextCursor: null });
    const empty = await json(await call('GET', `/api/v1/incidents?cluster=${'x'.repeat(201)}`, TOKENS.viewer), 400);
    expect(empty).to.include({ code: 'API_INVALID_QUERY' });
    expect(empty.details.path).to.equal('/cluster/0');
  });

  it('refuses a bad query with API_INVALID_QUERY naming the parameter', async () => {
    const badStatus = await json(await call('GET', '/api/v1/incidents?status=burning', TOKENS.viewer), 400);
    expect(badStatus).to.include({ code: 'API_INVALID_QUERY' });
    expect(badStatus.details.path).to.equal('/status/0');
    const badLimit = await json(await call('GET', '/api/v1/incidents?limit=0', TOKENS.viewer), 400);
    expect(badLimit.details.path).to.equal('/limit');
    const unknown = await json(await call('GET', '/api/v1/incidents?colour=red', TOKENS.viewer), 400);
    expect(unknown.details.path).to.equal('/colour');
    const badTime = await json(await call('GET', '/api/v1/incidents?since=yesterday', TOKENS.viewer), 400);
    expect(badTime.details.path).to.equal('/since');
  });

  it('shows one incident with figures, current alerts, roles and action items', async () => {
    const detail = await json(await call('GET', `/api/v1/incidents/${incidentId}`, TOKENS.viewer), 200);
    expect(detail.incident).to.include({ id: incidentId, status: 'open' });
    expect(detail.alerts).to.have.length(3);
    expect(detail.figures).to.have.property('timeToDetect').that.is.a('number');
    expect(detail.figures.timeToResolve).to.equal(null);
    expect(detail.roles).to.be.an('array');
  });

  it('answers NOT_FOUND for an unknown incident and for an unknown route', async () => {
    const missing = await json(await call('GET', '/api/v1/incidents/INC-0000000000000000', TOKENS.viewer), 404);
    expect(missing).to.include({ code: 'NOT_FOUND', error: 'Not Found' });
    expect(missing.details).to.deep.equal({ incidentId: 'INC-0000000000000000' });
    const note = await json(await call('POST', '/api/v1/incidents/INC-0000000000000000/notes', TOKENS.responder, { text: 'x' }), 404);
    expect(note.code).to.equal('NOT_FOUND');
    const route = await json(await call('GET', '/api/v2/incidents', TOKENS.viewer), 404);
    expect(route.code).to.equal('NOT_FOUND');
    expect(route.message).to.equal('no route GET /api/v2/incidents');
  });

  it('records a note, a role and an action item with the token name as actor', async () => {
    const note = await json(await call('POST', `/api/v1/incidents/${incidentId}/notes`, TOKENS.responder, { text: 'why: broker 3 lost its disk', phase: 'identification' }), 201);
    expect(note).to.include({ kind: 'note', actor: 'alice', phase: 'identification' });
    const role = await json(await call('POST', `/api/v1/incidents/${incidentId}/roles`, TOKENS.responder, { role: 'commander', person: 'Bob' }), 201);
    expect(role).to.include({ role: 'commander', person: 'Bob', assignedBy: 'alice' });
    const item = await json(
      await call('POST', `/api/v1/incidents/${incidentId}/action-items`, TOKENS.admin, { title: 'Alert on disk before it fills', owner: 'storage-team', dueDate: '2026-04-01' }),
      201,
    );
    expect(item).to.include({ title: 'Alert on disk before it fills', owner: 'storage-team', dueDate: '2026-04-01', createdBy: 'root' });

    const timeline = await json(await call('GET', `/api/v1/incidents/${incidentId}/timeline`, TOKENS.viewer), 200);
    const written = timeline.items.filter((e: Json) => ['note', 'role.assigned', 'action-item.added'].includes(e.kind));
    expect(written.map((e: Json) => [e.kind, e.actor])).to.deep.equal([
      ['note', 'alice'],
      ['role.assigned', 'alice'],
      ['action-item.added', 'root'],
    ]);
    const detail = await json(await call('GET', `/api/v1/incidents/${incidentId}`, TOKENS.viewer), 200);
    expect(detail.roles).to.deep.include({ role: 'commander', person: 'Bob', assignedAt: role.assignedAt, assignedBy: 'alice' });
    expect(detail.actionItems).to.have.length(1);
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).to.include('firebreak_timeline_entries_total{kind="note"} 1');
  });

  it('pages the timeline by id', async () => {
    const first = await json(await call('GET', `/api/v1/incidents/${incidentId}/timeline?limit=2`, TOKENS.viewer), 200);
    expect(first.items).to.have.length(2);
    expect(first.nextAfterId).to.equal(first.items[1].id);
    const rest = await json(await call('GET', `/api/v1/incidents/${incidentId}/timeline?afterId=${first.nextAfterId}&limit=500`, TOKENS.viewer), 200);
    expect(rest.items[0].id).to.be.greaterThan(first.nextAfterId);
    expect(rest.nextAfterId).to.equal(null);
  });

  it('refuses writes from viewers and the webhook credentials with AUTH_FORBIDDEN, and reads without a token with AUTH_MISSING', async () => {
    const viewer = await json(await call('POST', `/api/v1/incidents/${incidentId}/notes`, TOKENS.viewer, { text: 'hi' }), 403);
    expect(viewer).to.include({ code: 'AUTH_FORBIDDEN' });
    const webhook = await json(await call('GET', '/api/v1/incidents', TOKENS.webhook), 403);
    expect(webhook.code).to.equal('AUTH_FORBIDDEN');
    const anonymous = await fetch(`${h.baseUrl}/api/v1/incidents`);
    expect(anonymous.headers.get('www-authenticate')).to.equal('Bearer realm="firebreak"');
    expect((await json(anonymous, 401)).code).to.equal('AUTH_MISSING');
    const wrong = await json(await call('GET', '/api/v1/incidents', 'not-a-token-at-all-0000'), 401);
    expect(wrong.code).to.equal('AUTH_INVALID');
  });

  it('validates request bodies: API_INVALID_BODY with the path, API_INVALID_JSON, media type and size', async () => {
    const role = await json(await call('POST', `/api/v1/incidents/${incidentId}/roles`, TOKENS.responder, { role: 'king', person: 'Bob' }), 400);
    expect(role).to.include({ code: 'API_INVALID_BODY' });
    expect(role.details.path).to.equal('/role');
    const extra = await json(await call('POST', `/api/v1/incidents/${incidentId}/notes`, TOKENS.responder, { text: 'x', mood: 'grim' }), 400);
    expect(extra.details.path).to.equal('/mood');
    const empty = await json(await call('POST', `/api/v1/incidents/${incidentId}/notes`, TOKENS.responder, { text: '' }), 400);
    expect(empty.details.path).to.equal('/text');
    const missing = await json(await call('POST', `/api/v1/incidents/${incidentId}/notes`, TOKENS.responder), 400);
    expect(missing.code).to.equal('API_INVALID_BODY');
    const due = await json(await call('POST', `/api/v1/incidents/${incidentId}/action-items`, TOKENS.responder, { title: 't', dueDate: 'soon' }), 400);
    expect(due.details.path).to.equal('/dueDate');
    const malformed = await json(await call('POST', `/api/v1/incidents/${incidentId}/notes`, TOKENS.responder, '{"text":'), 400);
    expect(malformed.code).to.equal('API_INVALID_JSON');
    const media = await json(await call('POST', `/api/v1/incidents/${incidentId}/notes`, TOKENS.responder, 'text=hi', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    expect(media.code).to.equal('API_UNSUPPORTED_MEDIA_TYPE');
    const big = await json(await call('POST', `/api/v1/incidents/${incidentId}/notes`, TOKENS.responder, { text: 'x'.repeat(20 * 1024) }), 413);
    expect(big.code).to.equal('API_PAYLOAD_TOO_LARGE');
  });

  it('serves the post-mortem as Markdown by default and as JSON on request', async () => {
    const markdown = await call('GET', `/api/v1/incidents/${incidentId}/postmortem`, TOKENS.viewer);
    expect(markdown.status).to.equal(200);
    expect(markdown.headers.get('content-type')).to.equal('text/markdown; charset=utf-8');
    const text = await markdown.text();
    expect(text).to.match(/^# Post-mortem: /);
    expect(text).to.include('broker 3 lost its disk');
    const data = await json(await call('GET', `/api/v1/incidents/${incidentId}/postmortem?format=json`, TOKENS.viewer), 200);
    expect(data.incident.id).to.equal(incidentId);
    expect(data.actionItems).to.have.length(1);
    const bad = await json(await call('GET', `/api/v1/incidents/${incidentId}/postmortem?format=pdf`, TOKENS.viewer), 400);
    expect(bad.code).to.equal('API_INVALID_QUERY');
  });

  it('closes an incident once, with the reason on the timeline; closing again is a conflict', async () => {
    const closed = await json(await call('POST', `/api/v1/incidents/${incidentId}/close`, TOKENS.responder, { reason: 'replaced the disk' }), 200);
    expect(closed).to.include({ id: incidentId, status: 'closed' });
    expect(closed.closedAt).to.be.a('string');
    const timeline = await json(await call('GET', `/api/v1/incidents/${incidentId}/timeline?limit=500`, TOKENS.viewer), 200);
    const last = timeline.items.at(-1);
    expect(last).to.include({ kind: 'incident.status', actor: 'alice' });
    expect(last.summary).to.include('replaced the disk');
    const again = await json(await call('POST', `/api/v1/incidents/${incidentId}/close`, TOKENS.responder), 409);
    expect(again.code).to.equal('INCIDENT_INVALID_TRANSITION');
    const closedList = await json(await call('GET', '/api/v1/incidents?status=closed', TOKENS.viewer), 200);
    expect(closedList.items.map((i: Json) => i.id)).to.deep.equal([incidentId]);
  });
});
