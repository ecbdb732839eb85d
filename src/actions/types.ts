/**
 * The action contract. An action is the only unit that touches the outside world; the engine
 * finds actions by name in the {@link ActionRegistry}. Each action declares a JSON Schema for its
 * parameters, whether it mutates, how it plans, executes and reverts.
 *
 * Contract for mutating actions:
 * - `plan` reads live state and returns the exact changes it would make; no side effects.
 * - `execute` captures the prior state *before* changing anything and returns it together with
 *   what it applied, so `revert` can undo the change later, in another process.
 * - `revert` restores `prior` only where the live value still equals `applied`; otherwise it
 *   leaves the value alone and reports a conflict. Calling it twice is harmless.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { DataLossFinding, RetentionImpact } from './kafka/actions/retention-impact.ts';
import type { KafkaAdmin } from './kafka/types.ts';
import type { NotifyTarget, RevertMode, SafetyLimits } from '../model/action.ts';

export { HARD_LIMITS, REVERT_MODES, type NotifyTarget, type RevertMode, type SafetyLimits } from '../model/action.ts';

/**
 * Where the HTTP integrations are and how to reach them: the `prometheus`, `grafana`, `notify`
 * and `http` sections of the configuration (src/config/schema.ts `Config` satisfies it as it is).
 * A missing section or a null URL means "not configured": the action fails with
 * `<INTEGRATION>_NOT_CONFIGURED` instead of guessing. URLs and tokens come only from here,
 * never from runbook parameters.
 */
export interface IntegrationSettings {
  prometheus?: { url: string | null; timeoutMs: number };
  grafana?: { url: string | null; token: string | null; timeoutMs: number };
  notify?: { targets: Readonly<Record<string, NotifyTarget>>; timeoutMs: number };
  http?: { allowHosts: readonly string[]; timeoutMs: number };
}

export interface ActionContext {
  kafka: KafkaAdmin;
  clock: Clock;
  logger: Logger;
  limits: SafetyLimits;
  signal?: AbortSignal;
  /** Settings of the HTTP integrations; absent when none is configured. */
  integrations?: IntegrationSettings;
  /**
   * Risks a person has accepted for this call: `data-loss` lets a retention cut delete records a
   * consumer group has not read (a granted approval of a step whose runbook says
   * `onDataLoss: approve`, or `firebreak action --accept-data-loss`).
   */
  acknowledged?: readonly 'data-loss'[];
  /**
   * Given to the `execute` of an action that declares `readsBeforeClaim`: the engine starts
   * `execute` while it commits the step's claim, so the action's reads (the prior state) overlap
   * that commit. The action awaits it after its reads and before its first change: it resolves
   * once the claim is durable, and rejects (ENGINE_NOT_CLAIMED) when the step must not change
   * anything. Absent outside the engine (`firebreak action`): nothing to wait for.
   */
  beforeChange?: () => Promise<void>;
  /**
   * Given to the `execute` of a mutating step by the engine: the plan of this very execution,
   * which the guards approved and the step's claim records, made moments before from the live
   * state (all-brokers reads for the Kafka actions). An action whose plan names every value it
   * changes (its `from`) may take its prior state from it instead of reading the cluster a second
   * time (docs/storage.md, "The commit model"). Absent outside the engine and for a re-application.
   */
  planned?: Plan;
}

/** One change a mutating action would make or made. */
export interface Change {
  /** e.g. `topic:orders`, `quota:client-id=app1`, `broker:1`. */
  resource: string;
  key: string;
  from: unknown;
  to: unknown;
}

export interface Plan {
  summary: string;
  changes: Change[];
  /** Resources this action would touch, counted against per-incident caps. */
  touches: { topics: string[]; clients: string[] };
  /** Retention changes: what each lowered retention would free and delete (retention-impact.ts). */
  retention?: RetentionImpact[];
  /** Records consumer groups have not read that the change would delete; the guard `data-loss` decides. */
  dataLoss?: DataLossFinding[];
}

