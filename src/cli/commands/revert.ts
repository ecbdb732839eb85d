/**
 * `firebreak revert <incident> [--step <id>]`: reverts by hand, through the API of a running
 * `serve` (POST /api/v1/incidents/:id/revert, role responder), every change of the incident still
 * in place (or only those of one step), newest first. Prints the report as JSON.
 *
 * Exit codes: 0 every change reverted or already reverted (a second run does nothing and says
 * so), 3 a conflict (a value changed behind firebreak's back was left alone), 1 a revert failed.
 */
import { parseCommandArgs, usageError } from '../args.ts';
import { writeJson } from '../output.ts';
import { EXIT, type CliIo, type Command } from '../types.ts';
import { CLIENT_FLAGS, CLIENT_USAGE, callApi } from './api-call.ts';

export const EXIT_CONFLICT = 3;

export const revertCommand: Command = {
  name: 'revert',
  summary: "Revert an incident's changes by hand on a running server",
  usage: `Usage: firebreak revert <incident> [--step <id>] [options]

Restores the state recorded before each change the incident's runbook made and that is still
in place, newest first, or only the changes of one step. Steps marked revert: never are left
alone. A value someone changed since is not overwritten: it is reported as a conflict.

Options:
  --step <id>          only this step
${CLIENT_USAGE}

Exit codes: 0 reverted (or nothing left to revert), 3 conflict, 1 failure, 2 usage.
`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs('revert', argv, { ...CLIENT_FLAGS, step: { type: 'string' } });
    const [incident, extra] = positionals;
    if (incident === undefined) throw usageError('revert', 'missing the incident id (firebreak revert <incident>)');
    if (extra !== undefined) throw usageError('revert', `unexpected argument ${extra}`);
    const report = (await callApi(io, values, 'POST', `/api/v1/incidents/${encodeURIComponent(incident)}/revert`, values.step === undefined ? {} : { step: values.step })) as {
      results: Array<{ status: string }>;
    };
    writeJson(io.stdout, report);
    if (report.results.some((r) => r.status === 'failed')) return EXIT.failed;
    if (report.results.some((r) => r.status === 'conflict')) return EXIT_CONFLICT;
    return EXIT.ok;
  },
};
