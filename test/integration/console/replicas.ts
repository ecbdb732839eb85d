/**
 * Two or more app instances on one SQLite file, each on its own port, standing for replicas
 * behind a load balancer (they share nothing but the store), with a fake clock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppDeps } from '../../../src/app.ts';
import type { AuthSettings } from '../../../src/config/credentials.ts';
import { CONFIG_DEFAULTS } from '../../../src/config/schema.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store } from '../../../src/store/types.ts';
import { TEST_AUTH } from '../http/harness.ts';

export const SESSION_TTL_MS = 3_600_000;

export interface Replica {
  url: string;
  app: App;
  store: Store;
  server: Server;
}

export interface Replicas {
  clock: FakeClock;
  /**
   * Starts a replica; `wrap` sees the store before the app does (to count its calls), `config`
   * adds to the app's configuration.
   */
  start(auth?: AuthSettings, options?: { wrap?: (store: Store) => Store; config?: Pick<AppDeps['config'], 'auth' | 'trustedProxies'> }): Promise<Replica>;
  close(): Promise<void>;
}

/** The `name=value` of a cookie a response sets. */
export function cookieOf(response: Response, name: string): string | undefined {
  return response.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];
}

/** Signs in through the console's form; returns the response that sets the session cookie. */
export async function signInResponse(r: Pick<Replica, 'url'>, token: string, headers: Record<string, string> = {}): Promise<Response> {
  const form = await fetch(`${r.url}/sign-in`, { headers });
  const challenge = /name="_challenge" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  return fetch(`${r.url}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieOf(form, 'firebreak_sign_in') ?? '', origin: r.url, ...headers },
    body: new URLSearchParams({ _challenge: challenge, token, next: '/' }),
  });
}

/** Signs in and returns the session cookie (`name=value`). */
export async function signIn(r: Pick<Replica, 'url'>, token: string): Promise<string> {
  const response = await signInResponse(r, token);
  const cookie = cookieOf(response, 'firebreak_session');
  if (response.status !== 303 || cookie === undefined) throw new Error(`sign-in answered ${response.status}`);
  return cookie;
}

export async function replicas(): Promise<Replicas> {
  const dir = await mkdtemp(join(tmpdir(), 'firebreak-replicas-'));
  const clock = new FakeClock('2026-03-01T10:00:00Z');
  const started: Replica[] = [];
  return {
    clock,
    async start(auth = TEST_AUTH, options = {}) {
      const store = await openSqliteStore({ path: join(dir, 'firebreak.db'), logger: silentLogger(), clock });
      await store.migrate();
      const app = createApp({
        config: { limits: { webhookBodyBytes: CONFIG_DEFAULTS.limits.webhookBodyBytes, apiBodyBytes: CONFIG_DEFAULTS.limits.apiBodyBytes, shutdownGraceMs: 1_000 }, console: { sessionTtlMs: SESSION_TTL_MS }, ...options.config },
        auth,
        store: options.wrap?.(store) ?? store,
        clock,
        logger: silentLogger(),
        livePollMs: 100,
      });
      app.start();
      const server = createServer(app.express);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const replica = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, app, store, server };
      started.push(replica);
      return replica;
    },
    async close() {
      for (const r of started.splice(0)) {
        r.app.drain();
        await new Promise<void>((resolve) => r.server.close(() => resolve()));
        await r.app.stop(1_000);
        await r.store.close();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
