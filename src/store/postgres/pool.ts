/**
 * The connection pool of a PostgreSQL store, with the settings firebreak relies on:
 * - `bigint` columns (ids, counts, epoch milliseconds) come back as numbers, not strings; a
 *   value beyond 2^53 stays a string and the row readers refuse it loudly;
 * - every session sets `lock_timeout` (a store transaction waits this long for another replica's
 *   transaction lock before failing with retriable STORE_UNAVAILABLE, so a webhook is answered
 *   503 rather than hanging) and `idle_in_transaction_session_timeout` (a replica that stalls
 *   inside a transaction, or vanishes without closing its connection, loses its transaction and
 *   its locks instead of blocking every other replica);
 * - TCP keepalive, a connect timeout, and an `error` listener: a connection that breaks while
 *   idle (the server restarted) is dropped from the pool and logged, never crashes the process.
 * TLS: `disable`, `require` (encrypted, server not verified), or `verify-full` (the server's
 * certificate must chain to `ca`, or to the system's CAs, and match the host name).
 */
import pg from 'pg';
import type { Logger } from '../../core/logger.ts';
import { FirebreakError } from '../../errors.ts';
import { storeError } from '../errors.ts';
import { redactUrl, type PostgresTls } from './url.ts';

export { redactUrl, type PostgresTls } from './url.ts';

export interface PoolOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  tls?: PostgresTls;
  /** Connections per replica. Default 10. */
  poolSize?: number;
  /** Give up connecting after this long. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** How long a transaction waits for another's lock. Default 10000 ms. */
  lockTimeoutMs?: number;
  /** Shown in pg_stat_activity. Default `firebreak`. */
  applicationName?: string;
  logger: Logger;
}

const INT8_OID = 20;

function parseInt8(value: string): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** URL parameters that would override the TLS settings given here; refused so there is one source. */
const TLS_URL_PARAMETERS = ['ssl', 'sslmode', 'sslcert', 'sslkey', 'sslrootcert', 'sslcrl'];

function invalidUrl(message: string): FirebreakError {
  return storeError('STORE_INVALID_URL', message, { details: { path: '/store' } });
}

/** Checks the URL and turns the TLS settings into the driver's `ssl` option. */
export function poolConfig(options: PoolOptions): pg.PoolConfig {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw invalidUrl('the PostgreSQL store URL cannot be parsed; expected postgres://user:password@host:port/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw invalidUrl(`not a PostgreSQL URL: ${redactUrl(options.url)}`);
  const inUrl = TLS_URL_PARAMETERS.filter((p) => parsed.searchParams.has(p));
  if (inUrl.length > 0) {
    throw invalidUrl(`set TLS with postgres.tls (FIREBREAK_POSTGRES_TLS_*), not in the store URL (found ${inUrl.join(', ')})`);
  }
  const tls = options.tls ?? { mode: 'disable' };
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
  return {
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: options.applicationName ?? 'firebreak',
    options: `-c lock_timeout=${lockTimeoutMs} -c idle_in_transaction_session_timeout=${Math.max(30_000, lockTimeoutMs * 3)}`,
    types,
    ssl:
      tls.mode === 'disable'
        ? false
        : {
            rejectUnauthorized: tls.mode === 'verify-full',
            ...(tls.ca === undefined ? {} : { ca: tls.ca }),
            ...(tls.cert === undefined ? {} : { cert: tls.cert }),
            ...(tls.key === undefined ? {} : { key: tls.key }),
          },
  };
}

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool(poolConfig(options));
  pool.on('error', (err) => {
    options.logger.warn({ err: { message: err.message } }, 'an idle PostgreSQL connection failed; it is replaced on next use');
  });
  return pool;
}
