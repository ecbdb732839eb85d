/**
 * Argument parsing for commands: `node:util` parseArgs in strict mode, with its errors turned
 * into `CLI_USAGE` so an unknown flag or a missing value exits 2 with a clear message.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FirebreakError } from '../errors.ts';
import { closest } from './suggest.ts';
import { cliError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends Options>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(command, describeParseError(command, err as NodeJS.ErrnoException, options));
  }
}

/** Node's parseArgs message, said plainly, with the closest known flag for an unknown one. */
function describeParseError(command: string, err: NodeJS.ErrnoException, options: Options): string {
  const flags = Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short === undefined ? [] : [`-${o.short}`])]);
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /'([^']+)'/.exec(err.message)?.[1] ?? '';
    const guess = closest(given.split('=')[0] ?? given, flags.filter((f) => f.startsWith('--')));
    return `unknown option ${given} for ${command}${guess === null ? `; its options: ${flags.filter((f) => f.startsWith('--')).join(', ')}` : `; did you mean ${guess}?`}`;
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /Option '(?:-\w, )?(--[\w-]+)/.exec(err.message)?.[1];
    return flag === undefined ? err.message : `${flag} needs a value`;
  }
  return err.message;
}

/** `CLI_USAGE` (exit 2): the command line itself is wrong. */
export function usageError(command: string, message: string): FirebreakError {
  return cliError('CLI_USAGE', message, {
    details: { hint: `see: firebreak help ${command}` },
  });
}
