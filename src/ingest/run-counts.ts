/**
 * The runs each notification asked the engine for, counted by the processing transactions
 * (`withinTransaction`) until the notification's summary goes to the main thread. An entry lives
 * until the summary takes it, or until the pipeline drops the notification (`onDropped`: its
 * transaction rolled back, its processing failed, another replica took it over), so a
 * notification that never gets a summary leaves nothing behind, and a retried transaction counts
 * its runs once.
 */
export class RunCounts {
  readonly #runs = new Map<number, number>();

  add(notificationId: number, runs: number): void {
    this.#runs.set(notificationId, (this.#runs.get(notificationId) ?? 0) + runs);
  }

  /** The count for the summary; the entry is gone afterwards. */
  take(notificationId: number): number {
    const runs = this.#runs.get(notificationId) ?? 0;
    this.#runs.delete(notificationId);
    return runs;
  }

  drop(notificationIds: readonly number[]): void {
    for (const id of notificationIds) this.#runs.delete(id);
  }

  /** How many notifications have an entry (what tests check for leaks). */
  get size(): number {
    return this.#runs.size;
  }
}
