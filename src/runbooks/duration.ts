/**
 * Durations as runbook authors write them: one or more `<integer><unit>` parts, largest unit
 * first or not, with units `ms`, `s`, `m`, `h`, `d` (`30s`, `15m`, `1h`, `1h30m`). The same
 * syntax as Prometheus and Alertmanager durations, minus weeks and years, which no runbook
 * timer needs.
 */

/** The pattern the runbook JSON Schema uses for every duration field. */
export const DURATION_PATTERN = '^([0-9]+(ms|s|m|h|d))+$';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

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
    const unit = UNIT_MS[match[2] ?? ''];
    if (unit === undefined) return null;
    total += amount * unit;
  }
  return Number.isSafeInteger(total) ? total : null;
}

/** Formats milliseconds back into the shortest duration text (`90000` → `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit] ?? 1;
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      out += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return out;
}
