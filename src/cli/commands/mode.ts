/**
 * `firebreak mode [dry-run|enforce] [--reason <text>]`: the mode every replica of a running
 * `serve` uses, through its API (GET /api/v1/automation; POST /api/v1/automation/mode, role
 * admin). Prints the switch as JSON: `{ mode, modeChangedBy, modeChangedAt, modeReason, paused, ... }`.
 */
import { parseCommandArgs, usageError } from '../args.ts';
import { writeJson } from '../output.ts';
import { EXIT, type CliIo, type Command } from '../types.ts';
import { CLIENT_FLAGS, CLIENT_USAGE, callApi } from './api-call.ts';
import { MODES } from '../../model/engine.ts';

export const modeCommand: Command = {
  name: 'mode',
  summary: 'Show or set the mode (dry-run or enforce) of every replica of a running server',
  usage: `Usage: firebreak mode [dry-run|enforce] [--reason <text>] [options]

Without an argument, shows the mode in force and who set it. With one, sets it for every
replica sharing the store, from their next decision on (needs the admin role):
  dry-run   runbook steps plan and record their changes, and execute none
  enforce   runbook steps change the cluster
The mode stays until someone sets another, or a replica starts with a changed configured mode
(mode, FIREBREAK_MODE).

Options:
  --reason <text>      why, recorded with the mode
${CLIENT_USAGE}
`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs('mode', argv, { ...CLIENT_FLAGS, reason: { type: 'string' } });
    const [mode, extra] = positionals;
    if (extra !== undefined) throw usageError('mode', `unexpected argument ${extra}`);
    if (mode === undefined) {
      if (values.reason !== undefined) throw usageError('mode', '--reason goes with a mode to set: firebreak mode dry-run|enforce --reason <text>');
      writeJson(io.stdout, await callApi(io, values, 'GET', '/api/v1/automation'));
      return EXIT.ok;
    }
    if (!(MODES as readonly string[]).includes(mode)) throw usageError('mode', `the mode is dry-run or enforce, not ${mode}`);
    writeJson(io.stdout, await callApi(io, values, 'POST', '/api/v1/automation/mode', values.reason === undefined ? { mode } : { mode, reason: values.reason }));
    return EXIT.ok;
  },
};
