/**
 * Storm control: a bound on how many incidents alerts may open, per notification and per minute.
 * Past a cap, an alert that would open a new incident folds into the storm incident of its
 * runbook, cluster and alert name instead (one per such triple, opened as needed), and each
 * storm incident gets an `incident.storm` timeline entry saying how many alerts folded into it
 * and why. Nothing is dropped: every alert is still recorded, on the timeline too. The engine's
 * run requests are bounded separately (one firing run per incident at a time, see
 * src/engine/enqueue.ts). docs/incidents.md describes it for operators.
 *
 * The minute is measured on the notifications' receive times, so a replay after a restart
 * sees the same storm the first pass saw (within one process: the window starts empty).
 */
import { CONFIG_DEFAULTS } from '../config/schema.ts';

export interface StormSettings {
  /** New incidents one notification may open (default 20). */
  maxNewIncidentsPerNotification: number;
  /** New incidents opened by notifications received within any 60 s (default 60). */
  maxNewIncidentsPerMinute: number;
}

export const DEFAULT_STORM_SETTINGS: StormSettings = {
  maxNewIncidentsPerNotification: CONFIG_DEFAULTS.storm.maxNewIncidentsPerNotification,
  maxNewIncidentsPerMinute: CONFIG_DEFAULTS.storm.maxNewIncidentsPerMinute,
};

/** Why an alert was folded: which cap it hit. */
export type StormCap = 'per-notification' | 'per-minute';

const MINUTE_MS = 60_000;

/** The per-minute window; one per processing worker. */
export class StormGate {
  readonly settings: StormSettings;
  /** Receive times (ms) of the notifications that opened each incident of the last minute. */
  #opened: number[] = [];

  constructor(settings: StormSettings = DEFAULT_STORM_SETTINGS) {
    this.settings = settings;
  }

  /**
   * Whether a notification received at `receivedMs`, which has opened `openedByIt` incidents so
   * far, may open one more; null when it may, else the cap it hits.
   */
  check(receivedMs: number, openedByIt: number): StormCap | null {
    if (openedByIt >= this.settings.maxNewIncidentsPerNotification) return 'per-notification';
    while (this.#opened.length > 0 && (this.#opened[0] as number) <= receivedMs - MINUTE_MS) this.#opened.shift();
    return this.#opened.length >= this.settings.maxNewIncidentsPerMinute ? 'per-minute' : null;
  }

  /** Counts an incident opened by a notification received at `receivedMs`. */
  opened(receivedMs: number): void {
    this.#opened.push(receivedMs);
  }
}
