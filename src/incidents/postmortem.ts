/**
 * The post-mortem of an incident as data ({@link Postmortem}, served as JSON) and as Markdown
 * ({@link renderPostmortemMarkdown}). Gathering reads the store; assembling is a pure function
 * of what was gathered and `now`, with stable ordering everywhere, so the same input always
 * gives the same report (tests compare it with golden files).
 */
import { currentStates, episodes } from './alert-state.ts';
import { alertName, oneLine } from './describe.ts';
import { incidentNotFound } from './errors.ts';
import { computeFigures, FIGURES, type FigureName } from './figures.ts';
import { formatDuration } from '../core/duration.ts';
import { noteText, parseNote } from './notes.ts';
import { containmentAccount, type ContainmentAccount } from './postmortem-containment.ts';
import { toIso } from './normalize.ts';
import type { AlertEvent, Store } from '../store/types.ts';
import { ROLE_NAMES, type ActionItem, type AlertStatus, type Incident, type IncidentStatus, type Phase, type RoleAssignment, type TimelineEntry, type TimelineKind } from '../model/incident.ts';

export { renderPostmortemMarkdown } from './postmortem-markdown.ts';

/** Everything the post-mortem is made of, as read from the store. */
export interface PostmortemInput {
  incident: Incident;
  alertEvents: AlertEvent[];
  timeline: TimelineEntry[];
  roles: RoleAssignment[];
  actionItems: ActionItem[];
}

export interface PostmortemFigure {
  name: FigureName;
  label: string;
  definition: string;
  /** Milliseconds; null when not reached. */
  ms: number | null;
  /** Human form (`4m 12s`); null when not reached. */
  text: string | null;
}

/** A piece of text someone wrote (a note), with who and when. */
export interface Authored {
  text: string;
  author: string;
  at: string;
}

export interface Postmortem {
  formatVersion: 1;
  generatedAt: string;
  incident: { id: string; key: string; status: IncidentStatus; runbook: string | null; labels: Record<string, string>; openedAt: string; closedAt: string | null };
  overview: {
    title: string;
    severity: string | null;
    cluster: string | null;
    /** Impact notes first, then the distinct impact/summary/description annotations of the alerts. */
    impact: string[];
    start: string;
    /** When the incident ended (see the `duration` figure); null while it goes on. */
    end: string | null;
    figures: PostmortemFigure[];
  };
  /**
   * Every episode of each alert of the incident (a re-fired alert has one per firing, `episode`
   * counting from 1), by start time then fingerprint, each in its latest state. `startsAt` is the
   * alert's own: when Prometheus fired it, after the rule's `for:`.
   */
  alerts: Array<{ fingerprint: string; episode: number; name: string; status: AlertStatus; labels: Record<string, string>; startsAt: string; endsAt: string | null }>;
  roles: RoleAssignment[];
  /** Everyone who acted on the timeline, by first action. */
  participants: Array<{ name: string; kind: 'system' | 'person'; entries: number; firstAt: string }>;
  timeline: Array<{ id: number; at: string; phase: Phase | null; actor: string; kind: TimelineKind; summary: string }>;
  /** What firebreak changed, how it let go, and the re-fires (postmortem-containment.ts). */
  containment: ContainmentAccount;
  /** Outputs of identification steps (`step.succeeded` in phase identification). */
  evidence: Array<{ at: string; step: string | null; action: string | null; summary: string; output: unknown }>;
  rootCause: {
    whys: Array<{ n: number; prompt: string; answer: Authored | null }>;
    statements: Authored[];
  };
  actionItems: ActionItem[];
  lessons: Authored[];
  /** Untagged notes. */
  notes: Authored[];
}

/** Actors that are firebreak's own components or its sources, not people. */
export const SYSTEM_ACTORS: ReadonlySet<string> = new Set(['alertmanager', 'engine']);

/** How many distinct alert texts the impact lists before summarising the rest. */
const MAX_ALERT_IMPACTS = 10;
/** The store serves at most 500 timeline entries a call. */
const TIMELINE_PAGE = 500;

/**
 * Reads an incident and everything about it from the store and assembles its post-mortem.
 *
 * @throws FirebreakError NOT_FOUND
 */
export async function buildPostmortem(store: Store, incidentId: string, now: number): Promise<Postmortem> {
  const incident = await store.getIncident(incidentId);
  if (incident === null) throw incidentNotFound(incidentId);
  const timeline: TimelineEntry[] = [];
  for (;;) {
    const last = timeline.at(-1);
    const page = await store.timeline(incidentId, { limit: TIMELINE_PAGE, ...(last === undefined ? {} : { afterId: last.id }) });
    timeline.push(...page);
    if (page.length < TIMELINE_PAGE) break;
  }
  const [alertEvents, roles, actionItems] = await Promise.all([
    store.alertEvents(incidentId),
    store.roles(incidentId),
    store.actionItems(incidentId),
  ]);
  return assemblePostmortem({ incident, alertEvents, timeline, roles, actionItems }, now);
}

