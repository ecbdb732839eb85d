/**
 * `wait`: pauses the run for a duration (at most 1h), e.g. to give a throttle time to act
 * before the next check. Read-only. The step's AbortSignal (its timeout, a shutdown) ends the
 * wait at once with `WAIT_ABORTED`; a step timeout shorter than the duration therefore always
 * fails the step, which `firebreak validate` cannot see, so keep `timeout` above `duration`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DURATION_PATTERN, parseDuration } from '../../core/duration.ts';
import type { Action, Plan } from '../types.ts';
import { waitError } from '../integration-errors.ts';

export interface WaitParams {
  duration: string;
}

export interface WaitOutput {
  durationMs: number;
}

/** Longest wait a step may ask for. */
export const MAX_WAIT_MS = 3_600_000;

/** The duration in ms; `WAIT_DURATION_INVALID` (400) above {@link MAX_WAIT_MS}. */
export function waitMs(duration: string): number {
  const ms = parseDuration(duration);
  if (ms === null || ms > MAX_WAIT_MS) {
    throw waitError('WAIT_DURATION_INVALID', `wait duration ${duration} must be at most 1h`, { details: { duration } });
  }
  return ms;
}

export const wait: Action<WaitParams, WaitOutput> = {
  name: 'wait',
  description: 'Wait for a duration (at most 1h); ends early, failing, when the step is cancelled.',
  mutating: false,
  defaultRevert: 'never',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['duration'],
    properties: { duration: { type: 'string', pattern: DURATION_PATTERN } },
  },

  async plan(_ctx, params): Promise<Plan> {
    waitMs(params.duration);
    return { summary: `wait ${params.duration}`, changes: [], touches: { topics: [], clients: [] } };
  },

  async execute(ctx, params) {
    const ms = waitMs(params.duration);
    try {
      await sleep(ms, undefined, ctx.signal === undefined ? {} : { signal: ctx.signal });
    } catch (err) {
      throw waitError('WAIT_ABORTED', `wait ${params.duration} was cancelled before it ended`, { cause: err, details: { duration: params.duration } });
    }
    return { output: { durationMs: ms } };
  },
};
