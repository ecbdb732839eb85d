/**
 * The webhook's lean path (src/http/webhook-lean.ts) against express's route, on one app: the
 * same request sent to a server listening with express alone and to one listening with the lean
 * path in front gets the same status, the same headers (names, order, values) and the same body,
 * the same request log lines and the same webhook metric, for good and bad input alike. Each case
 * also says which path must answer it, so a lean path that silently handed everything to express
 * would fail here.
 */
import { expect } from 'chai';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { waitFor } from '../../support/eventually.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../../src/core/clock.ts';
import { createHttpServer } from '../../../src/http/server.ts';
import { storeError } from '../../../src/store/errors.ts';
import type { Store } from '../../../src/store/types.ts';
import { BASIC, startHarness, TOKENS, type Harness } from './harness.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/alertmanager');
const GOOD = readFileSync(join(FIXTURES, 'grouped-firing.json'), 'utf8');
const invalid = (name: string) => readFileSync(join(FIXTURES, 'invalid', `${name}.body.json`), 'utf8');

interface Case {
  name: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  /** Which path answers it when the lean path is in front. */
  path: 'lean' | 'express';
  /** Sent with the store failing to write. */
  storeFails?: boolean;
  /** Sent as a chunked body (no Content-Length). */
  chunked?: boolean;
}

const json = { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.webhook}` };
const nested = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
const oneUnreadable = (() => {
  const body = JSON.parse(GOOD) as { alerts: Array<Record<string, unknown>> };
  body.alerts[0] = { ...body.alerts[0], startsAt: 'yesterday' };
  return JSON.stringify(body);
})();

const CASES: Case[] = [
  { name: 'a good notification', body: GOOD, headers: json, path: 'lean' },
  { name: 'a byte-order mark before the JSON', body: `\uFEFF${GOOD}`, headers: json, path: 'lean' },
  { name: 'basic auth', body: GOOD, headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64')}` }, path: 'lean' },
  { name: 'a quoted UTF-8 charset in capitals', body: GOOD, headers: { ...json, 'content-type': 'Application/JSON; charset="UTF-8"' }, path: 'lean' },
  { name: 'one unreadable alert among readable ones', body: oneUnreadable, headers: json, path: 'lean' },
  { name: 'malformed JSON', body: invalid('malformed-json'), headers: json, path: 'lean' },
  { name: 'a JSON string at the top', body: '"alerts"', headers: json, path: 'lean' },
  { name: 'a top-level array', body: invalid('top-level-array'), headers: json, path: 'lean' },
  { name: 'version 3', body: invalid('version-3'), headers: json, path: 'lean' },
  { name: 'a missing group key', body: invalid('missing-group-key'), headers: json, path: 'lean' },
  { name: 'a start time that is not a time', body: invalid('starts-at-not-a-time'), headers: json, path: 'lean' },
  { name: 'nesting 10,000 levels deep', body: nested, headers: json, path: 'lean' },
  { name: 'a store that cannot write', body: GOOD, headers: json, path: 'lean', storeFails: true },
  { name: 'no credentials', body: GOOD, headers: { 'content-type': 'application/json' }, path: 'express' },
  { name: 'a wrong token', body: GOOD, headers: { ...json, authorization: 'Bearer not-the-token' }, path: 'express' },
  { name: 'an operator token', body: GOOD, headers: { ...json, authorization: `Bearer ${TOKENS.admin}` }, path: 'express' },
  { name: 'a malformed Authorization header', body: GOOD, headers: { ...json, authorization: 'Token' }, path: 'express' },
  { name: 'text/plain', body: GOOD, headers: { ...json, 'content-type': 'text/plain' }, path: 'express' },
  { name: 'a Latin-1 charset', body: GOOD, headers: { ...json, 'content-type': 'application/json; charset=iso-8859-1' }, path: 'express' },
  { name: 'no Content-Type', body: GOOD, headers: { authorization: `Bearer ${TOKENS.webhook}` }, path: 'express' },
  { name: 'an empty body', body: '', headers: json, path: 'express' },
  { name: 'a body over the limit', body: GOOD.padEnd(70_000, ' '), headers: json, path: 'express' },
  { name: 'a gzip-compressed body', body: gzipSync(GOOD), headers: { ...json, 'content-encoding': 'gzip' }, path: 'express' },
  { name: 'a chunked body', body: GOOD, headers: json, path: 'express', chunked: true },
];

interface Answer {
  status: number;
  /** Raw header names and values in order, without Date, with the request id replaced. */
  headers: string[];
  body: string;
}

function send(port: number, c: Case, requestId: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = typeof c.body === 'string' ? Buffer.from(c.body) : c.body;
    const headers: Record<string, string> = { ...c.headers, 'x-request-id': requestId };
    if (!c.chunked) headers['content-length'] = String(body.length);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/alerts', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const raw: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i] as string;
          if (name.toLowerCase() === 'date') continue;
          raw.push(name, name.toLowerCase() === 'x-request-id' ? '<id>' : (res.rawHeaders[i + 1] as string));
        }
        resolve({ status: res.statusCode ?? 0, headers: raw, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (c.chunked) {
      req.write(body.subarray(0, 100));
      req.end(body.subarray(100));
    } else req.end(body);
  });
}

/**
 * The answer with what differs between two stored notifications taken out: the id, and with
 * it the body's length (checked against the body first).
 */
function comparable(answer: Answer): Answer {
  const length = answer.headers.indexOf('Content-Length') + 1;
  expect(answer.headers[length], 'Content-Length').to.equal(String(Buffer.byteLength(answer.body)));
  if (answer.status !== 200) return answer;
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  expect(body.notificationId).to.be.a('number');
  return { ...answer, headers: answer.headers.map((v, i) => (i === length ? '<length>' : v)), body: JSON.stringify({ ...body, notificationId: '<id>' }) };
}

