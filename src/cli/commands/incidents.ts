/**
 * `firebreak incidents`: the incidents of a running `serve` (GET /api/v1/incidents, role viewer),
 * what needs a person first (approvals waiting, then containments in force), newest first
 * within each. `--json` prints the API's page as it came.
 */
import { byAttention, type IncidentSummary } from '../../incidents/overview.ts';
import { parseCommandArgs, usageError } from '../args.ts';
import { incidentsTable } from '../incident-format.ts';
import { writeJson } from '../output.ts';
import { EXIT, type CliIo, type Command } from '../types.ts';
import { CLIENT_FLAGS, CLIENT_USAGE, callApi } from './api-call.ts';

export const incidentsCommand: Command = {
  name: 'incidents',
  summary: 'List the incidents of a running server, what needs a person first',
  usage: `Usage: firebreak incidents [--status <list>] [--cluster <list>] [--severity <list>] [--since <time>] [--until <time>] [--limit <n>] [--cursor <c>] [--json] [options]

Lists incidents: id, status, severity, cluster, runbook, age, containments in force, approvals
waiting, title. Incidents with an approval waiting come first, then those with a containment in
force, then open ones; newest first within each.

Options:
  --status <list>      only these statuses, comma-separated: open, contained, resolved, recovered, closed
  --cluster <list>     only these clusters, comma-separated exact values
  --severity <list>    only these severities, comma-separated exact values
  --since <time>       only incidents opened at or after this RFC 3339 time
  --until <time>       only incidents opened before this RFC 3339 time
  --limit <n>          at most this many (1..500, default 50)
  --cursor <c>         the next page, as the previous page's last line says
  --json               the API's answer as JSON ({items, nextCursor})
${CLIENT_USAGE}
`,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs('incidents', argv, {
      ...CLIENT_FLAGS,
      status: { type: 'string' },
      cluster: { type: 'string' },
      severity: { type: 'string' },
      cursor: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw usageError('incidents', `unexpected argument ${positionals[0]}`);
    const query = new URLSearchParams();
    for (const key of ['status', 'cluster', 'severity', 'since', 'until', 'limit', 'cursor'] as const) {
      const value = values[key];
      if (value !== undefined) query.set(key, value);
    }
    const page = (await callApi(io, values, 'GET', `/api/v1/incidents${query.size === 0 ? '' : `?${query}`}`)) as { items: IncidentSummary[]; nextCursor: string | null };
    if (values.json === true) {
      writeJson(io.stdout, page);
      return EXIT.ok;
    }
    io.stdout.write(incidentsTable(byAttention(page.items), io.clock.now()));
    if (page.nextCursor !== null) io.stdout.write(`(older incidents: the same command with --cursor ${page.nextCursor})\n`);
    return EXIT.ok;
  },
};
