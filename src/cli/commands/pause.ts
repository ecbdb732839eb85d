/**
 * `firebreak pause [--reason <text>]` and `firebreak resume`: the automation switch of a running
 * `serve`, through its API (POST /api/v1/automation/pause|resume, role responder). Prints the
 * switch as JSON: `{ mode, paused, changedBy, changedAt, reason }`.
 */
import { parseCommandArgs, usageError } from '../args.ts';
import { writeJson } from '../output.ts';
import { EXIT, type CliIo, type Command } from '../types.ts';
import { CLIENT_FLAGS, CLIENT_USAGE, callApi } from './api-call.ts';

function switchCommand(name: 'pause' | 'resume'): Command {
  const paused = name === 'pause';
  return {
    name,
    summary: paused ? 'Pause all automation (kill switch) on a running server' : 'Resume automation on a running server',
    usage: `Usage: firebreak ${name} [--reason <text>] [options]

${paused ? 'Stops every runbook step that changes anything, at once, on every replica: read-only steps go on.\nAutomatic reverts wait too; reverting by hand still works.' : 'Lets runbook steps change things again, in the configured mode (dry-run or enforce).'}

Options:
  --reason <text>      why, recorded with the switch
${CLIENT_USAGE}
`,
    async run(argv: string[], io: CliIo): Promise<number> {
      const { values, positionals } = parseCommandArgs(name, argv, { ...CLIENT_FLAGS, reason: { type: 'string' } });
      if (positionals.length > 0) throw usageError(name, `unexpected argument ${positionals[0]}`);
      const body = values.reason === undefined ? {} : { reason: values.reason };
      writeJson(io.stdout, await callApi(io, values, 'POST', `/api/v1/automation/${name}`, body));
      return EXIT.ok;
    },
  };
}

export const pauseCommand = switchCommand('pause');
export const resumeCommand = switchCommand('resume');
