/**
 * `firebreak hold <incident> hand-back|clear --reason <text>`: lifts the loop breaker's hold of an
 * incident on a running `serve`, through its API (POST /api/v1/incidents/:id/hold/hand-back|clear,
 * role responder). Prints the report as JSON.
 *
 * Exit codes: 0 done, 1 failed (a held change whose revert failed included; the server retries
 * it), 2 usage, 3 a conflict (clear: a value changed behind firebreak's back was left alone).
 */
import { parseCommandArgs, usageError } from '../args.ts';
import { writeJson } from '../output.ts';
import { EXIT, type CliIo, type Command } from '../types.ts';
import { CLIENT_FLAGS, CLIENT_USAGE, callApi } from './api-call.ts';
import { EXIT_CONFLICT } from './revert.ts';

const WAYS = ['hand-back', 'clear'] as const;

export const holdCommand: Command = {
  name: 'hold',
  summary: "Lift the loop breaker's hold of an incident: hand it back to automation, or clear it",
  usage: `Usage: firebreak hold <incident> hand-back|clear --reason <text> [options]

The loop breaker holds the changes of a group that firebreak contained and released too often:
nothing releases them automatically. Once it is safe:
  hand-back  automation takes the group back: the changes stay in force and are released as
             their steps say (now when the incident's alerts have resolved, else at the next
             resolve)
  clear      the hold is lifted and the held changes are reverted now
Either way the loop breaker counts the group's cycles again from now, and the reason goes on
the incident's timeline with your name.

Options:
  --reason <text>      why it is safe now (required)
${CLIENT_USAGE}

Exit codes: 0 done, 3 conflict (clear), 1 failure, 2 usage.
`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs('hold', argv, { ...CLIENT_FLAGS, reason: { type: 'string' } });
    const [incident, how, extra] = positionals;
    if (incident === undefined) throw usageError('hold', 'missing the incident id (firebreak hold <incident> hand-back|clear --reason <text>)');
    if (how === undefined || !(WAYS as readonly string[]).includes(how)) throw usageError('hold', `say what to do with the hold: hand-back or clear${how === undefined ? '' : ` (not ${how})`}`);
    if (extra !== undefined) throw usageError('hold', `unexpected argument ${extra}`);
    const reason = values.reason?.trim() ?? '';
    if (reason === '') throw usageError('hold', '--reason is required: say why it is safe now (it goes on the timeline)');
    const report = (await callApi(io, values, 'POST', `/api/v1/incidents/${encodeURIComponent(incident)}/hold/${how}`, { reason })) as {
      revert: { results: Array<{ status: string }> } | null;
    };
    writeJson(io.stdout, report);
    const results = report.revert?.results ?? [];
    if (results.some((r) => r.status === 'failed')) return EXIT.failed;
    if (results.some((r) => r.status === 'conflict')) return EXIT_CONFLICT;
    return EXIT.ok;
  },
};
