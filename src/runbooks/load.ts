/**
 * The runbook loader: files and directories of `*.yaml` / `*.yml` in, runbooks and every
 * problem of every file out.
 *
 * A directory contributes its `*.yaml` and `*.yml` files (not its subdirectories, not hidden
 * files), in name order; a path to a file is loaded whatever its extension. A file may hold
 * several runbooks separated by `---`. A file with any problem contributes no runbook; the
 * caller decides what a partial result means ({@link RunbookSet} keeps the last good set).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileRunbook } from './compile.ts';
import { HARD_LIMITS, type SafetyLimits } from '../actions/types.ts';
import { hardLimitWarnings, lintRunbook } from './lint.ts';
import { displayPath, sortDiagnostics, type RunbookDiagnostic } from './diagnostics.ts';
import { ParamsValidator, type ActionCatalog } from './params.ts';
import { RunbookSchemaValidator } from './schema.ts';
import { TemplateEngine } from './template.ts';
import type { Runbook } from './types.ts';
import { parseYaml, positionOf, type YamlDocument } from './yaml-source.ts';

/** Files larger than this are refused: a runbook is a page of YAML, not a data set. */
export const MAX_RUNBOOK_FILE_BYTES = 1_048_576;

export interface LoadDeps {
  catalog: ActionCatalog;
  /** Shared engines; created when omitted. */
  templates?: TemplateEngine;
  validator?: ParamsValidator;
  schema?: RunbookSchemaValidator;
  /** The safety limits the actions will enforce (config `safety`); the hard ones when omitted. */
  limits?: SafetyLimits;
}

/** The limits no configuration can lower: what the actions enforce with an empty `safety`. */
const HARD_ONLY: SafetyLimits = { ...HARD_LIMITS, protectedTopics: [] };

/** One runbook file's text, named as it should appear in messages. */
export interface RunbookSource {
  file: string;
  text: string;
}

export interface LoadResult {
  /** Runbooks of the files without problems, in file order. */
  runbooks: Runbook[];
  /** Every problem found, ordered by file, line and column. Empty means the load is good. */
  diagnostics: RunbookDiagnostic[];
  /** The files read, in load order. */
  files: string[];
  /** Risky but loadable runbooks (lint.ts); they do not stop a load. */
  warnings?: RunbookDiagnostic[];
}

/**
 * Loads runbooks from text already in memory (no disk): parse, schema, semantic checks, then
 * duplicate names across all sources.
 */
export function loadRunbookSources(sources: RunbookSource[], deps: LoadDeps): LoadResult {
  const compileDeps = {
    catalog: deps.catalog,
    // Only checks templates, never renders one: no need to look up the system's locale.
    templates: deps.templates ?? new TemplateEngine({}, { locale: 'en-US' }),
    validator: deps.validator ?? new ParamsValidator(),
  };
  const schema = deps.schema ?? new RunbookSchemaValidator();
  const diagnostics: RunbookDiagnostic[] = [];
  const warnings: RunbookDiagnostic[] = [];
  const runbooks: Runbook[] = [];
  /**
   * Runbook name -> the source and document defining it. Its position is found only for a
   * duplicate, by parsing that source again: holding on to each document (its parse events) for
   * this rare case kept every file's events alive until the end of the load.
   */
  const names = new Map<string, { source: RunbookSource; index: number }>();

  for (const { file, text } of sources) {
    const parsed = parseYaml(text, file);
    if (!parsed.ok) {
      const { line, column } = parsed.error.position;
      diagnostics.push({ code: 'RUNBOOK_YAML_SYNTAX', message: parsed.error.message, file, line, column, path: '' });
      continue;
    }
    const documents = runbookDocuments(parsed.documents);
    if (documents.length === 0) {
      diagnostics.push({ code: 'RUNBOOK_SCHEMA', message: 'the file holds no runbook', file, line: 1, column: 1, path: '' });
      continue;
    }
    for (const [index, doc] of documents.entries()) {
      const issues = schema.validate(doc.value);
      for (const issue of issues) {
        const pos = positionOf(doc, issue.pointer, issue.atKey);
        const path = displayPath(issue.pointer);
        diagnostics.push({ code: 'RUNBOOK_SCHEMA', message: issue.message, file, line: pos.line, column: pos.column, path });
      }
      const result = compileRunbook(doc, file, issues.length > 0, compileDeps);
      diagnostics.push(...result.diagnostics);
      warnings.push(...lintRunbook(doc, file), ...hardLimitWarnings(doc, file, deps.catalog, deps.limits ?? HARD_ONLY));

      const value = doc.value as Record<string, unknown>;
      if (typeof value === 'object' && typeof value.name === 'string') {
        const previous = names.get(value.name);
        if (previous !== undefined) {
          const pos = positionOf(doc, '/name');
          diagnostics.push({
            code: 'RUNBOOK_DUPLICATE_NAME',
            message: `runbook "${value.name}" is already defined at ${nameAt(previous.source, previous.index)}`,
            file,
            line: pos.line,
            column: pos.column,
            path: 'name',
          });
          continue;
        }
        names.set(value.name, { source: { file, text }, index });
      }
      if (result.runbook !== null) runbooks.push(result.runbook);
    }
  }

  const files = sources.map((s) => s.file);
  const bad = new Set(diagnostics.map((d) => d.file));
  return {
    runbooks: runbooks.filter((r) => !bad.has(r.origin.file)),
    diagnostics: sortDiagnostics(diagnostics, files),
    files,
    warnings: sortDiagnostics(warnings, files),
  };
}

