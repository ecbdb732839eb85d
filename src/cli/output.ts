/** How the CLI writes results (JSON on stdout) and errors (`error CODE: message` on stderr). */
import { toFirebreakError } from '../errors.ts';
import type { TextSink } from './types.ts';

export function writeJson(sink: TextSink, value: unknown): void {
  sink.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Prints `error CODE: message`, then the details as indented JSON. The stack (and the causes')
 * only with `--debug`: operators get the code and the reason, developers can ask for more.
 */
export function printError(sink: TextSink, err: unknown, debug: boolean): void {
  const e = toFirebreakError(err);
  sink.write(`error ${e.code}: ${e.message}\n`);
  // A hint is a sentence for a person; anything else is data, shown as JSON.
  const { hint, ...rest } = e.details ?? {};
  if (typeof hint === 'string') sink.write(`  ${hint}\n`);
  if (Object.keys(rest).length > 0) {
    const text = JSON.stringify(typeof hint === 'string' ? rest : e.details, null, 2).replace(/\n/g, '\n  ');
    sink.write(`  details: ${text}\n`);
  }
  if (!debug) return;
  let current: unknown = e;
  while (current instanceof Error) {
    sink.write(`${current.stack ?? current.message}\n`);
    current = current.cause;
    if (current !== undefined) sink.write('caused by: ');
  }
  if (current !== undefined) sink.write(`${String(current)}\n`);
}
