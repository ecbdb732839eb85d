/**
 * The convention that turns free-text notes (timeline entries of kind `note`) into post-mortem
 * sections. A note starts with an optional tag followed by a colon (case-insensitive):
 *
 * | tag                          | goes to                                              |
 * |------------------------------|------------------------------------------------------|
 * | `why:`                       | the next unanswered of the five whys                 |
 * | `why 3:` / `why #3:` (1..5)  | that why, replacing an earlier answer                |
 * | `root-cause:` / `root cause:`| root cause statements                                |
 * | `lesson:`                    | lessons learned                                      |
 * | `impact:`                    | impact, before what the alerts' annotations say      |
 * | (none)                       | other notes                                          |
 */
import type { TimelineEntry } from '../model/incident.ts';

export type NoteTag = 'why' | 'root-cause' | 'lesson' | 'impact';

export interface ParsedNote {
  tag: NoteTag | null;
  /** 1..5 for `why N:`, null otherwise. */
  whyIndex: number | null;
  /** The note without its tag, trimmed. */
  text: string;
}

const TAGGED = /^\s*(why(?:\s*#?\s*([1-5]))?|root[- ]?cause|lesson|impact)\s*:\s*([\s\S]*)$/i;

export function parseNote(raw: string): ParsedNote {
  const m = TAGGED.exec(raw);
  if (m === null) return { tag: null, whyIndex: null, text: raw.trim() };
  const word = (m[1] ?? '').toLowerCase();
  const text = (m[3] ?? '').trim();
  if (word.startsWith('why')) return { tag: 'why', whyIndex: m[2] === undefined ? null : Number(m[2]), text };
  if (word.startsWith('root')) return { tag: 'root-cause', whyIndex: null, text };
  return { tag: word === 'lesson' ? 'lesson' : 'impact', whyIndex: null, text };
}

/** The text of a note entry: `data.text` when the API stored it there, else the summary. */
export function noteText(entry: TimelineEntry): string {
  const text = entry.data.text;
  return typeof text === 'string' ? text : entry.summary;
}
