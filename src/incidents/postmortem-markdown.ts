/**
 * Markdown form of a {@link Postmortem}: readable as plain text and as rendered Markdown.
 * Table cells are escaped (`|`, newlines, `<`), code fences are longer than any backtick run
 * they enclose, and a section with nothing to show carries a prompt saying how to fill it.
 * The output depends only on its input (no clock, no locale).
 *
 * Text from outside (labels, annotations, notes, names) can shape nothing but itself: raw HTML
 * is neutralised, a line that would start a block (a heading, a code fence, a thematic break or
 * setext underline, a quote or a list) has its marker escaped, and a link or image whose
 * destination is not http(s) or mailto (`javascript:`, `data:`, entity-encoded tricks) is not a
 * link. So a note cannot add a section to the report, swallow the rest of it in a code block, or
 * plant a script link.
 */
import type { Authored, Postmortem } from './postmortem.ts';

/**
 * What "started" means in this report, said where the figures are: the alerts' own `startsAt`,
 * which leaves out the rule's `for:`.
 */
const FOR_NOTE =
  '"Started" and the figures counted from it use the first alert\'s own `startsAt`: Prometheus sets it when the alert fires, after the rule\'s `for:` duration, so the condition had held that long before. They do not include it.';

/** Evidence outputs longer than this are cut, saying how much was left out. */
const MAX_EVIDENCE_CHARS = 8000;

export function renderPostmortemMarkdown(pm: Postmortem): string {
  const out: string[] = [];
  const o = pm.overview;
  out.push(`# Post-mortem: ${oneLineText(o.title)}`, '');
  out.push(`Incident \`${pm.incident.id}\`, status **${pm.incident.status}**. Generated ${time(pm.generatedAt)} UTC; times are UTC.`, '');

  out.push('## Overview', '');
  out.push(
    table(
      ['Field', 'Value'],
      [
        ['Title', o.title],
        ['Severity', o.severity ?? 'unknown'],
        ['Cluster', o.cluster ?? 'unknown'],
        ['Status', pm.incident.status],
        ['Runbook', pm.incident.runbook ?? 'none matched'],
        ['Started', time(o.start)],
        ['Ended', o.end === null ? 'ongoing' : time(o.end)],
        ['Opened by firebreak', time(pm.incident.openedAt)],
        ['Closed', pm.incident.closedAt === null ? 'not yet' : time(pm.incident.closedAt)],
        ['Grouping key', pm.incident.key],
      ],
    ),
    '',
  );

  out.push('### Impact', '');
  if (o.impact.length === 0) {
    out.push(prompt('No impact recorded. Describe who or what was affected (producers, consumers, data at risk, for how long) in a note starting `impact:`.'));
  } else {
    out.push(...o.impact.map((t) => listItem(t)));
  }
  out.push('');

  out.push('### Key figures', '');
  out.push(table(['Figure', 'Value', 'Definition'], o.figures.map((f) => [f.label, f.text ?? 'not reached', f.definition])), '');
  out.push(FOR_NOTE, '');

  out.push('### Alerts', '');
  if (pm.alerts.length === 0) out.push(prompt('No alert was recorded on this incident.'));
  else {
    out.push(
      table(
        ['Alert', 'Episode', 'State', 'Started', 'Ended', 'Labels'],
        pm.alerts.map((a) => [
          a.name,
          String(a.episode),
          a.status,
          time(a.startsAt),
          a.endsAt === null ? '' : time(a.endsAt),
          Object.entries(a.labels)
            .filter(([k]) => k !== 'alertname')
            .map(([k, v]) => `${k}=${v}`)
            .join(', '),
        ]),
      ),
    );
  }
  out.push('');

  out.push('## Roles and participants', '');
  if (pm.roles.length === 0) out.push(prompt('No roles were assigned. Name at least an incident commander, even after the fact.'));
  else out.push(table(['Role', 'Person', 'Assigned', 'By'], pm.roles.map((r) => [r.role, r.person, time(r.assignedAt), r.assignedBy])));
  out.push('');
  if (pm.participants.length === 0) out.push(prompt('Nobody acted on the timeline.'));
  else out.push(table(['Participant', 'Kind', 'Entries', 'First action'], pm.participants.map((p) => [p.name, p.kind, String(p.entries), time(p.firstAt)])));
  out.push('');

  out.push('## Timeline', '');
  if (pm.timeline.length === 0) out.push(prompt('The timeline is empty.'));
  else out.push(table(['Time', 'Phase', 'Actor', 'Event'], pm.timeline.map((e) => [time(e.at), e.phase ?? '', e.actor, e.summary])));
  out.push('');

  out.push('## Containment and release', '');
  const account = pm.containment;
  const rows = [
    ...account.changes.map((e) => ({ e, what: 'change' })),
    ...account.releases.map((e) => ({ e, what: 'release' })),
    ...account.reFires.map((e) => ({ e, what: 're-fire' })),
  ].sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at));
  if (rows.length === 0) out.push(prompt('firebreak changed nothing in the cluster for this incident.'));
  else {
    out.push(`${account.changes.length} change(s) applied, ${account.reFires.length} re-fire(s).`, '');
    out.push(table(['Time', 'What', 'Step', 'Event'], rows.map(({ e, what }) => [time(e.at), what, e.step ?? '', e.summary])));
  }
  out.push('');

  out.push('## Evidence', '');
  if (pm.evidence.length === 0) {
    out.push(prompt('No identification step recorded evidence. Attach what responders looked at (graphs, command output) as notes.'));
    out.push('');
  }
  for (const ev of pm.evidence) {
    const what = [ev.step === null ? null : `\`${ev.step}\``, ev.action === null ? null : `(${ev.action})`].filter((x) => x !== null).join(' ');
    out.push(`### ${time(ev.at)}${what === '' ? '' : ` · ${what}`}`, '', paragraph(ev.summary), '');
    if (ev.output !== null) out.push(codeBlock(ev.output), '');
  }

  out.push('## Root cause analysis', '', '### Five whys', '');
  for (const w of pm.rootCause.whys) {
    out.push(`${w.n}. **${inline(w.prompt)}**`);
    out.push(w.answer === null ? `   ${prompt(`Unanswered: add a note starting \`why ${w.n}:\`.`)}` : indent(authored(w.answer), '   '));
  }
  out.push('', '### Root cause', '');
  if (pm.rootCause.statements.length === 0) out.push(prompt('Not stated yet. Add a note starting `root-cause:`.'));
  else out.push(...pm.rootCause.statements.map((s) => listItem(authored(s))));
  out.push('');

  out.push('## Action items', '');
  if (pm.actionItems.length === 0) out.push(prompt('No action items yet. What would prevent this incident, or detect or contain it sooner?'));
  else out.push(table(['#', 'Action', 'Owner', 'Due', 'Added by'], pm.actionItems.map((a) => [String(a.id), a.title, a.owner ?? 'unassigned', a.dueDate ?? '', a.createdBy])));
  out.push('');

  out.push('## Lessons learned', '');
  if (pm.lessons.length === 0) {
    out.push(prompt('No lessons recorded yet. Answer these in notes starting `lesson:`:'), '');
    out.push('- What went well?', '- What went wrong?', '- Where did we get lucky?');
  } else out.push(...pm.lessons.map((l) => listItem(authored(l))));
  out.push('');

  if (pm.notes.length > 0) {
    out.push('## Notes', '', ...pm.notes.map((n) => listItem(authored(n))), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** `2026-01-01T10:00:00.000Z` -> `2026-01-01 10:00:00` (milliseconds kept only when not zero). */
function time(iso: string): string {
  return iso.replace('T', ' ').replace(/\.000Z$/, '').replace(/Z$/, '');
}

/** Escapes text for a table cell: backslash, pipe, `<`, and newlines as `<br>`. */
export function cell(text: string): string {
  return inline(text)
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** Link destinations that stay links: web pages and mail addresses. */
const SAFE_DESTINATION = /^\s*(https?:\/\/|mailto:)/i;

/**
 * Neutralises raw HTML and links that do not lead to a web page (the rest stays Markdown). A
 * backslash before punctuation is doubled so it shows as written and cannot pair with an escaped
 * pipe; elsewhere it is left as it reads.
 */
function inline(text: string): string {
  return text
    .replace(/\\(?=[!-/:-@[-`{-~])/g, '\\\\')
    .replace(/</g, '&lt;')
    .replace(/\]\(/g, (found, offset: number, whole: string) => (SAFE_DESTINATION.test(whole.slice(offset + 2)) ? found : ']\\('))
    .replace(/\[([^\]\n]*)\]:/g, '\\[$1]:');
}

