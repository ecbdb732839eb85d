/**
 * Opens the store the configuration names: a `postgres://` (or `postgresql://`) URL opens the
 * PostgreSQL store for several replicas, anything else is the path of a SQLite file. The
 * PostgreSQL store and its driver are loaded only when one is opened: a process on SQLite never
 * pays for them (docs/cli.md, "Memory").
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { configError } from '../config/errors.ts';
import { redactUrl, type PostgresTls } from './postgres/url.ts';
import { openSqliteStore } from './sqlite/index.ts';
import type { Store } from './types.ts';

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export function isPostgresUrl(store: string): boolean {
  return POSTGRES_URL.test(store);
}

/** The store setting as it may be logged: a URL's password replaced by `***`. */
export function describeStore(store: string): string {
  return isPostgresUrl(store) ? redactUrl(store) : store;
}

function pem(file: string | null, setting: string): string | undefined {
  if (file === null) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw configError('CONFIG_FILE_UNREADABLE', `postgres.tls.${setting}: cannot read ${file}`, { cause: err, details: { file, path: `/postgres/tls/${setting}` } });
  }
}

/** The TLS settings of the configuration, with the PEM files read. */
export function postgresTls(tls: Config['postgres']['tls']): PostgresTls {
  const ca = pem(tls.caFile, 'caFile');
  const cert = pem(tls.certFile, 'certFile');
  const key = pem(tls.keyFile, 'keyFile');
  return { mode: tls.mode, ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) };
}

export async function openStore(config: Pick<Config, 'store' | 'postgres'>, logger: Logger, clock: Clock): Promise<Store> {
  if (!isPostgresUrl(config.store)) return openSqliteStore({ path: config.store, logger, clock });
  const { postgres } = config;
  if (postgres.tls.mode === 'require') {
    logger.warn('postgres.tls.mode is require: the connection is encrypted but the server is not verified; use verify-full with a CA');
  }
  const { openPostgresStore } = await import('./postgres/index.ts');
  return openPostgresStore({
    url: config.store,
    tls: postgresTls(postgres.tls),
    poolSize: postgres.poolSize,
    connectTimeoutMs: postgres.connectTimeoutMs,
    lockTimeoutMs: postgres.lockTimeoutMs,
    logger,
    clock,
  });
}
