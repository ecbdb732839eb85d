/**
 * What a responder must be told, derived from committed timeline entries: one table from
 * timeline kind to notification event and message. A new kind that people must hear about is one
 * line in {@link KIND_EVENTS}; which targets receive which events is configuration
 * (`notify.subscriptions`). Pure functions: the notifier (notifier.ts) gathers the incident and
 * sends.
 */
import type { NotificationEvent } from '../config/schema.ts';
import { FIGURES, type IncidentFigures } from '../incidents/figures.ts';
import { formatDuration } from '../core/duration.ts';
import type { Incident, TimelineEntry } from '../model/incident.ts';

/** A message, independent of the target's format. */
export interface NotificationMessage {
  event: NotificationEvent;
  incidentId: string;
  /** One line: what happened. */
  title: string;
  /** A few sentences: what, why, what next. Plain text. */
  text: string;
  /** Label/value pairs shown side by side. */
  fields: Array<[string, string]>;
  /** Link to the incident's page (absolute when `publicUrl` is set). */
  url: string;
}

/** What a builder may read besides the entry. */
export interface EventContext {
  incident: Incident;
  /** The incident's figures, for `resolved`. */
  figures: IncidentFigures;
  url: string;
}

type Builder = (entry: TimelineEntry, ctx: EventContext) => Omit<NotificationMessage, 'incidentId' | 'url'> | null;

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** `resource key: before → after` of each change in `data.plan.changes` or `data.changes`. */
export function changeLines(data: Record<string, unknown>): string[] {
  const plan = data.plan as { changes?: unknown } | undefined;
  const changes = Array.isArray(data.changes) ? data.changes : Array.isArray(plan?.changes) ? plan.changes : [];
  return (changes as Array<Record<string, unknown>>).map((c) => `${String(c.resource)} ${String(c.key)}: ${show(c.from)} → ${show(c.to)}`);
}

function show(value: unknown): string {
  return value === null || value === undefined ? '(unset)' : typeof value === 'string' ? value : JSON.stringify(value);
}

function incidentFields(incident: Incident): Array<[string, string]> {
  const fields: Array<[string, string]> = [['Incident', `${incident.id} (${incident.status})`]];
  if (incident.severity !== null) fields.push(['Severity', incident.severity]);
  if (incident.cluster !== null) fields.push(['Cluster', incident.cluster]);
  if (incident.runbook !== null) fields.push(['Runbook', incident.runbook]);
  return fields;
}

const escalated: Builder = (entry, { incident }) => ({
  event: 'escalated',
  title: `Needs a person: ${entry.summary}`,
  text: [`${incident.title}.`, ...changeLines(entry.data), 'firebreak will not settle this by itself: look at the incident and decide.'].join('\n'),
  fields: incidentFields(incident),
});

/**
 * Timeline kind -> notification. Kinds not listed send nothing. Builders may still decline an
 * entry (null): a `step.succeeded` that changed nothing is no containment. Keyed by the kind's
 * text, so a kind the engine records can be listed here in the same change that adds it.
 */
