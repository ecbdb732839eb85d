/**
 * "Did you mean": the closest of a list of known names to a mistyped one, by edit distance,
 * when it is close enough to be a typo (at most a third of its length, at least 1, at most 3
 * edits).
 */

/** Levenshtein distance: insertions, deletions and substitutions, each costing 1. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known name closest to `given`, or null when none is a plausible typo of it. */
export function closest(given: string, known: readonly string[]): string | null {
  const limit = Math.min(3, Math.max(1, Math.floor(given.length / 3)));
  let best: { name: string; distance: number } | null = null;
  for (const name of known) {
    const distance = editDistance(given, name);
    if (distance <= limit && (best === null || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? null;
}