/** Pure: the post-mortem of what was gathered, generated at `now` (epoch ms). */
export function assemblePostmortem(input: PostmortemInput, now: number): Postmortem {
  const { incident } = input;
  const timeline = [...input.timeline].sort(byTimeThenId);
  const figures = computeFigures(incident, timeline);
  const notes = timeline.filter((e) => e.kind === 'note').map((e) => ({ entry: e, note: parseNote(noteText(e)) }));
  const authored = (tag: string | null): Authored[] =>
    notes.filter((n) => n.note.tag === tag && n.note.text !== '').map((n) => ({ text: n.note.text, author: n.entry.actor, at: n.entry.at }));

  const alerts = [...currentStates(input.alertEvents.map((e) => e.alert)).values()].sort(
    (a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt) || compare(a.fingerprint, b.fingerprint),
  );
  const fired = episodes(input.alertEvents.map((e) => e.alert));

  const end = incident.recoveredAt ?? incident.resolvedAt ?? incident.closedAt;
  return {
    formatVersion: 1,
    generatedAt: toIso(now),
    incident: {
      id: incident.id,
      key: incident.key,
      status: incident.status,
      runbook: incident.runbook,
      labels: sortedRecord(incident.labels),
      openedAt: incident.openedAt,
      closedAt: incident.closedAt,
    },
    overview: {
      title: incident.title,
      severity: incident.severity,
      cluster: incident.cluster,
      impact: [...authored('impact').map((a) => a.text), ...alertImpacts(alerts.map((a) => a.annotations))],
      start: incident.startedAt,
      end,
      figures: FIGURES.map(({ name, label, definition }) => {
        const ms = figures[name];
        return { name, label, definition, ms, text: ms === null ? null : formatDuration(ms, 'human') };
      }),
    },
    alerts: fired.map(({ alert: a, episode }) => ({
      fingerprint: a.fingerprint,
      episode,
      name: alertName(a),
      status: a.status,
      labels: sortedRecord(a.labels),
      startsAt: a.startsAt,
      endsAt: a.endsAt,
    })),
    roles: [...input.roles].sort(
      (a, b) => ROLE_NAMES.indexOf(a.role) - ROLE_NAMES.indexOf(b.role) || Date.parse(a.assignedAt) - Date.parse(b.assignedAt) || compare(a.person, b.person),
    ),
    participants: participants(timeline),
    timeline: timeline.map((e) => ({ id: e.id, at: e.at, phase: e.phase, actor: e.actor, kind: e.kind, summary: e.summary })),
    containment: containmentAccount(timeline),
    evidence: timeline
      .filter((e) => e.kind === 'step.succeeded' && e.phase === 'identification')
      .map((e) => ({
        at: e.at,
        step: stringOrNull(e.data.stepId ?? e.data.step),
        action: stringOrNull(e.data.action),
        summary: e.summary,
        output: e.data.output ?? e.data.result ?? null,
      })),
    rootCause: { whys: fiveWhys(incident.title, notes.map((n) => ({ ...n.note, author: n.entry.actor, at: n.entry.at }))), statements: authored('root-cause') },
    actionItems: [...input.actionItems].sort((a, b) => a.id - b.id),
    lessons: authored('lesson'),
    notes: authored(null),
  };
}

/** Five whys: `why N:` notes answer why N (latest wins), `why:` notes fill the next unanswered. */
function fiveWhys(title: string, notes: Array<{ tag: string | null; whyIndex: number | null; text: string; author: string; at: string }>): Postmortem['rootCause']['whys'] {
  const answers: Array<Authored | null> = [null, null, null, null, null];
  for (const n of notes) {
    if (n.tag !== 'why' || n.text === '') continue;
    const slot = n.whyIndex !== null ? n.whyIndex - 1 : answers.indexOf(null);
    if (slot >= 0) answers[slot] = { text: n.text, author: n.author, at: n.at };
  }
  return answers.map((answer, i) => ({
    n: i + 1,
    prompt: i === 0 ? `Why did "${oneLine(title)}" happen?` : `Why did that (answer ${i}) happen?`,
    answer,
  }));
}

/** Distinct impact texts of the alerts: `impact`, else `summary`, else `description`, capped. */
function alertImpacts(annotations: Array<Record<string, string>>): string[] {
  const texts: string[] = [];
  for (const a of annotations) {
    const text = [a.impact, a.summary, a.description].find((t) => t !== undefined && t.trim() !== '');
    if (text !== undefined && !texts.includes(text.trim())) texts.push(text.trim());
  }
  if (texts.length <= MAX_ALERT_IMPACTS) return texts;
  const more = texts.length - MAX_ALERT_IMPACTS;
  return [...texts.slice(0, MAX_ALERT_IMPACTS), `…and ${more} more alert ${more === 1 ? 'description' : 'descriptions'}`];
}

function participants(timeline: TimelineEntry[]): Postmortem['participants'] {
  const byName = new Map<string, { name: string; kind: 'system' | 'person'; entries: number; firstAt: string }>();
  for (const e of timeline) {
    const p = byName.get(e.actor);
    if (p === undefined) byName.set(e.actor, { name: e.actor, kind: SYSTEM_ACTORS.has(e.actor) ? 'system' : 'person', entries: 1, firstAt: e.at });
    else p.entries += 1;
  }
  // The timeline is already in time order (ties by id), so first appearance is the order.
  return [...byName.values()];
}

function byTimeThenId(a: TimelineEntry, b: TimelineEntry): number {
  return Date.parse(a.at) - Date.parse(b.at) || a.id - b.id;
}

/** Code-point order: the same on every machine, whatever its locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compare(a, b)));
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
