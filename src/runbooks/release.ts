/**
 * A step's release settings at load time: `revert`, `release` and `maxDuration` checked together
 * and turned into one {@link ReleaseSpec} with every default applied (docs/runbooks.md,
 * "Release"). The schema has checked the shapes; this checks what depends on the action and on
 * the other keys, and reports each problem at its key.
 */
import type { RevertMode } from '../actions/types.ts';
import { parseDuration } from '../core/duration.ts';
import type { ActionInfo } from './params.ts';
import { RELEASE_DEFAULTS } from './types.ts';
import { type ReleaseMode, type ReleaseSpec } from '../model/engine.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** How a problem is reported: a message at a step key (relative pointer such as `/release/mode`). */
export type ReleaseProblem = (pointer: string, message: string, atKey?: boolean) => void;

/** The default time between condition checks: `for / 5`, kept within 1s..1m. */
export function defaultReleaseIntervalMs(forMs: number): number {
  return Math.min(RELEASE_DEFAULTS.maxIntervalMs, Math.max(RELEASE_DEFAULTS.minIntervalMs, Math.floor(forMs / 5)));
}

const PARAM = /^\{\{\s*params\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}$/;

/**
 * A duration as written, or read from the runbook's params (`{{ params.recoveryHold }}`: params
 * are constants, so it is known at load time); null when absent or not a duration (reported).
 */
function durationOf(value: unknown, params: Record<string, unknown>, pointer: string, problem: ReleaseProblem): number | null {
  if (typeof value !== 'string') return null;
  const name = PARAM.exec(value)?.[1];
  if (name === undefined) return parseDuration(value);
  const param = params[name];
  const ms = typeof param === 'string' ? parseDuration(param) : null;
  if (ms === null) problem(pointer, Object.hasOwn(params, name) ? `params.${name} must be a duration such as 30s, 15m or 1h (got ${JSON.stringify(param)})` : `unknown variable params.${name} (no params.${name} in this runbook)`);
  return ms;
}

/**
 * Checks the release keys of one step (`step` as written) and returns its spec. `revert` is the
 * step's effective revert mode (as written or the action's default); `action` is undefined when
 * the action is unknown (then only the action-independent checks run).
 */
export function checkRelease(step: Obj, revert: RevertMode, action: ActionInfo | undefined, params: Record<string, unknown>, problem: ReleaseProblem): ReleaseSpec {
  const release = isObj(step.release) ? step.release : null;
  const duration = (value: unknown, pointer: string) => durationOf(value, params, pointer, problem);
  const mutating = action?.mutating ?? true;
  const mode: ReleaseMode = revert === 'on-resolve' ? ((release?.mode as ReleaseMode | undefined) ?? 'on-resolve') : revert;
  if (release !== null) {
    if (action !== undefined && !mutating) problem('/release', `${action.name} is read-only: there is nothing to release`, true);
    else if (revert !== 'on-resolve') problem('/release', `release applies to changes firebreak undoes itself (revert: on-resolve), and this step says revert: ${revert}`, true);
  }
  const condition = release !== null && isObj(release.condition) ? release.condition : null;
  if (release !== null && mode === 'when-recovered' && condition === null) {
    problem('/release/mode', 'when-recovered needs a condition: the change is released once it has held for `for`');
  }
  if (release !== null && mode === 'on-resolve') {
    for (const key of ['condition', 'for', 'interval', 'factor', 'steps']) {
      if (release[key] !== undefined) problem(`/release/${key}`, `${key} applies to mode when-recovered or gradual, not on-resolve`, true);
    }
  }
  if (release !== null && mode === 'when-recovered') {
    for (const key of ['factor', 'steps']) {
      if (release[key] !== undefined) problem(`/release/${key}`, `${key} applies to mode gradual`, true);
    }
  }
  if (mode === 'gradual' && action !== undefined && mutating && typeof action.relax !== 'function') {
    problem('/release/mode', `${action.name} cannot release its change in levels (use on-resolve or when-recovered)`);
  }
  const written = { for: duration(release?.for, '/release/for'), interval: duration(release?.interval, '/release/interval') };
  const forMs = mode === 'when-recovered' || mode === 'gradual' ? (written.for ?? RELEASE_DEFAULTS.forMs) : 0;
  const maxDurationMs = duration(step.maxDuration, '/maxDuration');
  if (step.maxDuration !== undefined) {
    if (action !== undefined && !mutating) problem('/maxDuration', `${action.name} is read-only: it holds nothing in force`, true);
    else if (revert === 'never') problem('/maxDuration', 'revert: never changes are permanent, not containment: they have no maximum duration', true);
  }
  const onMaxDuration = step.onMaxDuration === 'release' ? 'release' : 'escalate';
  if (step.onMaxDuration !== undefined && step.maxDuration === undefined) problem('/onMaxDuration', 'onMaxDuration needs maxDuration', true);
  if (onMaxDuration === 'release' && revert !== 'on-resolve') problem('/onMaxDuration', `release at maxDuration needs revert: on-resolve (this step says ${revert}); use escalate`);
  return {
    mode: mutating ? mode : 'never',
    condition:
      condition === null
        ? null
        : { query: String(condition.query), expect: String(condition.expect), onEmpty: condition.onEmpty === 'pass' ? 'pass' : 'fail' },
    forMs,
    intervalMs: written.interval ?? (forMs === 0 ? 0 : defaultReleaseIntervalMs(forMs)),
    factor: typeof release?.factor === 'number' ? release.factor : RELEASE_DEFAULTS.factor,
    steps: typeof release?.steps === 'number' ? release.steps : RELEASE_DEFAULTS.steps,
    maxDurationMs,
    onMaxDuration,
  };
}
