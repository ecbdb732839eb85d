/**
 * Argument parsing for commands: `node:util` parseArgs in strict mode, with its errors turned
 * into `CLI_USAGE` so an unknown flag or a missing value exits 2 with a clear message.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FirebreakError } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends Options>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(command, (err as Error).message);
  }
}

/** `CLI_USAGE` (exit 2): the command line itself is wrong. */
export function usageError(command: string, message: string): FirebreakError {
  return new FirebreakError('CLI_USAGE', message, {
    statusCode: 400,
    details: { hint: `see: firebreak help ${command}` },
  });
}
