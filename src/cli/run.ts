/**
 * The CLI dispatcher: `firebreak <command> [args]`. Finds the command in the table
 * (commands/index.ts), prints usage for `--help` / `help <command>`, and turns any error into
 * `error CODE: message` on stderr with a non-zero exit code (2 for usage errors).
 */
import { toFirebreakError } from '../errors.ts';
import pkg from '../../package.json' with { type: 'json' };
import { COMMANDS } from './commands/index.ts';
import { closest } from './suggest.ts';
import { printError } from './output.ts';
import { EXIT, type CliIo, type Command } from './types.ts';
import { cliError } from './errors.ts';

/** Codes that mean "the command line is wrong" and exit 2. */
const USAGE_CODES = new Set(['CLI_USAGE', 'CLI_UNKNOWN_COMMAND']);

/**
 * Removes the global flags (`--debug`), which may appear anywhere before a `--` terminator, so
 * the entry point can configure logging before any command runs.
 */
export function extractGlobalFlags(argv: readonly string[]): { debug: boolean; argv: string[] } {
  const end = argv.indexOf('--');
  const head = end < 0 ? [...argv] : argv.slice(0, end);
  const tail = end < 0 ? [] : argv.slice(end);
  return { debug: head.includes('--debug'), argv: [...head.filter((a) => a !== '--debug'), ...tail] };
}

/** Runs one command line and resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined) {
      io.stderr.write(globalUsage(commands));
      return EXIT.usage;
    }
    if (first === '--help' || first === '-h') {
      io.stdout.write(globalUsage(commands));
      return EXIT.ok;
    }
    if (first === '--version' || first === '-V' || first === 'version') {
      io.stdout.write(`firebreak ${pkg.version}\n`);
      return EXIT.ok;
    }
    if (first === 'help') {
      if (rest.length === 0) {
        io.stdout.write(globalUsage(commands));
        return EXIT.ok;
      }
      io.stdout.write(withNewline(find(commands, rest[0] as string).usage));
      return EXIT.ok;
    }
    if (first.startsWith('-')) {
      const guess = closest(first, ['--help', '--version', '--debug']);
      throw cliError('CLI_USAGE', `unknown option ${first}${guess === null ? ' (options go after the command)' : `; did you mean ${guess}?`}`, {
        details: { hint: 'see: firebreak --help' },
      });
    }
    const command = find(commands, first);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(withNewline(command.usage));
      return EXIT.ok;
    }
    return await command.run(rest, io);
  } catch (err) {
    const e = toFirebreakError(err);
    printError(io.stderr, e, io.debug);
    return USAGE_CODES.has(e.code) ? EXIT.usage : EXIT.failed;
  }
}

function find(commands: readonly Command[], name: string): Command {
  const command = commands.find((c) => c.name === name);
  if (command !== undefined) return command;
  const guess = closest(name, [...commands.map((c) => c.name), 'help']);
  const message = guess === null ? `unknown command "${name}"; the commands are ${commands.map((c) => c.name).join(', ')}` : `unknown command "${name}"; did you mean "${guess}"?`;
  throw cliError('CLI_UNKNOWN_COMMAND', message, {
    details: { hint: 'see: firebreak --help' },
  });
}

function globalUsage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const lines = [
    'firebreak: Alertmanager webhook receiver and runbook engine for Apache Kafka incidents',
    '',
    'Usage: firebreak <command> [options]',
    '       firebreak help <command>',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  Show the usage of a command`,
    '',
    'Global options:',
    '  --debug        print stack traces with errors, and debug logs on stderr',
    '  -h, --help     show usage',
    '  -V, --version  print the version',
    '',
    'Exit codes: 0 success, 1 failure (error CODE: message on stderr), 2 usage error.',
    '',
  ];
  return lines.join('\n');
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
