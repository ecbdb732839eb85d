/**
 * `firebreak approvals`: every step waiting for an approval on a running `serve`
 * (GET /api/v1/approvals, role viewer), expiring first: what it would change, until when, who is
 * expected to decide, and the command that decides it. `--json` prints the API's answer.
 */
import type { WaitingApproval } from '../../incidents/overview.ts';
import { parseCommandArgs, usageError } from '../args.ts';
import { approvalsText } from '../incident-format.ts';
import { writeJson } from '../output.ts';
import { EXIT, type CliIo, type Command } from '../types.ts';
import { CLIENT_FLAGS, CLIENT_USAGE, callApi } from './api-call.ts';

export const approvalsCommand: Command = {
  name: 'approvals',
  summary: 'List the steps waiting for an approval on a running server, and for whom',
  usage: `Usage: firebreak approvals [--json] [options]

Lists every step waiting for an approval, the one expiring first at the top: its incident, the
changes it would make (before -> after), when it expires, who is expected to decide (the
incident's commander when assigned; any responder may), and how to approve or reject it.

Options:
  --json               the API's answer as JSON ({items})
${CLIENT_USAGE}
`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs('approvals', argv, { ...CLIENT_FLAGS, json: { type: 'boolean' } });
    if (positionals.length > 0) throw usageError('approvals', `unexpected argument ${positionals[0]}`);
    const answer = (await callApi(io, values, 'GET', '/api/v1/approvals')) as { items: WaitingApproval[] };
    if (values.json === true) writeJson(io.stdout, answer);
    else io.stdout.write(approvalsText(answer.items, io.clock.now()));
    return EXIT.ok;
  },
};
