/**
 * Reads without side effects that an action needs before it decides, issued at once instead of
 * one after the other: each is a round trip to the brokers, and a containment waits for all of
 * them. The outcome is what running them in order would give: the values in order, or the
 * error of the first one (in argument order) that failed, so a refusal that comes first (a
 * custom quota callback) still wins over a later read's failure.
 */
export async function sideBySide<T extends readonly unknown[]>(reads: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(reads.map((read) => read()));
  const values: unknown[] = [];
  for (const outcome of settled) {
    if (outcome.status === 'rejected') throw outcome.reason;
    values.push(outcome.value);
  }
  return values as unknown as T;
}
