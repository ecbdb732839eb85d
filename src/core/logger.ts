import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';

/** The logger type every module receives by injection (pino's). */
export type Logger = PinoLogger;

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

export function createLogger(options: LoggerOptions = {}, destination?: NodeJS.WritableStream): Logger {
  const opts: LoggerOptions = {
    level: 'info',
    base: { service: 'firebreak' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...options,
  };
  return destination === undefined ? pino(opts) : pino(opts, destination as pino.DestinationStream);
}

/** A logger that writes nothing, for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
