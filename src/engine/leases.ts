/**
 * Run leases: how several engines (replicas) share one store without running a run twice.
 *
 * - An engine takes a pending run with a compare-and-set in one transaction (run.ts `start`),
 *   writing itself as the run's `owner`, a lease (`leaseUntil`, now + `leaseMs`) and a new
 *   fencing token (`fence` + 1).
 * - While it executes the run, a heartbeat renews the leases of every run it holds.
 * - Every write of the run's progress first checks, in the same transaction, that the run still
 *   has the fence this engine took ({@link RunLeases.check}); a replica that stalled past its
 *   lease and was taken over fails with ENGINE_FENCED and writes nothing.
 * - A run whose lease ran out belongs to a dead or stalled engine: another engine takes it over
 *   (worker.ts `recover`): a step it had claimed and not finished is recorded as interrupted,
 *   never run again; a run between two steps is resumed. The take-over raises the fence.
 *
 * With `exclusive` (one engine per store: SQLite), the start-up recovery takes over every run
 * left running at once, since no other engine can hold one; with a shared store it waits for
 * the leases to run out.
 */
import { FirebreakError } from '../errors.ts';
import { toIso } from '../incidents/normalize.ts';
import type { EngineRun, RunPatch } from '../model/engine.ts';
import type { Recorder, Runtime } from './runtime.ts';
import { timerOwner } from './timers.ts';
import { engineError } from './errors.ts';

export interface LeaseSettings {
  /** How long a run stays this engine's without a heartbeat. Default 30 000 ms. */
  leaseMs?: number;
  /** Only this engine uses the store (SQLite): take over every running run at start. Default true. */
  exclusive?: boolean;
  /** This engine's name in the store; default: host, pid and a random part (as for timers). */
  owner?: string;
}

export const DEFAULT_LEASE_MS = 30_000;

/** The run was taken over by another engine: this one must stop writing it. */
export function runFenced(runId: number, fence: number, found: EngineRun | null): FirebreakError {
  return engineError(
    'ENGINE_FENCED',
    `run ${runId} was taken over by another engine (fence ${found?.fence ?? 'gone'}, this engine holds ${fence}); this engine stops it and records nothing more`,
    { details: { runId, fence, currentFence: found?.fence ?? null, currentOwner: found?.owner ?? null } },
  );
}

export class RunLeases {
  readonly owner: string;
  readonly leaseMs: number;
  readonly exclusive: boolean;
  /** Run id → the fence this engine took it with. */
  readonly #held = new Map<number, number>();
  readonly #rt: Pick<Runtime, 'store' | 'clock' | 'logger'>;
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(rt: Pick<Runtime, 'store' | 'clock' | 'logger'>, settings: LeaseSettings = {}) {
    this.#rt = rt;
    this.owner = settings.owner ?? timerOwner();
    this.leaseMs = settings.leaseMs ?? DEFAULT_LEASE_MS;
    this.exclusive = settings.exclusive ?? true;
  }

  /** The patch that takes `run` for this engine (inside the transaction that starts it). */
  take(run: EngineRun): RunPatch {
    return { owner: this.owner, leaseUntil: toIso(this.#rt.clock.now() + this.leaseMs), fence: run.fence + 1 };
  }

  /** Remembers a run this engine took; its lease is renewed until {@link drop}. */
  hold(run: EngineRun): void {
    this.#held.set(run.id, run.fence);
  }

  drop(runId: number): void {
    this.#held.delete(runId);
  }

  /** True when `run` (read from the store) may be taken over now: nobody holds a live lease. */
  expired(run: EngineRun, now: number): boolean {
    if (run.owner === this.owner && !this.#held.has(run.id)) return true;
    return run.leaseUntil === null || Date.parse(run.leaseUntil) <= now;
  }

  /**
   * Inside a recorder: throws ENGINE_FENCED unless the run still has the fence this engine took.
   * Returns the run as read for the check, or null when this engine does not hold it (no read).
   */
  async check(r: Recorder, runId: number): Promise<EngineRun | null> {
    const fence = this.#held.get(runId);
    if (fence === undefined) return null;
    const current = await r.tx.getRun(runId);
    if (current === null || current.fence !== fence) throw runFenced(runId, fence, current);
    return current;
  }

  /** Renews the leases of the held runs every third of `leaseMs`, until {@link stop}. */
  start(): void {
    if (this.#heartbeat !== null) return;
    this.#heartbeat = setInterval(() => {
      this.renew().catch((err: unknown) => this.#rt.logger.warn({ err }, 'cannot renew run leases; retrying at the next beat'));
    }, Math.max(100, Math.floor(this.leaseMs / 3)));
    this.#heartbeat.unref();
  }

  stop(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  /** One heartbeat; returns the ids of held runs this engine lost to another. */
  async renew(): Promise<number[]> {
    if (this.#held.size === 0) return [];
    const renewed = new Set(await this.#rt.store.renewRunLeases(this.owner, toIso(this.#rt.clock.now() + this.leaseMs)));
    const lost = [...this.#held.keys()].filter((id) => !renewed.has(id));
    if (lost.length > 0) this.#rt.logger.warn({ runs: lost }, 'runs taken over by another engine after this one missed its lease; their progress is not written by this engine');
    return lost;
  }
}
