/**
 * Alertmanager's label matchers, with its syntax and semantics (the classic parser of
 * `pkg/labels/parse.go` and the matching of `pkg/labels/matcher.go`):
 *
 * - `name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`;
 * - the value may be double-quoted (escapes `\"`, `\\`, `\n`; any other backslash is literal) or
 *   unquoted (then it runs to the end of the matcher, surrounding whitespace trimmed);
 * - regexes are anchored at both ends (`^(?:regex)$`);
 * - a label the alert does not carry has the empty value, so `team=""` matches alerts without
 *   `team` and `team!=""` requires it.
 *
 * Regexes are JavaScript regular expressions. Go's RE2 and JavaScript agree on the constructs
 * matchers use (classes, alternation, repetition, escapes); Go's leading inline flags `(?i)`,
 * `(?s)`, `(?m)` are translated into a JavaScript modifier group so copied Alertmanager
 * matchers keep their meaning.
 */
import { FirebreakError } from '../errors.ts';
import { runbookError } from './diagnostics.ts';

export type MatchType = '=' | '!=' | '=~' | '!~';

/** One parsed matcher. Plain data plus the compiled regex for `=~`/`!~`. */
export interface Matcher {
  readonly type: MatchType;
  readonly name: string;
  /** The unescaped value (the regex source for `=~`/`!~`). */
  readonly value: string;
  /** The anchored regex for `=~`/`!~`, null for `=`/`!=`. */
  readonly regex: RegExp | null;
}

// Same as Alertmanager's: '=~' must come before '=' or the '~' would become part of the value.
// Whitespace is Go's `\s` ([\t\n\f\r ]), not JavaScript's wider Unicode set.
const MATCHER_RE = /^[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*([\s\S]*?)[\t\n\f\r ]*$/;
const LEADING_FLAGS = /^\(\?([a-zA-Z]+)\)/;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function invalid(message: string, input: string): FirebreakError {
  return runbookError('RUNBOOK_INVALID_MATCHER', message, { details: { matcher: input } });
}

/**
 * Builds a matcher, compiling the anchored regex for `=~` and `!~`.
 *
 * @throws FirebreakError RUNBOOK_INVALID_MATCHER when the regex does not compile.
 */
export function newMatcher(type: MatchType, name: string, value: string): Matcher {
  if (type === '=' || type === '!=') return { type, name, value, regex: null };
  return { type, name, value, regex: compileAnchored(value) };
}

function compileAnchored(source: string): RegExp {
  let body = source;
  const flags = LEADING_FLAGS.exec(source);
  if (flags !== null) {
    const letters = flags[1] ?? '';
    if (!/^[ims]+$/.test(letters)) {
      throw invalid(`error parsing regexp: unsupported inline flags (?${letters}): ${source}`, source);
    }
    body = `(?${letters}:${source.slice(flags[0].length)})`;
  }
  try {
    return new RegExp(`^(?:${body})$`);
  } catch (err) {
    throw invalid(`error parsing regexp: ${(err as Error).message}`, source);
  }
}

/**
 * Parses one matcher such as `severity=~"warning|critical"`.
 *
 * @throws FirebreakError RUNBOOK_INVALID_MATCHER with Alertmanager's messages
 *   (`bad matcher format: ...`, `matcher value contains unescaped double quote: ...`).
 */
export function parseMatcher(input: string): Matcher {
  const parts = MATCHER_RE.exec(input);
  if (parts === null) throw invalid(`bad matcher format: ${input}`, input);
  const name = parts[1] ?? '';
  const type = (parts[2] ?? '=') as MatchType;
  const quotedRaw = parts[3] ?? '';

  let raw = quotedRaw;
  let expectTrailingQuote = false;
  if (raw.startsWith('"')) {
    raw = raw.slice(1);
    expectTrailingQuote = true;
  }

  // Without a backslash the value is the text between the quotes (when the only quote is the
  // closing one) or all of it (unquoted, without any quote); anything else takes the loop below,
  // which also says what is wrong.
  if (!raw.includes('\\')) {
    const quote = raw.indexOf('"');
    if (expectTrailingQuote && quote !== -1 && quote === raw.length - 1) return newMatcher(type, name, raw.slice(0, -1));
    if (!expectTrailingQuote && quote === -1) return newMatcher(type, name, raw);
  }

  let value = '';
  let escaped = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] ?? '';
    if (escaped) {
      escaped = false;
      if (ch === 'n') value += '\n';
      else if (ch === '"' || ch === '\\') value += ch;
      // A spurious escape: the backslash stays literal.
      else value += `\\${ch}`;
      continue;
    }
    if (ch === '\\') {
      if (i < raw.length - 1) {
        escaped = true;
        continue;
      }
      // A backslash as the last character is literal.
      value += '\\';
    } else if (ch === '"') {
      if (!expectTrailingQuote || i < raw.length - 1) {
        throw invalid(`matcher value contains unescaped double quote: ${quotedRaw}`, input);
      }
      expectTrailingQuote = false;
    } else {
      value += ch;
    }
  }
  if (expectTrailingQuote) throw invalid(`matcher value contains unescaped double quote: ${quotedRaw}`, input);
  return newMatcher(type, name, value);
}

/**
 * Parses a comma-separated list of matchers, optionally wrapped in `{...}`, exactly as
 * Alertmanager's `ParseMatchers`: commas inside double quotes do not separate, a trailing comma
 * is allowed, `{}` is the empty list.
 *
 * @throws FirebreakError RUNBOOK_INVALID_MATCHER for the first malformed matcher.
 */
export function parseMatchers(input: string): Matcher[] {
  let s = input.startsWith('{') ? input.slice(1) : input;
  s = s.endsWith('}') ? s.slice(0, -1) : s;

  // Tokens are cut out of the text at each separating comma (no character-by-character copy).
  const tokens: string[] = [];
  let start = 0;
  let insideQuotes = false;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === COMMA) {
      if (!insideQuotes) {
        tokens.push(s.slice(start, i));
        start = i + 1;
      }
    } else if (ch === QUOTE) {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (ch === BACKSLASH) {
      escaped = !escaped;
    } else {
      escaped = false;
    }
  }
  const last = s.slice(start).trim();
  if (last !== '') tokens.push(last);
  return tokens.map((t) => parseMatcher(t));
}

/** Whether one matcher accepts a label value (`undefined`, a missing label, is `''`). */
export function matcherMatches(matcher: Matcher, value: string | undefined): boolean {
  const v = value ?? '';
  switch (matcher.type) {
    case '=':
      return v === matcher.value;
    case '!=':
      return v !== matcher.value;
    case '=~':
      return matcher.regex !== null && matcher.regex.test(v);
    case '!~':
      return matcher.regex !== null && !matcher.regex.test(v);
  }
}

/** Whether every matcher accepts the label set (an empty list matches everything). */
export function matchesLabels(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => matcherMatches(m, Object.hasOwn(labels, m.name) ? labels[m.name] : undefined));
}

/** Escapes a value the way Alertmanager prints it inside double quotes (`\\`, `\n`, `\"`). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** The canonical text of a matcher: `name="value"` with the value escaped. */
export function formatMatcher(matcher: Matcher): string {
  return `${matcher.name}${matcher.type}"${escapeLabelValue(matcher.value)}"`;
}