export const KIND_EVENTS: Readonly<Record<string, Builder>> = {
  'approval.requested': (entry, { incident }) => {
    const step = str(entry.data.stepId) ?? 'a step';
    const until = str(entry.data.expiresAt);
    const decision = entry.data.decision as { detail?: unknown } | undefined;
    return {
      event: 'approval-requested',
      title: `Approval needed: step ${step} of ${incident.runbook ?? 'a runbook'}${until === null ? '' : ` (until ${until})`}`,
      text: [
        `${incident.title}.`,
        `What: ${str((entry.data.plan as { summary?: unknown } | undefined)?.summary) ?? str(entry.data.action) ?? step}`,
        ...changeLines(entry.data).map((l) => `  ${l}`),
        ...(str(decision?.detail) === null ? [] : [`Why it waits: ${str(decision?.detail)}`]),
        until === null ? 'Approve or reject it on the incident page.' : `Approve or reject it on the incident page before ${until}; after that it does not run.`,
      ].join('\n'),
      fields: incidentFields(incident),
    };
  },
  'step.succeeded': (entry, { incident }) => {
    if (!('applied' in entry.data)) return null;
    return {
      event: 'containment-applied',
      title: `Containment applied: ${entry.summary}`,
      text: [`${incident.title}.`, ...changeLines(entry.data).map((l) => `  ${l}`), 'The prior state is recorded; the page has a revert button.'].join('\n'),
      fields: incidentFields(incident),
    };
  },
  'revert.succeeded': (entry, { incident }) => ({
    event: 'containment-released',
    title: `Containment released: ${entry.summary}`,
    text: [`${incident.title}.`, `Released by ${entry.actor}.`, ...changeLines(entry.data).map((l) => `  ${l}`)].join('\n'),
    fields: incidentFields(incident),
  }),
  // A gradual release relaxed a change by one level (docs/engine.md, releases).
  'release.step': (entry, { incident }) => ({
    event: 'containment-released',
    title: `Containment relaxed: ${entry.summary}`,
    text: [`${incident.title}.`, ...changeLines(entry.data).map((l) => `  ${l}`)].join('\n'),
    fields: incidentFields(incident),
  }),
  // A failure the engine retries by itself is not news yet: `incident.escalated` follows when it stays stuck.
  'revert.failed': (entry, ctx) => (str(entry.data.retryAt) === null ? escalated(entry, ctx) : null),
  'revert.conflict': escalated,
  'approval.expired': escalated,
  // The engine's loop breaker and stuck reverts (docs/engine.md).
  'incident.escalated': escalated,
  // A person lifted the loop breaker's hold (src/engine/hold.ts): whoever was told it needs a person hears it was taken.
  'release.hold-lifted': (entry, { incident }) => ({
    event: 'escalated',
    title: `Hold lifted: ${entry.summary}`,
    text: [
      `${incident.title}.`,
      entry.data.how === 'clear'
        ? 'The loop breaker no longer holds it: the held changes are reverted now.'
        : 'The loop breaker no longer holds it: automation releases it as its step says.',
    ].join('\n'),
    fields: [...incidentFields(incident), ['Lifted by', entry.actor]],
  }),
  'incident.status': (entry, { incident, figures }) => {
    const to = entry.data.to;
    if (to !== 'resolved' && to !== 'recovered') return null;
    const reached = FIGURES.filter((f) => figures[f.name] !== null).map((f): [string, string] => [f.label, formatDuration(figures[f.name] as number, 'human')]);
    return {
      event: 'resolved',
      title: `${to === 'resolved' ? 'Resolved' : 'Recovered'}: ${incident.title}`,
      text: `${entry.summary}.\n${reached.map(([label, value]) => `${label}: ${value}`).join(', ')}`,
      fields: [...incidentFields(incident), ...reached],
    };
  },
  'status.update': (entry, { incident }) => {
    const next = str(entry.data.nextUpdateAt);
    return {
      event: 'status-update',
      title: `Status update: ${incident.title}`,
      text: [`What we know: ${str(entry.data.known) ?? ''}`, `What we do: ${str(entry.data.doing) ?? ''}`, `Next update: ${next ?? 'none planned'}`].join('\n'),
      fields: [...incidentFields(incident), ['Posted by', entry.actor]],
    };
  },
};

/** The message for a committed entry, or null when it is nothing to notify about. */
export function notificationFor(entry: TimelineEntry, ctx: EventContext): NotificationMessage | null {
  const build = KIND_EVENTS[entry.kind];
  const built = build?.(entry, ctx) ?? null;
  return built === null ? null : { ...built, incidentId: entry.incidentId, url: ctx.url };
}

/** Slack's mrkdwn needs `&`, `<` and `>` escaped; nothing else is markup then. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A Slack-compatible body: `text` as the notification's fallback, then blocks (a section with
 * the title and text, the fields, and a button to the incident when the link is absolute; Slack
 * refuses relative button links).
 */
export function slackBody(message: NotificationMessage): Record<string, unknown> {
  const blocks: Array<Record<string, unknown>> = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(message.title)}*\n${slackEscape(message.text)}` } },
    { type: 'section', fields: message.fields.slice(0, 10).map(([label, value]) => ({ type: 'mrkdwn', text: `*${slackEscape(label)}*\n${slackEscape(value)}` })) },
  ];
  if (/^https?:\/\//.test(message.url)) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the incident' }, url: message.url, action_id: 'open-incident' }] });
  } else {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Incident page: ${slackEscape(message.url)}` }] });
  }
  return { text: `${message.title} (${message.incidentId})`, blocks };
}

/** A generic JSON body: the message as it is. */
export function webhookBody(message: NotificationMessage): Record<string, unknown> {
  return { event: message.event, incidentId: message.incidentId, title: message.title, text: message.text, fields: Object.fromEntries(message.fields), url: message.url };
}
