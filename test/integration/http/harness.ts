/**
 * Runs a real firebreak app in-process for HTTP tests: a real SQLite store in a fresh temp
 * directory, the express app on an OS-assigned port on 127.0.0.1, known credentials. `close()`
 * stops the server, the pipeline and the store and removes the directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App, type AppDeps } from '../../../src/app.ts';
import type { AuthSettings } from '../../../src/config/credentials.ts';
import { CONFIG_DEFAULTS } from '../../../src/config/schema.ts';
import { systemClock, type Clock } from '../../../src/core/clock.ts';
import { createLogger, type Logger } from '../../../src/core/logger.ts';
import { createHttpServer } from '../../../src/http/server.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store } from '../../../src/store/types.ts';

export const TOKENS = {
  webhook: 'webhook-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
  responder: 'responder-token-0123456789abcdef',
  viewer: 'viewer-token-0123456789abcdef',
} as const;

export const BASIC = { username: 'alertmanager', password: 'basic-password-0123' } as const;

export const TEST_AUTH: AuthSettings = {
  disabled: false,
  webhook: { token: TOKENS.webhook, basicAuth: { ...BASIC } },
  apiTokens: [
    { name: 'root', role: 'admin', token: TOKENS.admin },
    { name: 'alice', role: 'responder', token: TOKENS.responder },
    { name: 'grafana', role: 'viewer', token: TOKENS.viewer },
  ],
};

export interface Harness {
  baseUrl: string;
  store: Store;
  app: App;
  dir: string;
  /** Every log line written so far, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  auth?: AuthSettings;
  webhookBodyBytes?: number;
  apiBodyBytes?: number;
  clock?: Clock;
  hooks?: AppDeps['hooks'];
  /** Wraps the store the app sees (to inject failures around the real one). */
  wrapStore?: (store: Store) => Store;
}

/** A logger that keeps every line in memory, for assertions on log output. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: createLogger({ level: 'debug' }, sink), lines };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'firebreak-http-'));
  const { logger, lines } = memoryLogger();
  const clock = options.clock ?? systemClock;
  const store = await openSqliteStore({ path: join(dir, 'firebreak.db'), logger, clock });
  await store.migrate();
  const app = createApp({
    config: {
      limits: {
        webhookBodyBytes: options.webhookBodyBytes ?? CONFIG_DEFAULTS.limits.webhookBodyBytes,
        apiBodyBytes: options.apiBodyBytes ?? CONFIG_DEFAULTS.limits.apiBodyBytes,
        shutdownGraceMs: 5_000,
      },
    },
    auth: options.auth ?? TEST_AUTH,
    store: options.wrapStore === undefined ? store : options.wrapStore(store),
    clock,
    logger,
    retryDelaysMs: [10, 10],
    ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
  });
  app.start();
  const server: Server = createHttpServer(app.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    store,
    app,
    dir,
    logs: lines,
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeIdleConnections();
      });
      await app.stop(5_000);
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `Authorization` header for a bearer token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** POSTs JSON (or raw text) to the webhook with the webhook token unless headers say otherwise. */
export async function postAlerts(baseUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}/api/v1/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(TOKENS.webhook), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

