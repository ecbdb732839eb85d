/**
 * Load-time problems of runbook files. The loader collects every problem of every file (it
 * never stops at the first) as {@link RunbookDiagnostic}s: plain data with a stable code, the
 * file, a 1-based line and column, and the dotted key path of the offending value.
 */
import { errorFactory, type ErrorCatalogue, type FirebreakError } from '../errors.ts';

/**
 * The runbook domain's codes (documented in docs/errors.md): every code a diagnostic can carry,
 * plus RUNBOOK_INVALID for a failed load. The status applies when one reaches the API (400: the
 * runbook is wrong); the render codes are thrown with 422 at run time.
 */
export const RUNBOOK_ERRORS = {
  RUNBOOK_FILE: { status: 400 },
  RUNBOOK_YAML_SYNTAX: { status: 400 },
  RUNBOOK_SCHEMA: { status: 400 },
  RUNBOOK_DUPLICATE_NAME: { status: 400 },
  RUNBOOK_DUPLICATE_STEP: { status: 400 },
  RUNBOOK_UNKNOWN_ACTION: { status: 400 },
  RUNBOOK_INVALID_MATCHER: { status: 400 },
  RUNBOOK_INVALID_PARAMS: { status: 400 },
  RUNBOOK_INVALID_STEP: { status: 400 },
  RUNBOOK_TEMPLATE: { status: 400 },
  // Warnings (lint.ts): the runbook loads, but is risky as written.
  RUNBOOK_UNESCAPED_LABEL: { status: null },
  // Loads too (the step is blocked when it runs), but `firebreak validate` fails on it.
  RUNBOOK_HARD_LIMIT: { status: null },
  RUNBOOK_INVALID: { status: 400 },
} as const satisfies ErrorCatalogue;

export const runbookError = errorFactory(RUNBOOK_ERRORS);

/** Every code a runbook diagnostic can carry. */
export const RUNBOOK_DIAGNOSTIC_CODES = (Object.keys(RUNBOOK_ERRORS) as Array<keyof typeof RUNBOOK_ERRORS>).filter(
  (code): code is Exclude<keyof typeof RUNBOOK_ERRORS, 'RUNBOOK_INVALID'> => code !== 'RUNBOOK_INVALID',
);
export type RunbookDiagnosticCode = Exclude<keyof typeof RUNBOOK_ERRORS, 'RUNBOOK_INVALID'>;

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
  return runbookError('RUNBOOK_INVALID', `runbooks failed to load:\n${shown.join('\n')}${more}`, {
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
