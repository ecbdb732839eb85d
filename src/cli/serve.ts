/**
 * `firebreak serve`: loads the configuration, opens and migrates the store, resolves credentials
 * (generating them on a first start), builds the app (src/app.ts) and listens. Notifications a
 * previous run stored but did not process are processed first, while the server already takes
 * new ones.
 *
 * Shutdown (SIGTERM, SIGINT): stop accepting connections, let in-flight requests finish, let the
 * pipeline finish the notification in progress (and waiting ones while the grace period lasts),
 * close the store, exit 0. A second signal exits at once with status 1.
 *
 * The runbook engine runs in the same process (serve-engine.ts); SIGHUP reloads the runbooks
 * (a load with any problem changes nothing and is logged).
 *
 * Logs go to stdout, one line per request plus lifecycle events: pino JSON lines, or readable
 * lines on a terminal (`logFormat`, `--log-format`); secrets are never logged (the path of a
 * generated credentials file is).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createActionRegistry } from '../actions/catalogue.ts';
import type { ActionRegistry } from '../actions/registry.ts';
import { createApp } from '../app.ts';
import { resolveCredentials, type AuthSettings } from '../config/credentials.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import { LOG_FORMATS, createLogger, type LogFormat, type Logger } from '../core/logger.ts';
import { createHttpServer } from '../http/server.ts';
import { describeStore, isPostgresUrl, openStore } from '../store/open.ts';
import { MEMORY_PATH } from '../store/sqlite/connection.ts';
import { startIngestThread, type IngestThread } from '../ingest/thread.ts';
import type { SyncReport } from '../store/sqlite/wal-sync.ts';
import type { Store } from '../store/types.ts';
import type { ReloadOutcome } from '../runbooks/set.ts';
import { parseCommandArgs, usageError } from './args.ts';
import { connectKafka } from '../engine/kafka.ts';
import { logRunbookWarnings, serveEngine } from './serve-engine.ts';
import { EXIT, type CliIo, type TextSink } from './types.ts';
import { cliError } from './errors.ts';


/** A running server, as returned by {@link startServer}. */
export interface RunningServer {
  /** `http://host:port` actually bound (port 0 in the config is resolved here). */
  url: string;
  port: number;
  logger: Logger;
  /** Graceful shutdown (see the module comment); idempotent. */
  close(): Promise<void>;
  /** Reloads the runbooks (SIGHUP). */
  reload(): Promise<ReloadOutcome>;
}

export interface StartServerOptions {
  config: Config;
  clock: Clock;
  /** Where log lines go (`logFormat` auto: readable when it is a terminal). */
  logSink: TextSink;
  /** The actions runbooks may use; default: every shipped action. */
  actions?: ActionRegistry;
}

/** `host:port` -> parts; IPv6 hosts are written in brackets (`[::1]:8080`). */
export function parseListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(colon + 1)) };
}

/**
 * Opens the configured store: PostgreSQL for a `postgres://` URL, else a SQLite file, which the
 * ingest thread opens (src/ingest/thread.ts) and processes notifications next to; `:memory:`
 * stays in this thread. `onSync` hears the fsyncs of the SQLite file's log.
 */
export async function openConfiguredStore(
  config: Pick<Config, 'store' | 'postgres' | 'logLevel'>,
  logger: Logger,
  clock: Clock,
  options: { logLine: (line: string) => void; onSync?: (report: SyncReport) => void },
): Promise<{ store: Store; thread: IngestThread | null }> {
  if (isPostgresUrl(config.store) || config.store === MEMORY_PATH) return { store: await openStore(config, logger, clock), thread: null };
  const thread = await startIngestThread(
    { storePath: config.store, logLevel: config.logLevel, logLine: options.logLine, inbox: true, ...(options.onSync === undefined ? {} : { onSync: options.onSync }) },
    logger,
  );
  return { store: thread.store, thread };
}