async function listen(handler: Parameters<typeof createHttpServer>[0]): Promise<{ server: Server; port: number }> {
  const server = createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('the webhook lean path answers as express does', () => {
  let h: Harness;
  let failing = false;
  const servers: Server[] = [];
  let expressPort = 0;
  let leanPort = 0;
  const delegated = new Set<string>();

  before(async () => {
    const failingStore = (store: Store): Store =>
      new Proxy(store, {
        get: (target, property) => {
          if (property === 'appendNotification' && failing) return () => Promise.reject(storeError('STORE_UNAVAILABLE', 'disk I/O error'));
          const value = Reflect.get(target, property, target) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    // A clock that stands still, so both servers' request lines fall in one sampling window.
    h = await startHarness({ clock: new FakeClock(), wrapStore: failingStore, webhookBodyBytes: 64 * 1024 });
    const plain = await listen(h.app.express);
    const lean = await listen((req, res) => {
      if (h.app.lean(req, res)) return;
      delegated.add(String(req.headers['x-request-id']));
      h.app.express(req, res);
    });
    servers.push(plain.server, lean.server);
    expressPort = plain.port;
    leanPort = lean.port;
  });
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await h.close();
  });

  /** The request's log lines, without what differs between two requests. */
  function linesOf(requestId: string): Array<Record<string, unknown>> {
    return h.logs
      .filter((l) => l.reqId === requestId)
      .map(({ time: _time, reqId: _reqId, durationMs, notificationId, level, ...rest }) => {
        expect(durationMs === undefined || typeof durationMs === 'number').to.equal(true);
        // The request line's level follows the sampler (info for the first of a window, then debug).
        // A 5xx line carries the error with its stack, which names the path it came through.
        if (typeof rest.err === 'object' && rest.err !== null) rest.err = { ...rest.err, stack: '<stack>' };
        return { ...rest, level: rest.msg === 'request' && (level === 30 || level === 20) ? 'info-or-debug' : level, notificationId: notificationId === undefined ? undefined : '<id>' };
      });
  }

  async function outcomeCount(): Promise<Map<string, number>> {
    const metric = await h.app.metrics.registry.getSingleMetric('firebreak_webhook_request_duration_seconds')?.get();
    const counts = new Map<string, number>();
    for (const v of metric?.values ?? []) if ((v as { metricName?: string }).metricName?.endsWith('_count') === true) counts.set(String(v.labels.outcome), v.value);
    return counts;
  }

  it('a client that goes away before its whole body arrived: the same aborted line, no metric', async () => {
    const before = await outcomeCount();
    for (const [server, port, requestId] of [
      [servers[0] as Server, expressPort, 'express-gone'],
      [servers[1] as Server, leanPort, 'lean-gone'],
    ] as const) {
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      // The server has the request (its handler ran) before the client goes.
      const received = new Promise((resolve) => server.once('request', resolve));
      socket.write(
        `POST /api/v1/alerts HTTP/1.1\r\nHost: firebreak\r\nContent-Type: application/json\r\nAuthorization: Bearer ${TOKENS.webhook}\r\n` +
          `X-Request-Id: ${requestId}\r\nContent-Length: ${GOOD.length}\r\n\r\n${GOOD.slice(0, 100)}`,
      );
      await received;
      socket.destroy();
      await waitFor(`the line of ${requestId}`, async () => (linesOf(requestId).length > 0 ? true : undefined));
    }
    expect(delegated.has('lean-gone'), 'answered by lean').to.equal(false);
    const expressLines = linesOf('express-gone');
    expect(expressLines).to.have.length(1);
    expect(expressLines[0]).to.include({ msg: 'request aborted by the client', status: null, code: 'WEBHOOK_INVALID_BODY', level: 40 });
    expect(linesOf('lean-gone')).to.deep.equal(expressLines);
    expect(await outcomeCount()).to.deep.equal(before);
  });

  for (const [index, c] of CASES.entries()) {
    it(`${c.name}: ${c.path}`, async () => {
      failing = c.storeFails === true;
      try {
        const ids = { express: `express-${index}`, lean: `lean-${index}` };
        const before = await outcomeCount();
        const viaExpress = await send(expressPort, c, ids.express);
        const middle = await outcomeCount();
        const viaLean = await send(leanPort, c, ids.lean);
        const after = await outcomeCount();

        expect(delegated.has(ids.lean), `answered by ${c.path}`).to.equal(c.path === 'express');
        expect(comparable(viaLean)).to.deep.equal(comparable(viaExpress));
        // What the answer is, so two equally wrong paths cannot agree.
        if (c.path === 'express' && c.name !== 'a gzip-compressed body' && c.name !== 'a chunked body') expect(viaLean.status).to.be.within(400, 499);
        if (c.storeFails === true) expect(JSON.parse(viaLean.body)).to.include({ statusCode: 503, code: 'WEBHOOK_NOT_STORED' });

        const outcome = viaLean.status === 200 ? 'ok' : (JSON.parse(viaLean.body) as { code: string }).code;
        expect((middle.get(outcome) ?? 0) - (before.get(outcome) ?? 0), 'express counted once').to.equal(1);
        expect((after.get(outcome) ?? 0) - (middle.get(outcome) ?? 0), 'lean counted once').to.equal(1);

        await h.app.pipeline.idle();
        const expressLines = linesOf(ids.express);
        expect(expressLines.some((l) => l.msg === 'request' || l.msg === 'request failed')).to.equal(true);
        expect(linesOf(ids.lean)).to.deep.equal(expressLines);
      } finally {
        failing = false;
      }
    });
  }
});
