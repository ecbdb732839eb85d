/**
 * The runbooks in force. {@link RunbookSet.reload} loads a new set and swaps it in only when the
 * load has no problem at all; otherwise the last good set stays in force and the problems are
 * returned, so a typo in one file never disarms the others.
 */
import type { RunbookDiagnostic } from './diagnostics.ts';
import { loadRunbooks, type LoadDeps, type LoadResult } from './load.ts';
import { matchingRunbooks, selectRunbook } from './select.ts';
import type { Runbook } from './types.ts';

/** Produces a fresh load (from disk in production, from memory in tests). */
export type RunbookLoader = () => Promise<LoadResult>;

export interface ReloadOutcome {
  /** True when the new set was loaded and is now in force. */
  ok: boolean;
  /** Every problem of the attempted load (empty when `ok`). */
  diagnostics: RunbookDiagnostic[];
  /** Number of runbooks in force after the call. */
  runbooks: number;
  /** Increases by one with every successful reload; 0 before the first. */
  version: number;
}

export class RunbookSet {
  readonly #loader: RunbookLoader;
  #runbooks: readonly Runbook[] = [];
  #byName = new Map<string, Runbook>();
  #warnings: readonly RunbookDiagnostic[] = [];
  #version = 0;
  #pending: Promise<unknown> = Promise.resolve();
  readonly #listeners: Array<(runbooks: readonly Runbook[]) => void> = [];

  constructor(loader: RunbookLoader) {
    this.#loader = loader;
  }

  /** A set that loads from runbook files and directories. */
  static fromPaths(paths: string[], deps: LoadDeps): RunbookSet {
    return new RunbookSet(() => loadRunbooks(paths, deps));
  }

  /** The runbooks in force (frozen). */
  get runbooks(): readonly Runbook[] {
    return this.#runbooks;
  }

  get version(): number {
    return this.#version;
  }

  /**
   * The load warnings of the set in force (RUNBOOK_UNESCAPED_LABEL, RUNBOOK_HARD_LIMIT): what
   * `firebreak validate` reports about runbooks that load but are risky as written.
   */
  get warnings(): readonly RunbookDiagnostic[] {
    return this.#warnings;
  }

  /** Calls `listener` with the new set after every successful reload (the ingest thread's copy). */
  onReload(listener: (runbooks: readonly Runbook[]) => void): void {
    this.#listeners.push(listener);
  }

  get(name: string): Runbook | undefined {
    return this.#byName.get(name);
  }

  /** The runbook that handles an alert with these labels (see select.ts). */
  select(labels: Readonly<Record<string, string>>): Runbook | null {
    return selectRunbook(this.#runbooks, labels);
  }

  /** Every matching runbook, best first. */
  matching(labels: Readonly<Record<string, string>>): Runbook[] {
    return matchingRunbooks(this.#runbooks, labels);
  }

  /** Loads the files as a reload would and reports what it finds, changing nothing in force. */
  check(): Promise<LoadResult> {
    return this.#loader();
  }

  /**
   * Loads again. Reloads never overlap: a call waits for the one before it. A loader that throws
   * leaves the set unchanged and rejects.
   */
  reload(): Promise<ReloadOutcome> {
    const run = this.#pending.then(async () => {
      const result = await this.#loader();
      if (result.diagnostics.length > 0) {
        return { ok: false, diagnostics: result.diagnostics, runbooks: this.#runbooks.length, version: this.#version };
      }
      this.#runbooks = Object.freeze([...result.runbooks]);
      this.#byName = new Map(result.runbooks.map((r) => [r.name, r]));
      this.#warnings = Object.freeze([...(result.warnings ?? [])]);
      this.#version += 1;
      for (const listener of this.#listeners) listener(this.#runbooks);
      return { ok: true, diagnostics: [], runbooks: this.#runbooks.length, version: this.#version };
    });
    this.#pending = run.catch(() => undefined);
    return run;
  }
}
