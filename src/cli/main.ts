/**
 * The `firebreak` command line, started by src/main.ts: wires the real dependencies (process
 * streams, environment, files, logger, clock, action registry, Kafka client) and hands the
 * command line to the CLI dispatcher. Nothing else reads `process.argv`; only src/config/
 * interprets the environment (src/main.ts reads Node's own compile-cache variables).
 */
import { readFileSync } from 'node:fs';
import { dropKafkajsNegativeTimeoutWarning } from '../actions/kafka/warnings.ts';
import { createActionRegistry } from '../actions/catalogue.ts';
import { extractGlobalFlags, runCli } from './run.ts';
import { systemClock } from '../core/clock.ts';
import { createLogger, type Logger } from '../core/logger.ts';

dropKafkajsNegativeTimeoutWarning();
const { debug, argv } = extractGlobalFlags(process.argv.slice(2));
// A command's logs go to stderr so stdout carries only its result; quiet unless --debug;
// readable lines on a terminal. serve makes its own logger (stdout, its configured level and format).
// Made when a command first logs: `validate` never does, and need not load pino.
let logger: Logger | undefined;
const commandLogger = (): Logger => (logger ??= createLogger({ level: debug ? 'debug' : 'warn' }, process.stderr, 'auto'));
const actions = createActionRegistry();

process.exitCode = await runCli(argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
  debug,
  get logger() {
    return commandLogger();
  },
  clock: systemClock,
  actions,
  // kafkajs is loaded by the commands that talk to Kafka, when they connect.
  connectKafka: async (options) => (await import('../actions/kafka/client.ts')).createKafkaAdmin(options, { logger: commandLogger() }),
});