/** The documents of a file that hold something (an empty one, between two `---`, holds no runbook). */
function runbookDocuments(documents: YamlDocument[]): YamlDocument[] {
  return documents.filter((d) => d.value !== null);
}

/** `file:line:col` of the name of the `index`th runbook of a source that parsed before. */
function nameAt(source: RunbookSource, index: number): string {
  const parsed = parseYaml(source.text, source.file);
  const doc = parsed.ok ? runbookDocuments(parsed.documents)[index] : undefined;
  const pos = doc === undefined ? { line: 1, column: 1 } : positionOf(doc, '/name');
  return `${source.file}:${pos.line}:${pos.column}`;
}

/**
 * Reads the runbook files under `paths` (files, or directories of `*.yaml`/`*.yml`). Paths that
 * cannot be read come back as RUNBOOK_FILE diagnostics.
 *
 * The reads are synchronous: a runbook is a page of text, read in microseconds, while each
 * asynchronous read waited for a round trip through the thread pool (a stat, an open, a read
 * and a close, one after the other): a quarter of the wall time of validating 1,000 runbooks
 * was that waiting. The load that follows is synchronous over all files anyway.
 */
export function readRunbookSources(paths: string[]): { sources: RunbookSource[]; diagnostics: RunbookDiagnostic[] } {
  const sources: RunbookSource[] = [];
  const diagnostics: RunbookDiagnostic[] = [];
  const fileProblem = (file: string, message: string): void => {
    diagnostics.push({ code: 'RUNBOOK_FILE', message, file, line: 1, column: 1, path: '' });
  };
  const files: string[] = [];
  for (const path of paths) {
    try {
      const info = statSync(path);
      if (info.isDirectory()) {
        const names = readdirSync(path).filter((n) => !n.startsWith('.') && /\.ya?ml$/.test(n)).sort();
        files.push(...names.map((n) => join(path, n)));
      } else {
        files.push(path);
      }
    } catch (err) {
      fileProblem(path, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  for (const file of [...new Set(files)]) {
    try {
      const info = statSync(file);
      if (!info.isFile()) {
        fileProblem(file, 'not a regular file');
        continue;
      }
      if (info.size > MAX_RUNBOOK_FILE_BYTES) {
        fileProblem(file, `larger than ${MAX_RUNBOOK_FILE_BYTES} bytes`);
        continue;
      }
      sources.push({ file, text: readFileSync(file, 'utf8') });
    } catch (err) {
      fileProblem(file, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return { sources, diagnostics };
}

/** Reads and loads runbooks from files and directories. Never throws for bad runbooks. */
export async function loadRunbooks(paths: string[], deps: LoadDeps): Promise<LoadResult> {
  const read = readRunbookSources(paths);
  const result = loadRunbookSources(read.sources, deps);
  const files = [...paths.filter((p) => read.diagnostics.some((d) => d.file === p)), ...result.files];
  return {
    runbooks: result.runbooks,
    diagnostics: sortDiagnostics([...read.diagnostics, ...result.diagnostics], files),
    files: result.files,
    warnings: result.warnings ?? [],
  };
}
