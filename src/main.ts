/**
 * The `firebreak` executable: wires the real dependencies (process streams, environment, files,
 * logger, clock, action registry, Kafka client) and hands the command line to the CLI
 * dispatcher. Nothing else reads `process.argv`; only src/config/ interprets the environment.
 */
import { readFileSync } from 'node:fs';
import { createKafkaAdmin } from './actions/kafka/client.ts';
import { createActionRegistry } from './actions/catalogue.ts';
import { extractGlobalFlags, runCli } from './cli/run.ts';
import { systemClock } from './core/clock.ts';
import { createLogger } from './core/logger.ts';

/**
 * kafkajs 2.2.4 (pinned; no newer release) re-arms its request queue's throttle check on every
 * response with `setTimeout(check, throttledUntil - Date.now())` (network/requestQueue/index.js,
 * `scheduleCheckPendingRequests`), a negative delay whenever no broker throttle is in force, i.e.
 * almost always. Node 24 then prints a `TimeoutNegativeWarning` once per process and runs the
 * timer after 1 ms, which is what kafkajs intends. No kafkajs option avoids that path, so this
 * one warning, matched by name, is dropped here at process start; every other warning is printed
 * as before.
 */
function dropKafkajsNegativeTimeoutWarning(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const option = rest[0];
    const name = warning instanceof Error ? warning.name : typeof option === 'string' ? option : (option as { type?: unknown } | undefined)?.type;
    if (name === 'TimeoutNegativeWarning') return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}

dropKafkajsNegativeTimeoutWarning();
const { debug, argv } = extractGlobalFlags(process.argv.slice(2));
// Logs go to stderr so stdout carries only the command's result; quiet unless --debug.
const logger = createLogger({ level: debug ? 'debug' : 'warn' }, process.stderr);
const actions = createActionRegistry();

process.exitCode = await runCli(argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
  debug,
  logger,
  clock: systemClock,
  actions,
  connectKafka: async (options) => createKafkaAdmin(options, { logger }),
});
