/**
 * YAML with positions. js-yaml parses the source into a flat event stream whose events carry
 * source offsets; this module builds the JavaScript value from those events (js-yaml's own
 * constructor, so values are exactly what `load` returns) and, in the same pass over the events,
 * a map from JSON pointer (`/steps/1/with/topic`) to the line and column of that value and of
 * its key. Schema errors, which ajv reports by JSON pointer, can then name file:line:col.
 *
 * YAML 1.2 core schema, several documents per file (`---`), no merge keys (`<<` is an ordinary,
 * therefore unknown, key), at most {@link MAX_ALIASES} aliases per document.
 */
import {
  CORE_SCHEMA,
  EVENT_ID,
  SCALAR_STYLE,
  YAMLException,
  constructFromEvents,
  getScalarValue,
  parseEvents,
  type Event,
} from 'js-yaml';

/** A 1-based line and column (columns count UTF-16 code units, like editors' JSON tooling). */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Where a value sits, and where its key sits when the value belongs to a mapping. */
export interface NodePosition {
  value: SourcePosition;
  key: SourcePosition | null;
}

export interface YamlDocument {
  /** The document's value; null for an empty document. */
  value: unknown;
  /** Position of the document's root node. */
  start: SourcePosition;
  /** JSON pointer → position, for every node outside aliases. */
  positions: PositionLookup;
}

/**
 * Positions by JSON pointer. Built on the first lookup, for every document of the file at once:
 * most runbooks load without a problem to place and never need one.
 */
export interface PositionLookup {
  get(pointer: string): NodePosition | undefined;
}

/** A YAML syntax error with its position. */
export interface YamlSyntaxError {
  message: string;
  position: SourcePosition;
}

export type YamlParseResult = { ok: true; documents: YamlDocument[] } | { ok: false; error: YamlSyntaxError };

/** Alias bombs are refused; no runbook needs more aliases than this. */
export const MAX_ALIASES = 100;

/** Escapes one JSON pointer segment (RFC 6901). */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Converts offsets into 1-based line/column pairs. */
export class LineIndex {
  readonly #starts: number[];
  constructor(source: string) {
    this.#starts = [0];
    for (let i = 0; i < source.length; i++) {
      if (source.charCodeAt(i) === 10) this.#starts.push(i + 1);
    }
  }
  at(offset: number): SourcePosition {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.#starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.#starts[lo] ?? 0) + 1 };
  }
}

/**
 * Parses every document of `source`. Never throws for bad input: a syntax error (bad
 * indentation, duplicated key, unknown alias...) comes back with its position.
 */
export function parseYaml(source: string, filename: string): YamlParseResult {
  let events: Event[];
  let values: unknown[];
  try {
    events = parseEvents(source, { filename });
    values = constructFromEvents(events, { source, filename, schema: CORE_SCHEMA, maxAliases: MAX_ALIASES });
  } catch (err) {
    if (err instanceof YAMLException) {
      const mark = err.mark;
      return {
        ok: false,
        error: {
          message: err.reason,
          position: mark === undefined ? { line: 1, column: 1 } : { line: mark.line + 1, column: mark.column + 1 },
        },
      };
    }
    throw err;
  }
  let maps: Array<Map<string, NodePosition>> | null = null;
  const starts = documentStarts(events, source, values.length);
  const documents = values.map((value, i) => ({
    value: value ?? null,
    start: starts[i] ?? { line: 1, column: 1 },
    positions: { get: (pointer: string) => (maps ??= positionMaps(events, source, new LineIndex(source)))[i]?.get(pointer) },
  }));
  return { ok: true, documents };
}

interface Frame {
  kind: 'mapping' | 'sequence';
  pointer: string;
  /** Next item index (sequences). */
  index: number;
  /** Mappings alternate key, value, key... */
  expectKey: boolean;
  /** The pending key's text and position while its value is being read. */
  key: string;
  keyPos: SourcePosition | null;
  /** Inside a complex (non-scalar) key: nothing below is addressable by pointer. */
  opaque: boolean;
  /** This collection is itself a mapping key; closing it leaves the parent expecting the value. */
  isKey: boolean;
}