/** Starts everything and resolves once the server listens. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, clock } = options;
  const sink = { write: (line: string) => options.logSink.write(line), isTTY: (options.logSink as { isTTY?: unknown }).isTTY === true };
  const logger = createLogger({ level: config.logLevel }, sink as unknown as NodeJS.WritableStream, config.logFormat);
  if (config.auth.disabled) {
    logger.warn('authentication is DISABLED (auth.disabled: true): anyone who can reach this server can post alerts and use the API');
  }
  if (config.publicUrl === null && Object.values(config.notify.subscriptions).some((events) => events.length > 0)) {
    logger.warn('notifications are subscribed but publicUrl is not set: their links to the incident page are paths, without a button in Slack');
  }
  // The store first: a store that cannot be used fails the start before anything is written.
  // Its fsyncs are counted once the app (and its metrics) exist.
  let syncs: ((report: SyncReport) => void) | null = null;
  const { store, thread } = await openConfiguredStore(config, logger, clock, {
    logLine: (line) => options.logSink.write(line),
    onSync: (report) => syncs?.(report),
  });
  let auth: AuthSettings;
  let engine: Awaited<ReturnType<typeof serveEngine>>;
  try {
    await store.migrate();
    // A store that reads but cannot write (a read-only file or file system, a full disk) would
    // answer every webhook with 503 while looking ready: refuse to start instead.
    await store.ping();
    auth = await resolveCredentials(config, { logger, now: () => new Date(clock.now()) });
    engine = await serveEngine({ config, clock, logger, registry: options.actions ?? createActionRegistry() });
  } catch (err) {
    await store.close();
    throw err;
  }

  const app = createApp({
    config,
    auth,
    store,
    clock,
    logger,
    engine: engine.factory,
    ...(thread === null ? {} : { ingestThread: thread }),
  });
  syncs = (report) => app.metrics.storeSynced(report);
  thread?.onExit((err) => {
    logger.fatal({ err }, 'the ingest thread stopped, so nothing is stored or processed any more; exiting (what was acknowledged is on disk and processed at the next start)');
    process.exit(EXIT.failed);
  });
  const server = createHttpServer(app.handler);
  // Processing starts before listening: stored notifications are replayed first, in order.
  app.start();

  const { host, port } = parseListen(config.listen);
  try {
    await listen(server, host, port);
  } catch (err) {
    await app.stop(0);
    await engine.kafka.close();
    await store.close();
    throw cliError('SERVE_LISTEN_FAILED', `cannot listen on ${config.listen}: ${(err as Error).message}`, {
      cause: err,
      details: { listen: config.listen },
    });
  }
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  logger.info({ url, port: bound, mode: config.mode, store: describeStore(config.store), runbooks: config.runbooks }, 'listening');
  if (config.kafka.brokers.length > 0) void connectKafka(engine.kafka, logger.child({ module: 'engine' }));

  let closing: Promise<void> | null = null;
  return {
    url,
    port: bound,
    logger,
    close() {
      app.drain();
      closing ??= shutdown(server, async (graceLeftMs) => {
        await app.stop(graceLeftMs);
        await engine.kafka.close().catch((err: unknown) => logger.warn({ err }, 'closing the Kafka client failed'));
        await store.close();
      }, config.limits.shutdownGraceMs, logger);
      return closing;
    },
    async reload() {
      const outcome = await engine.runbooks.reload();
      if (outcome.ok) {
        logger.info({ runbooks: outcome.runbooks, version: outcome.version }, 'runbooks reloaded');
        logRunbookWarnings(engine.runbooks, logger);
      } else {
        logger.error({ problems: outcome.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.code}: ${d.message}`) }, 'runbook reload refused; the last good set stays in force');
      }
      return outcome;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Stops the HTTP server (no new connections; idle keep-alive connections closed; in-flight
 * requests finish, forcibly closed when the grace period ends), then runs `after` with the grace
 * time left.
 */
async function shutdown(server: Server, after: (graceLeftMs: number) => Promise<void>, graceMs: number, logger: Logger): Promise<void> {
  const started = Date.now();
  logger.info({ graceMs }, 'shutting down: no new requests; finishing in-flight requests and processing');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), graceMs);
  });
  if ((await Promise.race([closed, expired])) === 'expired') {
    logger.warn('grace period over: closing the connections still open');
    server.closeAllConnections();
    await closed;
  }
  clearTimeout(timer);
  await after(Math.max(0, graceMs - (Date.now() - started)));
  logger.info('stopped');
}

/** `firebreak serve` (serve-command.ts loads this module when the command runs). */
export async function runServe(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('serve', argv, { config: { type: 'string', short: 'c' }, 'log-format': { type: 'string' } });
  const format = values['log-format'];
  if (format !== undefined && !(LOG_FORMATS as readonly string[]).includes(format)) {
    throw usageError('serve', `--log-format must be one of ${LOG_FORMATS.join(', ')}, got ${format}`);
  }
  const loaded = loadConfig({
    env: io.env,
    argv: values.config === undefined ? [] : ['--config', values.config],
    readFile: io.readFile,
  });
  const config = format === undefined ? loaded : { ...loaded, logFormat: format as LogFormat };
  // Signals are handled from the start: one that arrives while starting stops the server as
  // soon as it is up, instead of killing the process half-way through opening the store.
  let received: NodeJS.Signals | null = null;
  let running: RunningServer | null = null;
  let onFirstSignal: (() => void) | null = null;
  const stopRequested = new Promise<void>((resolve) => {
    onFirstSignal = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== null) {
      running?.logger.error({ signal }, 'second signal: exiting without finishing');
      process.exit(EXIT.failed);
    }
    received = signal;
    running?.logger.info({ signal }, 'signal received');
    onFirstSignal?.();
  };
  const onHangup = () => {
    running?.reload().catch((err: unknown) => running?.logger.error({ err }, 'runbook reload failed'));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onHangup);
  try {
    running = await startServer({ config, clock: io.clock, logSink: io.stdout, actions: io.actions });
    await stopRequested;
    await running.close();
    return EXIT.ok;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onHangup);
  }
}
