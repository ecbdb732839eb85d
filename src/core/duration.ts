/**
 * Durations, the one place they are parsed and formatted.
 *
 * As runbook authors write them: one or more `<integer><unit>` parts, largest unit first or not,
 * with units `ms`, `s`, `m`, `h`, `d` (`30s`, `15m`, `1h`, `1h30m`). The same syntax as
 * Prometheus and Alertmanager durations, minus weeks and years, which no runbook timer needs.
 * Step parameters (`wait`, `prometheus.query`'s `for`, `http.request`'s `timeout`) use it too.
 */

/** The pattern the runbook JSON Schema and action parameter schemas use for every duration field. */
export const DURATION_PATTERN = '^([0-9]+(ms|s|m|h|d))+$';

/** Units, largest first, with their size in milliseconds. */
const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

const UNIT_MS: ReadonlyMap<string, number> = new Map(UNITS);

const WHOLE = new RegExp(DURATION_PATTERN);
const PART = /([0-9]+)(ms|s|m|h|d)/g;

/**
 * Parses a duration into milliseconds.
 *
 * @returns the milliseconds, or `null` when `text` is not a duration.
 */
export function parseDuration(text: string): number | null {
  if (!WHOLE.test(text)) return null;
  let total = 0;
  for (const match of text.matchAll(PART)) {
    const amount = Number(match[1]);
    const unit = UNIT_MS.get(match[2] ?? '');
    if (unit === undefined) return null;
    total += amount * unit;
  }
  return Number.isSafeInteger(total) ? total : null;
}

/**
 * - `exact`: the duration syntax above, every non-zero unit down to milliseconds, so that
 *   {@link parseDuration} reads it back (`90500` → `1m30s500ms`, `0` → `0s`); for messages that
 *   name a setting's value (a cooldown, a hold time).
 * - `human`: the two largest units, a zero second unit left out, seconds rounded down (`4m 12s`,
 *   `1h`, `2d 3h`, `45s`); below a second, milliseconds (`850ms`); for spans people read at a
 *   glance (an incident's figures, an age).
 */
export type DurationStyle = 'exact' | 'human';

/** Formats milliseconds as a duration in `style` (default `exact`); a negative span gets a `-`. */
export function formatDuration(ms: number, style: DurationStyle = 'exact'): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms, style)}`;
  return style === 'exact' ? exact(ms) : human(ms);
}

function exact(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      out += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return out;
}

function human(ms: number): string {
  if (ms < 1000) return `${Math.floor(ms)}ms`;
  let rest = Math.floor(ms / 1000) * 1000;
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    if (unit === 'ms') break;
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (parts.length === 0 && n === 0) continue;
    parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.filter((p, i) => i === 0 || !p.startsWith('0')).join(' ');
}