/** A line that would open a Markdown block: heading, fence, break or underline, quote, list. */
const BLOCK_START = /^(\s*)([#`~=*_>+-]|\d{1,9}(?=[.)]))/;

/** Escapes the marker of a line that would open a block, so the line reads as text. */
function literalLine(line: string): string {
  return line.replace(BLOCK_START, (_found, space: string, marker: string) => (/\d/.test(marker) ? `${space}${marker}\\` : `${space}\\${marker}`));
}

function oneLineText(text: string): string {
  return inline(text.replace(/\s+/g, ' ').trim());
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

function prompt(text: string): string {
  return `_${text}_`;
}

/** Text that may span lines, as a paragraph whose lines keep their breaks. */
function paragraph(text: string): string {
  return inline(text)
    .split(/\r\n|\r|\n/)
    .map((l) => literalLine(l.trimEnd()))
    .join('  \n');
}

/** A list item; further lines are indented so they stay inside the item. */
function listItem(text: string): string {
  return `- ${indent(text, '  ').trimStart()}`;
}

function indent(text: string, by: string): string {
  return paragraph(text)
    .split('\n')
    .map((l) => (l.trim() === '' ? '' : `${by}${l}`))
    .join('\n');
}

function authored(a: Authored): string {
  return `${a.text} (${a.author}, ${time(a.at)})`;
}

/** A fenced block longer than any backtick run inside, JSON for structured output. */
function codeBlock(output: unknown): string {
  let text = typeof output === 'string' ? output : JSON.stringify(output, null, 2);
  const lang = typeof output === 'string' ? 'text' : 'json';
  if (text.length > MAX_EVIDENCE_CHARS) {
    text = `${text.slice(0, MAX_EVIDENCE_CHARS)}\n… (${text.length - MAX_EVIDENCE_CHARS} more characters not shown)`;
  }
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}
