import type { Logger as PinoLogger, LoggerOptions, pino as Pino } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';

/**
 * pino (CommonJS, some 25 modules), loaded by the first logger made: a command that logs nothing
 * (`firebreak validate`) never loads it.
 */
function pino(): typeof Pino {
  return (createRequire(import.meta.url)('pino') as { pino: typeof Pino }).pino;
}

/** The logger type every module receives by injection (pino's). */
export type Logger = PinoLogger;

/**
 * How log lines are written: `json` (one JSON object per line, for a log collector), `pretty`
 * (one readable line per event, for a person at a terminal), or `auto`: pretty when the
 * destination is a terminal, JSON otherwise.
 */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Paths pino blanks out in every log line: credentials must never reach the logs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.webhookToken',
  '*.apiTokens',
];

/** `auto` resolved against the destination: pretty for a terminal (a TTY), JSON otherwise. */
export function resolveLogFormat(format: LogFormat, destination: unknown): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  return (destination as { isTTY?: unknown } | undefined)?.isTTY === true ? 'pretty' : 'json';
}

/**
 * A destination that turns each JSON line into a readable one, synchronously (pino-pretty's
 * formatter, not its worker-thread transport: a line is written before the call returns, as in
 * JSON mode). Colours only for a terminal. Redaction has happened before: pino redacts the JSON.
 */
function prettyDestination(destination: NodeJS.WritableStream | undefined): NodeJS.WritableStream {
  const target = destination ?? process.stdout;
  const colorize = (target as { isTTY?: unknown }).isTTY === true;
  // Loaded only for a readable destination: JSON logs (a server, every worker thread) never need it.
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const prettify = prettyFactory({ colorize, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', singleLine: true, ignore: 'pid,hostname,service' });
  return { write: (line: string) => target.write(prettify(line)) } as NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}, destination?: NodeJS.WritableStream, format: LogFormat = 'json'): Logger {
  const opts: LoggerOptions = {
    level: 'info',
    base: { service: 'firebreak' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino().stdTimeFunctions.isoTime,
    ...options,
  };
  const target = resolveLogFormat(format, destination ?? process.stdout) === 'pretty' ? prettyDestination(destination) : destination;
  return target === undefined ? pino()(opts) : pino()(opts, target as Pino.DestinationStream);
}

/** A logger that writes nothing, for unit tests. */
export function silentLogger(): Logger {
  return pino()({ level: 'silent' });
}
