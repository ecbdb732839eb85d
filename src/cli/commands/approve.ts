/**
 * `firebreak approve <incident> <step>` and `firebreak reject <incident> <step>`: decide a step
 * waiting for an approval, through the API of a running `serve` (role responder). Prints the
 * decided approval as JSON.
 */
import { parseCommandArgs, usageError } from '../args.ts';
import { writeJson } from '../output.ts';
import { EXIT, type CliIo, type Command } from '../types.ts';
import { CLIENT_FLAGS, CLIENT_USAGE, callApi } from './api-call.ts';

function decisionCommand(name: 'approve' | 'reject'): Command {
  return {
    name,
    summary: name === 'approve' ? 'Approve a runbook step waiting for approval' : 'Reject a runbook step waiting for approval',
    usage: `Usage: firebreak ${name} <incident> <step> [--reason <text>] [options]

${name === 'approve' ? 'The step runs, through the guards again (a pause or a floor still stops it).' : 'The step does not run; the run goes on without it.'}
An approval that expired can no longer be decided (ENGINE_APPROVAL_EXPIRED).

Options:
  --reason <text>      why, recorded on the timeline
${CLIENT_USAGE}
`,
    async run(argv: string[], io: CliIo): Promise<number> {
      const { values, positionals } = parseCommandArgs(name, argv, { ...CLIENT_FLAGS, reason: { type: 'string' } });
      const [incident, step, extra] = positionals;
      if (incident === undefined || step === undefined) throw usageError(name, `usage: firebreak ${name} <incident> <step>`);
      if (extra !== undefined) throw usageError(name, `unexpected argument ${extra}`);
      const path = `/api/v1/incidents/${encodeURIComponent(incident)}/steps/${encodeURIComponent(step)}/${name}`;
      writeJson(io.stdout, await callApi(io, values, 'POST', path, values.reason === undefined ? {} : { reason: values.reason }));
      return EXIT.ok;
    },
  };
}

export const approveCommand = decisionCommand('approve');
export const rejectCommand = decisionCommand('reject');
