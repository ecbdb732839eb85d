/** A baseline guard input that decides `run` / `allowed`, for tests to change one thing at a time. */
import { FakeClock } from '../../../src/core/clock.ts';
import type { GuardInput } from '../../../src/engine/guards.ts';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export interface InputOverrides {
  step?: Partial<GuardInput['step']>;
  history?: Partial<GuardInput['history']>;
  settings?: Partial<Omit<GuardInput['settings'], 'limits' | 'defaults'>> & {
    limits?: Partial<GuardInput['settings']['limits']>;
    defaults?: Partial<GuardInput['settings']['defaults']>;
  };
  policy?: Partial<GuardInput['policy']>;
  plan?: Partial<NonNullable<GuardInput['plan']>> | null;
  incident?: Partial<GuardInput['incident']>;
  condition?: boolean | null;
  trigger?: GuardInput['trigger'];
  runId?: string;
  alertFiring?: boolean;
  episode?: GuardInput['episode'];
}

/** A mutating containment step, firing, enforce mode, empty history, a plan within every limit. */
export function guardInput(clock: FakeClock, o: InputOverrides = {}): GuardInput {
  return {
    step: { id: 'throttle', phase: 'containment', on: 'firing', mutating: true, approval: 'none', approvalTimeoutMs: null, ...o.step },
    runId: o.runId ?? 'run-current',
    condition: o.condition === undefined ? null : o.condition,
    plan:
      o.plan === null
        ? null
        : { topics: [], clients: ['client-id=loadgen'], quotaByteRates: [1_048_576], retentionMs: [], ...o.plan },
    incident: { id: 'inc-1', status: 'open', ...o.incident },
    history: { runs: [], executedSteps: [], touched: { topics: [], clients: [] }, approval: null, ...o.history },
    trigger: o.trigger ?? 'firing',
    ...(o.alertFiring === undefined ? {} : { alertFiring: o.alertFiring }),
    ...(o.episode === undefined ? {} : { episode: o.episode }),
    now: clock.now(),
    settings: {
      mode: o.settings?.mode ?? 'enforce',
      paused: o.settings?.paused ?? false,
      limits: {
        maxTopicsPerIncident: 5,
        maxClientsPerIncident: 5,
        minQuotaByteRate: 65_536,
        minRetentionMs: HOUR,
        protectedTopics: [],
        ...o.settings?.limits,
      },
      defaults: { cooldownMs: 15 * MINUTE, maxRunsPerHour: 4, ...o.settings?.defaults },
    },
    policy: {
      cooldownMs: null,
      maxRunsPerHour: null,
      maxTopicsPerIncident: null,
      maxClientsPerIncident: null,
      minQuotaByteRate: null,
      minRetentionMs: null,
      protectedTopics: [],
      episodeWindowMs: null,
      loopBreakerCycles: null,
      loopBreakerWindowMs: null,
      ...o.policy,
    },
  };
}

/** Earlier finished runs that started `ago` ms before now. */
export function runsAgo(clock: FakeClock, ...ago: number[]): GuardInput['history']['runs'] {
  return ago.map((ms, i) => ({ id: `run-${i}`, startedAt: clock.now() - ms, finishedAt: clock.now() - ms + 1000, outcome: 'succeeded' as const }));
}