function nodeStart(event: Event, source: string): number {
  switch (event.type) {
    case EVENT_ID.SCALAR: {
      // An anchored node starts at its `&anchor`; offsets point after the sigil.
      if (event.anchorStart > 0) return event.anchorStart - 1;
      const start = event.valueStart;
      if (start < 0) return -1;
      // Point at the opening quote rather than the first character inside it.
      const quoted = event.style === SCALAR_STYLE.SINGLE_QUOTED || event.style === SCALAR_STYLE.DOUBLE_QUOTED;
      return quoted && start > 0 && /['"]/.test(source[start - 1] ?? '') ? start - 1 : start;
    }
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return event.anchorStart > 0 ? event.anchorStart - 1 : event.start;
    case EVENT_ID.ALIAS:
      return event.anchorStart > 0 ? event.anchorStart - 1 : -1;
    default:
      return -1;
  }
}

/**
 * Where each of the `count` documents' root node starts (its position at pointer `''` in
 * {@link positionMaps}), without building the maps: a runbook records where it starts whether or
 * not it has problems. The events are read up to the last document's root only, and the
 * documents come in source order, so their lines are counted in one pass from line break to line
 * break up to the last start, without a {@link LineIndex} of the whole source (built only when a
 * problem needs one).
 */
function documentStarts(events: Event[], source: string, count: number): Array<SourcePosition | null> {
  const starts: Array<SourcePosition | null> = [];
  let line = 1;
  let lineStart = 0;
  const at = (offset: number): SourcePosition => {
    for (let next = source.indexOf('\n', lineStart); next !== -1 && next < offset; next = source.indexOf('\n', lineStart)) {
      line += 1;
      lineStart = next + 1;
    }
    return { line, column: offset - lineStart + 1 };
  };
  let awaitingRoot = false;
  for (const event of events) {
    if (!awaitingRoot && starts.length >= count) break;
    if (event.type === EVENT_ID.DOCUMENT) {
      starts.push(null);
      awaitingRoot = true;
      continue;
    }
    if (!awaitingRoot) continue;
    awaitingRoot = false;
    // An empty document closes at once: it has no root node.
    if (event.type === EVENT_ID.POP) continue;
    const offset = nodeStart(event, source);
    if (offset >= 0) starts[starts.length - 1] = at(offset);
  }
  return starts;
}

/** One pointer → position map per document, walking the events with a stack of open nodes. */
function positionMaps(events: Event[], source: string, lines: LineIndex): Array<Map<string, NodePosition>> {
  const maps: Array<Map<string, NodePosition>> = [];
  let current = new Map<string, NodePosition>();
  const stack: Frame[] = [];

  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) {
      current = new Map();
      maps.push(current);
      stack.length = 0;
      continue;
    }
    if (event.type === EVENT_ID.POP) {
      // Closes a collection, or the document when the stack is empty.
      const closed = stack.pop();
      if (closed !== undefined && !closed.isKey) afterNode(stack);
      continue;
    }

    const top = stack[stack.length - 1];
    const offset = nodeStart(event, source);
    const pos = offset >= 0 ? lines.at(offset) : null;

    if (top !== undefined && top.kind === 'mapping' && top.expectKey) {
      // This node is a key.
      top.expectKey = false;
      if (event.type === EVENT_ID.SCALAR) {
        top.key = getScalarValue(source, event);
        top.keyPos = pos;
      } else {
        // A complex key (a collection or an alias) cannot be a JSON pointer segment; the value
        // gets a segment no real key can have, and the schema reports the key as unknown.
        top.key = '\u0000complex-key';
        top.keyPos = pos;
        if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
          stack.push(newFrame(event.type, '', true, true));
        }
      }
      continue;
    }

    let pointer = '';
    let keyPos: SourcePosition | null = null;
    let opaque = false;
    if (top !== undefined) {
      opaque = top.opaque;
      if (top.kind === 'mapping') {
        pointer = `${top.pointer}/${escapePointer(top.key)}`;
        keyPos = top.keyPos;
      } else {
        pointer = `${top.pointer}/${top.index}`;
      }
    }
    if (!opaque) {
      const valuePos = pos ?? keyPos ?? (top !== undefined ? current.get(top.pointer)?.value ?? null : null);
      if (valuePos !== null) current.set(pointer, { value: valuePos, key: keyPos });
    }

    if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
      stack.push(newFrame(event.type, pointer, opaque, false));
    } else {
      afterNode(stack);
    }
  }
  return maps;
}

function newFrame(type: number, pointer: string, opaque: boolean, isKey: boolean): Frame {
  return {
    kind: type === EVENT_ID.MAPPING ? 'mapping' : 'sequence',
    pointer,
    index: 0,
    expectKey: true,
    key: '',
    keyPos: null,
    opaque,
    isKey,
  };
}

/** A complete node was read inside the top frame: advance the frame. */
function afterNode(stack: Frame[]): void {
  const top = stack[stack.length - 1];
  if (top === undefined) return;
  if (top.kind === 'sequence') top.index += 1;
  else top.expectKey = true;
}

/**
 * The position to report for `pointer`: the key of a mapping entry when `preferKey`, else its
 * value; for pointers into aliases or missing values, the nearest ancestor that has one.
 */
export function positionOf(doc: YamlDocument, pointer: string, preferKey = false): SourcePosition {
  let p = pointer;
  for (;;) {
    const found = doc.positions.get(p);
    if (found !== undefined) return preferKey && found.key !== null ? found.key : found.value;
    if (p === '') return doc.start;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}
