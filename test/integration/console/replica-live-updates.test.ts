/**
 * Live updates across replicas sharing one store: an event stream on one replica delivers the
 * entries another replica commits (an incident's stream as entries, the console's stream of
 * every incident as `changed`), and a stream ends when its replica drains for shutdown.
 */
import { expect } from 'chai';
import { bearer, TOKENS } from '../http/harness.ts';
import { eventually } from '../../support/eventually.ts';
import { replicas, type Replicas } from './replicas.ts';
import { parseEvents, type StreamEvent } from '../../../src/cli/commands/api-stream.ts';

/** Reads an event stream in the background, collecting its events. */
function listen(url: string, headers: Record<string, string>): { events: StreamEvent[]; ended: Promise<void>; stop(): void } {
  const events: StreamEvent[] = [];
  const abort = new AbortController();
  const ended = (async () => {
    const response = await fetch(url, { headers, signal: abort.signal });
    expect(response.status).to.equal(200);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      const parsed = parseEvents(buffer);
      buffer = parsed.rest;
      events.push(...parsed.events);
    }
  })().catch((err: unknown) => {
    if (!abort.signal.aborted) throw err;
  });
  return { events, ended, stop: () => abort.abort() };
}

describe('live updates across replicas', () => {
  let r: Replicas;
  beforeEach(async () => {
    r = await replicas();
  });
  afterEach(async () => {
    await r.close();
  });

  it("delivers the entries another replica commits, in order, once each", async () => {
    const a = await r.start();
    const b = await r.start();
    const incident = await a.store.createIncident({
      key: 'k', title: 'Lag', severity: 'warning', cluster: 'c', status: 'open', runbook: null, labels: {},
      startedAt: '2026-03-01T09:59:00.000Z', openedAt: '2026-03-01T10:00:00.000Z', containedAt: null, resolvedAt: null, recoveredAt: null, closedAt: null,
    });
    const onB = listen(`${b.url}/api/v1/incidents/${incident.id}/events?afterId=0`, bearer(TOKENS.viewer));
    const note = (text: string) =>
      fetch(`${a.url}/api/v1/incidents/${incident.id}/notes`, { method: 'POST', headers: { ...bearer(TOKENS.responder), 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
    expect((await note('first, on replica A')).status).to.equal(201);
    await eventually(() => expect(onB.events.filter((e) => e.event === 'timeline')).to.have.length(1), { timeoutMs: 10_000 });
    expect((await note('second, on replica A')).status).to.equal(201);
    expect((await note('third, on replica A')).status).to.equal(201);
    await eventually(() => expect(onB.events.filter((e) => e.event === 'timeline')).to.have.length(3), { timeoutMs: 10_000 });
    const texts = onB.events.map((e) => (JSON.parse(e.data) as { data: { text: string } }).data.text);
    expect(texts).to.deep.equal(['first, on replica A', 'second, on replica A', 'third, on replica A']);
    onB.stop();
  });

  it('tells the console stream of a replica that another one changed something, and ends streams at shutdown', async () => {
    const a = await r.start({ disabled: true, webhook: {}, apiTokens: [] });
    const b = await r.start({ disabled: true, webhook: {}, apiTokens: [] });
    const onB = listen(`${b.url}/console/events`, {});
    await eventually(() => expect(b.app.live.size()).to.equal(1), { timeoutMs: 5_000 });
    const incident = await a.store.createIncident({
      key: 'k2', title: 'Disk', severity: null, cluster: null, status: 'open', runbook: null, labels: {},
      startedAt: '2026-03-01T09:59:00.000Z', openedAt: '2026-03-01T10:00:00.000Z', containedAt: null, resolvedAt: null, recoveredAt: null, closedAt: null,
    });
    await fetch(`${a.url}/api/v1/incidents/${incident.id}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'on A' }) });
    await eventually(() => expect(onB.events.map((e) => e.event)).to.include('changed'), { timeoutMs: 10_000 });
    b.app.drain();
    await onB.ended;
    expect(b.app.live.size()).to.equal(0);
  });
});
