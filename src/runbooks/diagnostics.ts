/**
 * Load-time problems of runbook files. The loader collects every problem of every file (it
 * never stops at the first) as {@link RunbookDiagnostic}s: plain data with a stable code, the
 * file, a 1-based line and column, and the dotted key path of the offending value.
 */
import { FirebreakError } from '../errors.ts';

/** Every code a runbook diagnostic can carry (documented in docs/errors.md). */
export const RUNBOOK_DIAGNOSTIC_CODES = [
  'RUNBOOK_FILE',
  'RUNBOOK_YAML_SYNTAX',
  'RUNBOOK_SCHEMA',
  'RUNBOOK_DUPLICATE_NAME',
  'RUNBOOK_DUPLICATE_STEP',
  'RUNBOOK_UNKNOWN_ACTION',
  'RUNBOOK_INVALID_MATCHER',
  'RUNBOOK_INVALID_PARAMS',
  'RUNBOOK_INVALID_STEP',
  'RUNBOOK_TEMPLATE',
  // Warnings (lint.ts): the runbook loads, but is risky as written.
  'RUNBOOK_UNESCAPED_LABEL',
  // Loads too (the step is blocked when it runs), but `firebreak validate` fails on it.
  'RUNBOOK_HARD_LIMIT',
] as const;
export type RunbookDiagnosticCode = (typeof RUNBOOK_DIAGNOSTIC_CODES)[number];

export interface RunbookDiagnostic {
  code: RunbookDiagnosticCode;
  message: string;
  file: string;
  line: number;
  column: number;
  /** Dotted key path of the offending value (`steps[1].with.topic`), '' for the document. */
  path: string;
}

/** `file:line:col: CODE: path: message`, the line `firebreak validate` prints. */
export function formatDiagnostic(d: RunbookDiagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.code}: ${d.path === '' ? '' : `${d.path}: `}${d.message}`;
}

/** Orders diagnostics by file (in the given file order), then line, column and code. */
export function sortDiagnostics(diagnostics: RunbookDiagnostic[], fileOrder: string[]): RunbookDiagnostic[] {
  const rank = new Map(fileOrder.map((f, i) => [f, i]));
  return [...diagnostics].sort(
    (a, b) =>
      (rank.get(a.file) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b.file) ?? Number.MAX_SAFE_INTEGER) ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.code.localeCompare(b.code),
  );
}

/**
 * One error for a failed load, for callers that must throw (start-up): code RUNBOOK_INVALID,
 * the first lines in the message, every diagnostic in `details.diagnostics`.
 */
export function runbookLoadError(diagnostics: RunbookDiagnostic[]): FirebreakError {
  const shown = diagnostics.slice(0, 5).map(formatDiagnostic);
  const more = diagnostics.length > shown.length ? `\n(${diagnostics.length - shown.length} more)` : '';
  return new FirebreakError('RUNBOOK_INVALID', `runbooks failed to load:\n${shown.join('\n')}${more}`, {
    statusCode: 400,
    details: { diagnostics },
  });
}

/** Dotted display of a JSON pointer: `/steps/1/with/topic` → `steps[1].with.topic`. */
export function displayPath(pointer: string): string {
  if (pointer === '') return '';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^[0-9]+$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}
