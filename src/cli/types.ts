/**
 * The CLI's contracts. A command is one module exporting a {@link Command}; it receives its own
 * arguments (after the command name) and a {@link CliIo} carrying every dependency, so commands
 * run in-process in tests with captured output.
 */
import type { ActionRegistry } from '../actions/registry.ts';
import type { KafkaAdmin, KafkaConnectionOptions } from '../actions/kafka/types.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';

/** Where a command writes text (process.stdout/stderr, or a buffer in tests). */
export interface TextSink {
  write(text: string): unknown;
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  /** The environment, passed to src/config/ (the only reader of environment variables). */
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a UTF-8 text file (config file, secrets); throws when it cannot. */
  readFile(path: string): string;
  /** `--debug` was given: print stack traces and debug logs. */
  debug: boolean;
  logger: Logger;
  clock: Clock;
  actions: ActionRegistry;
  /** Opens an admin connection; the command closes it. */
  connectKafka(options: KafkaConnectionOptions): Promise<KafkaAdmin>;
}

export interface Command {
  name: string;
  /** One line for `firebreak --help`. */
  summary: string;
  /** Full usage text for `firebreak help <name>` and `firebreak <name> --help`. */
  usage: string;
  /**
   * Runs the command; resolves to the exit code (0 ok, 1 failed, 2 usage, others as the command
   * documents). Throws FirebreakError for failures; the dispatcher prints them.
   */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