export interface ExecuteResult<R = unknown> {
  /** What the action found or did; stored on the timeline. */
  output: R;
  /** For mutating actions: the state before the change, enough to restore it. */
  prior?: unknown;
  /** For mutating actions: what was applied, compared to live state at revert time. */
  applied?: unknown;
  changes?: Change[];
  /**
   * For mutating actions: the longest the change may stay in force before it does harm by itself
   * (a producer throttle: the producers' clients would start dropping records), and why. The
   * engine releases the change then, as a step's `maxDuration` with `onMaxDuration: release` does.
   */
  holdLimit?: { ms: number; reason: string };
}

export type RevertOutcome =
  | { status: 'reverted'; changes: Change[] }
  | { status: 'already-reverted' }
  | {
      status: 'conflict';
      conflicts: Array<{ resource: string; key: string; expected: unknown; actual: unknown }>;
      /** Keys without a conflict that were restored in the same call (partial revert). */
      changes?: Change[];
    };

/**
 * Whether a change had its effect, judged where the data exists after the time the system needs
 * to act (a quota: the broker's quota window): `effective`, `no-effect` (the change is in force
 * and the traffic it should bound is not bounded), or `unknown` (no data to judge: no traffic).
 */
export interface Verification {
  effect: 'effective' | 'no-effect' | 'unknown';
  /** One sentence with the numbers behind the verdict. */
  summary: string;
  data: Record<string, unknown>;
}

export interface Action<P = unknown, R = unknown> {
  name: string;
  description: string;
  mutating: boolean;
  /** Default revert behaviour; `never` for read-only actions. */
  defaultRevert: RevertMode;
  /** JSON Schema (draft 2020-12 subset ajv understands) of `params`. */
  paramsSchema: Record<string, unknown>;
  plan(ctx: ActionContext, params: P): Promise<Plan>;
  /**
   * Mutating actions whose `execute` awaits `ctx.beforeChange` before its first change: the
   * engine may then start it before the step's claim is durable. Every other action's `execute`
   * starts only once the claim is durable.
   */
  readsBeforeClaim?: boolean;
  execute(ctx: ActionContext, params: P): Promise<ExecuteResult<R>>;
  revert?(ctx: ActionContext, params: P, record: { prior: unknown; applied: unknown }): Promise<RevertOutcome>;
  /**
   * Gradual release, for changes that limit something by a number (a quota, a retention, a
   * replication throttle): the next, looser level of the change, in the shape of its `applied`
   * record, from the level in force now (`current`, same shape), the recorded `prior` state and
   * `factor` (> 1: each level lets `factor` times more through). Returns null when the next level
   * would reach the prior state: the last step of a gradual release is the revert itself. Pure,
   * no I/O. The engine applies a level with `revert(ctx, params, { prior: next, applied: current })`,
   * so a level is only set where the live value is still the one in force.
   */
  relax?(record: { prior: unknown; applied: unknown }, current: unknown, factor: number): unknown;
  /**
   * Optional, for mutating actions: called by the engine after a successful `execute` (in the
   * background, the run does not wait), it waits as long as the change needs to act
   * (`ctx.signal` ends the wait), then judges its effect. Read-only.
   */
  verify?(ctx: ActionContext, params: P, result: ExecuteResult<R>): Promise<Verification>;
  /**
   * What the hard limits refuse in the parameters' own values, without the cluster: a rate below
   * the floor, a protected topic. Plan and execute refuse the same values whatever the cluster's
   * state. The runbook loader calls it on parameters as written, where a value still to come from
   * a template is absent: it checks only the values present. Pure.
   */
  limitRefusals?(params: Record<string, unknown>, limits: SafetyLimits): LimitRefusal[];
}

/** A value of the parameters the hard limits refuse, at its JSON pointer inside them. */
export interface LimitRefusal {
  pointer: string;
  /** The action's own code: ACTION_BELOW_FLOOR or ACTION_PROTECTED_RESOURCE. */
  code: string;
  message: string;
}
