/**
 * The HTTP boundary at its edges, over real sockets: every refusal carries firebreak's error body
 * and a stable code, whether express or Node's HTTP parser refused the request, and the server
 * runs with explicit timeouts and a connection limit.
 */
import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../../../src/http/server.ts';
import { waitFor } from '../../support/eventually.ts';
import { bearer, postAlerts, startHarness, TOKENS, type Harness } from './harness.ts';

/** Sends raw bytes, half-closes when asked, and resolves with everything the server answered. */
function rawExchange(url: string, request: string, options: { halfClose?: boolean } = {}): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(request);
      if (options.halfClose === true) socket.end();
    });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

function parseAnswer(raw: string): { status: number; headers: string; body: Record<string, unknown> } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body: JSON.parse(body) as Record<string, unknown> };
}

describe('HTTP edges', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  const api = (path: string, init: RequestInit = {}) => fetch(`${h.baseUrl}${path}`, { ...init, headers: { ...bearer(TOKENS.admin), ...(init.headers as Record<string, string>) } });

  it('answers a cursor it did not issue and an afterId beyond 2^53 with API_INVALID_QUERY', async () => {
    const cursor = await api('/api/v1/incidents?cursor=not-a-cursor');
    expect(cursor.status).to.equal(400);
    expect(await cursor.json()).to.deep.include({ code: 'API_INVALID_QUERY', details: { path: '/cursor' } });
    const stale = Buffer.from(JSON.stringify({ v: 0, o: 1, i: 'x' })).toString('base64url');
    expect(((await (await api(`/api/v1/incidents?cursor=${stale}`)).json()) as { code: string }).code).to.equal('API_INVALID_QUERY');
    const post = await postAlerts(h.baseUrl, (await import('../../fixtures/alertmanager/grouped-firing.json', { with: { type: 'json' } })).default);
    const { notificationId } = (await post.json()) as { notificationId: number };
    await waitFor('processed', async () => ((await h.store.getNotification(notificationId))?.processedAt ? true : undefined));
    const [incident] = (await h.store.listIncidents({ limit: 1 })).items;
    const big = await api(`/api/v1/incidents/${incident!.id}/timeline?afterId=9007199254740993`);
    expect(big.status).to.equal(400);
    expect(((await big.json()) as { code: string }).code).to.equal('API_INVALID_QUERY');
    const document = (await (await fetch(`${h.baseUrl}/api/v1/openapi.json`)).json()) as Record<string, any>;
    const afterId = (document.paths['/api/v1/incidents/{id}/timeline'].get.parameters as Array<Record<string, any>>).find((p) => p.name === 'afterId');
    expect(afterId?.schema.maximum).to.equal(Number.MAX_SAFE_INTEGER);
  });

  it('answers a method a known path does not take with 405 and Allow, an unknown path with 404', async () => {
    const put = await postAlerts(h.baseUrl, {}, {}).then(() => fetch(`${h.baseUrl}/api/v1/alerts`, { method: 'PUT', headers: bearer(TOKENS.webhook) }));
    expect(put.status).to.equal(405);
    expect(put.headers.get('allow')).to.equal('POST');
    expect(await put.json()).to.deep.include({ statusCode: 405, code: 'METHOD_NOT_ALLOWED', error: 'Method Not Allowed' });
    const del = await api('/api/v1/incidents', { method: 'DELETE' });
    expect(del.status).to.equal(405);
    expect(del.headers.get('allow')).to.equal('GET, HEAD');
    await del.body?.cancel();
    const missing = await api('/api/v1/nothing-here', { method: 'DELETE' });
    expect(missing.status).to.equal(404);
    expect(((await missing.json()) as { code: string }).code).to.equal('NOT_FOUND');
  });

  it('refuses a charset other than UTF-8 with 415, on the webhook and on the API', async () => {
    const body = JSON.stringify({ version: '4' });
    for (const type of ['application/json; charset=utf-16', 'application/json;charset="UTF-16LE"']) {
      const webhook = await postAlerts(h.baseUrl, body, { 'content-type': type });
      expect(webhook.status, type).to.equal(415);
      expect(((await webhook.json()) as { code: string }).code).to.equal('WEBHOOK_UNSUPPORTED_MEDIA_TYPE');
    }
    const note = await api('/api/v1/incidents/INC-X/notes', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-16' }, body: '{"text":"x"}' });
    expect(note.status).to.equal(415);
    expect(((await note.json()) as { code: string }).code).to.equal('API_UNSUPPORTED_MEDIA_TYPE');
    const utf8 = await postAlerts(h.baseUrl, body, { 'content-type': 'application/json; charset=UTF-8' });
    expect(utf8.status).to.equal(400);
    await utf8.body?.cancel();
  });

  it('answers Content-Length with Transfer-Encoding, and a body cut short, with its error body', async () => {
    const both = parseAnswer(
      await rawExchange(
        h.baseUrl,
        `POST /api/v1/alerts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.webhook}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      ),
    );
    expect(both.status).to.equal(400);
    expect(both.body).to.include({ statusCode: 400, code: 'HTTP_INVALID_REQUEST', error: 'Bad Request' });
    const cut = parseAnswer(
      await rawExchange(
        h.baseUrl,
        `POST /api/v1/alerts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.webhook}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"version":"4"`,
        { halfClose: true },
      ),
    );
    expect(cut.status).to.equal(400);
    expect(cut.body).to.include({ statusCode: 400 });
    expect(cut.body.code).to.equal('HTTP_INVALID_REQUEST');
    expect(await h.store.unprocessedNotifications(10)).to.deep.equal([]);
  });

  it('serves the post-mortem Markdown with X-Content-Type-Options: nosniff', async () => {
    const [incident] = (await h.store.listIncidents({ limit: 1 })).items;
    await api(`/api/v1/incidents/${incident!.id}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: '# not a heading\n[x](javascript:alert(1))' }) });
    const response = await api(`/api/v1/incidents/${incident!.id}/postmortem`);
    expect(response.status).to.equal(200);
    expect(response.headers.get('x-content-type-options')).to.equal('nosniff');
    const text = await response.text();
    expect(text).to.contain('\\# not a heading');
    expect(text).not.to.contain('](javascript:');
  });
});

describe('HTTP server limits', () => {
  it('answers a request whose headers never finish with 408 and its error body, and closes connections over the limit', async function () {
    this.timeout(20_000);
    const server = createHttpServer((_req, res) => res.end('ok'), { headersTimeoutMs: 300, requestTimeoutMs: 600, timeoutCheckMs: 100, maxConnections: 2 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(server.headersTimeout).to.equal(300);
      expect(server.requestTimeout).to.equal(600);
      const slow = parseAnswer(await rawExchange(url, 'GET / HTTP/1.1\r\nHost: x\r\n'));
      expect(slow.status).to.equal(408);
      expect(slow.body).to.include({ code: 'HTTP_REQUEST_TIMEOUT' });
      const open: Socket[] = [];
      for (let i = 0; i < 2; i++) {
        open.push(await new Promise<Socket>((resolve) => {
          const s = connect(Number(new URL(url).port), '127.0.0.1', () => resolve(s));
        }));
      }
      await waitFor('two connections counted', async () => new Promise<true | undefined>((resolve) => server.getConnections((_e, n) => resolve(n === 2 ? true : undefined))));
      const third = await rawExchange(url, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(third).to.equal('');
      for (const s of open) s.destroy();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
