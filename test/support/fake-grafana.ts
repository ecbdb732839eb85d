/**
 * A small HTTP server standing in for Grafana's annotations API in tests (Grafana has no package
 * on the test machines). It implements the documented contract of the endpoints firebreak uses,
 * as Grafana's own handlers behave (pkg/api/annotations.go):
 *
 * - every request needs `Authorization: Bearer <token>`, else 401 `{"message": "Unauthorized"}`;
 * - `POST /api/annotations`: JSON body with `time`, `timeEnd` (epoch ms), `tags` (strings),
 *   `text`, `dashboardUID`, `panelId`; a body that is not such JSON is 400 `bad request data`, an
 *   empty `text` 400 `Failed to save annotation`; `time` 0 or missing means now; unknown fields
 *   are ignored. Answers `{"message": "Annotation added", "id": n}`, ids counting from 1.
 * - `PATCH /api/annotations/:id`: changes `tags` when present, `text` when non-empty, `time` and
 *   `timeEnd` when > 0; 404 `Annotation not found` for an unknown id, 400 `annotationId is
 *   invalid` for a non-numeric one. Answers `{"message": "Annotation patched"}`.
 * - `GET` and `DELETE /api/annotations/:id`.
 *
 * Every request is recorded (method, path, whether it was authorised, parsed body, status), and
 * the next N requests can be made to fail with a given status, to test retries.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from './eventually.ts';

export interface StoredAnnotation {
  id: number;
  time: number;
  timeEnd: number;
  tags: string[];
  text: string;
  dashboardUID: string | null;
  panelId: number;
}

export interface RecordedCall {
  method: string;
  path: string;
  authorized: boolean;
  body: unknown;
  status: number;
}

export interface FakeGrafana {
  /** `http://127.0.0.1:<port>` */
  url: string;
  token: string;
  /** Current annotations by id. */
  annotations: Map<number, StoredAnnotation>;
  calls: RecordedCall[];
  /** The next `count` requests answer `status` (after the auth check) without doing anything. */
  failNext(count: number, status: number): void;
  /** Resolves once `predicate` holds for the recorded calls (polled, bounded). */
  waitForCalls(predicate: (calls: RecordedCall[]) => boolean, timeoutMs?: number): Promise<RecordedCall[]>;
  close(): Promise<void>;
}

export async function startFakeGrafana(options: { token?: string; now?: () => number } = {}): Promise<FakeGrafana> {
  const token = options.token ?? 'glsa_test_0123456789abcdef';
  const now = options.now ?? (() => Date.now());
  const annotations = new Map<number, StoredAnnotation>();
  const calls: RecordedCall[] = [];
  let nextId = 1;
  let failures: { count: number; status: number } = { count: 0, status: 500 };

  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const path = (req.url ?? '/').split('?')[0] as string;
      const authorized = req.headers.authorization === `Bearer ${token}`;
      const body = parse(raw);
      const reply = (status: number, payload: unknown): void => {
        calls.push({ method: req.method ?? '', path, authorized, body: body === INVALID ? raw : body, status });
        send(res, status, payload);
      };
      if (!authorized) return reply(401, { message: 'Unauthorized' });
      if (failures.count > 0) {
        failures = { ...failures, count: failures.count - 1 };
        return reply(failures.status, { message: 'Internal Server Error' });
      }
      if (path === '/api/annotations' && req.method === 'POST') return reply(...create(body));
      const m = /^\/api\/annotations\/([^/]+)$/.exec(path);
      if (m === null) return reply(404, { message: 'Not found' });
      if (!/^\d+$/.test(m[1] as string)) return reply(400, { message: 'annotationId is invalid' });
      const id = Number(m[1]);
      const existing = annotations.get(id);
      if (req.method === 'GET') return existing === undefined ? reply(404, { message: 'Annotation not found' }) : reply(200, existing);
      if (req.method === 'DELETE') {
        if (existing === undefined) return reply(404, { message: 'Annotation not found' });
        annotations.delete(id);
        return reply(200, { message: 'Annotation deleted' });
      }
      if (req.method === 'PATCH') return reply(...patch(existing, body));
      return reply(405, { message: 'Method Not Allowed' });
    });
  });

  function create(body: unknown): [number, unknown] {
    const cmd = command(body);
    if (cmd === null) return [400, { message: 'bad request data' }];
    if (typeof cmd.text !== 'string' || cmd.text === '') return [400, { message: 'Failed to save annotation' }];
    const time = typeof cmd.time === 'number' && cmd.time > 0 ? cmd.time : now();
    const annotation: StoredAnnotation = {
      id: nextId++,
      time,
      timeEnd: typeof cmd.timeEnd === 'number' && cmd.timeEnd > 0 ? cmd.timeEnd : time,
      tags: Array.isArray(cmd.tags) ? (cmd.tags as string[]) : [],
      text: cmd.text,
      dashboardUID: typeof cmd.dashboardUID === 'string' ? cmd.dashboardUID : null,
      panelId: typeof cmd.panelId === 'number' ? cmd.panelId : 0,
    };
    annotations.set(annotation.id, annotation);
    return [200, { message: 'Annotation added', id: annotation.id }];
  }

  function patch(existing: StoredAnnotation | undefined, body: unknown): [number, unknown] {
    const cmd = command(body);
    if (cmd === null) return [400, { message: 'bad request data' }];
    if (existing === undefined) return [404, { message: 'Annotation not found' }];
    if (Array.isArray(cmd.tags)) existing.tags = cmd.tags as string[];
    if (typeof cmd.text === 'string' && cmd.text !== '') existing.text = cmd.text;
    if (typeof cmd.time === 'number' && cmd.time > 0) existing.time = cmd.time;
    if (typeof cmd.timeEnd === 'number' && cmd.timeEnd > 0) existing.timeEnd = cmd.timeEnd;
    return [200, { message: 'Annotation patched' }];
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    annotations,
    calls,
    failNext(count, status) {
      failures = { count, status };
    },
    waitForCalls(predicate, timeoutMs = 10_000) {
      return eventually(
        () => {
          if (!predicate(calls)) throw new Error(`calls: ${JSON.stringify(calls)}`);
          return calls;
        },
        { what: 'fake Grafana: condition', timeoutMs, intervalMs: 20 },
      );
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeAllConnections();
      }),
  };
}

const INVALID = Symbol('invalid JSON');

function parse(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return INVALID;
  }
}

/** The body as Grafana's binding reads it: a JSON object with correctly typed fields, else null. */
function command(body: unknown): Record<string, unknown> | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const cmd = body as Record<string, unknown>;
  const typed: Array<[string, (v: unknown) => boolean]> = [
    ['time', (v) => Number.isInteger(v)],
    ['timeEnd', (v) => Number.isInteger(v)],
    ['panelId', (v) => Number.isInteger(v)],
    ['text', (v) => typeof v === 'string'],
    ['dashboardUID', (v) => typeof v === 'string'],
    ['tags', (v) => v === null || (Array.isArray(v) && v.every((t) => typeof t === 'string'))],
  ];
  return typed.every(([key, ok]) => cmd[key] === undefined || ok(cmd[key])) ? cmd : null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
