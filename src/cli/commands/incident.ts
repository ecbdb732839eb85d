/**
 * `firebreak incident <id> [--follow]`: one incident of a running `serve`: summary, figures,
 * alerts, containments in force, approvals waiting and the timeline (GET /api/v1/incidents/:id
 * and its timeline, role viewer). `--follow` then prints each new timeline entry as it is
 * committed (server-sent events), until interrupted. `--json` prints `{...detail, timeline}`
 * (and with `--follow`, one JSON entry per line afterwards).
 */
import type { TimelineEntry } from '../../model/incident.ts';
import type { IncidentDetail } from '../../incidents/overview.ts';
import { parseCommandArgs, usageError } from '../args.ts';
import { entryLine, incidentText } from '../incident-format.ts';
import { writeJson } from '../output.ts';
import { EXIT, type CliIo, type Command } from '../types.ts';
import { CLIENT_FLAGS, CLIENT_USAGE, callApi } from './api-call.ts';
import { followStream } from './api-stream.ts';

const PAGE = 500;

export const incidentCommand: Command = {
  name: 'incident',
  summary: 'Show one incident of a running server; --follow streams its timeline',
  usage: `Usage: firebreak incident <id> [--follow] [--json] [options]

Shows the incident: status, figures with their definitions, alerts, roles, the changes firebreak
made that are still in place (with the command that reverts them), the approvals waiting (with
what they would change), and the whole timeline.

Options:
  --follow             then print each new timeline entry as it happens, until Ctrl-C
                       (reconnects by itself if the server restarts)
  --json               {...incident detail, timeline} as JSON; with --follow, one entry per line after it
${CLIENT_USAGE}
`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs('incident', argv, { ...CLIENT_FLAGS, follow: { type: 'boolean' }, json: { type: 'boolean' } });
    const [id, extra] = positionals;
    if (id === undefined) throw usageError('incident', 'missing the incident id (firebreak incident <id>; firebreak incidents lists them)');
    if (extra !== undefined) throw usageError('incident', `unexpected argument ${extra}`);
    const base = `/api/v1/incidents/${encodeURIComponent(id)}`;
    const detail = (await callApi(io, values, 'GET', base)) as IncidentDetail;
    const timeline: TimelineEntry[] = [];
    for (;;) {
      const last = timeline.at(-1);
      const page = (await callApi(io, values, 'GET', `${base}/timeline?limit=${PAGE}${last === undefined ? '' : `&afterId=${last.id}`}`)) as { items: TimelineEntry[] };
      timeline.push(...page.items);
      if (page.items.length < PAGE) break;
    }
    if (values.json === true) writeJson(io.stdout, { ...detail, timeline });
    else io.stdout.write(incidentText(detail, timeline, io.clock.now()));
    if (values.follow !== true) return EXIT.ok;

    if (values.json !== true) io.stdout.write('-- following; Ctrl-C to stop --\n');
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await followStream(io, values, `${base}/events`, {
        lastId: String(timeline.at(-1)?.id ?? 0),
        signal: stop.signal,
        onEvent: (event) => {
          if (event.event !== 'timeline') return;
          const entry = JSON.parse(event.data) as TimelineEntry;
          io.stdout.write(values.json === true ? `${JSON.stringify(entry)}\n` : `  ${entryLine(entry)}\n`);
        },
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return EXIT.ok;
  },
};
