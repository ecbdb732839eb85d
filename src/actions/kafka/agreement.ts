/**
 * The decision behind an all-brokers read, as a pure function of what each live broker
 * answered in one round: {@link judgeAnswers}. The loop that sends the requests and retries is
 * consistent-read.ts.
 *
 * Rules, in order:
 * 1. A broker that cannot be connected to (KAFKA_UNREACHABLE) is left out. It serves nobody, so
 *    it cannot hand anyone a stale answer, and a KRaft broker that comes back accepts clients
 *    only after catching up with the metadata log. If no broker answers at all, the read fails
 *    with KAFKA_UNREACHABLE.
 * 2. A broker not yet known to have applied the admin's own last write (`behind`, see
 *    {@link fenceStatus}) makes the round inconclusive: its answer might not show that write.
 * 3. When every answering broker returns the same error code (a missing topic, an
 *    authorization failure), that error is the answer, with no further rounds.
 * 4. When every answering broker returns a state with the same agreement key, that state is the
 *    answer (the one of the lowest broker id, for the parts outside the key).
 * 5. Anything else (different states, a mix of states and errors) is inconclusive: a change is
 *    still reaching some brokers, or the state is changing right now.
 */
import { FirebreakError } from '../../errors.ts';
import { kafkaError } from './errors.ts';

/** What one broker answered in one round. */
export type BrokerOutcome<T> =
  | { kind: 'state'; state: T }
  /** The broker is not known to have applied the admin's last write (see {@link fenceStatus}); it was not asked. */
  | { kind: 'behind'; appliedOffset: number }
  | { kind: 'error'; error: FirebreakError };

export interface BrokerAnswer<T> {
  brokerId: number;
  outcome: BrokerOutcome<T>;
}

/** One broker's answer in a form fit for logs and error details. */
export interface BrokerSummary {
  brokerId: number;
  /** `state`: the agreement key (JSON); `behind`: applied offset; `error`: the code. */
  answer: { state: unknown } | { behind: number } | { error: string };
}

export type Verdict<T> =
  | { kind: 'agreed'; state: T; brokers: number[]; unreachable: number[] }
  | { kind: 'failed'; error: FirebreakError }
  | { kind: 'inconclusive'; reason: 'behind' | 'diverged'; answers: BrokerSummary[] };

/**
 * How long a broker serving live configuration (see {@link fenceStatus}) may sit at the same
 * applied offset before its answer counts anyway: a KRaft controller appends a no-op record at
 * least every `metadata.max.idle.interval.ms` (500 ms by default), so the offset normally moves
 * well within this; the bound only matters on a cluster with those records turned off.
 */
export const LIVE_CONFIG_SETTLE_MS = 1_000;

/** What is known about one broker's progress through the metadata log during one read. */
export interface FenceCheck {
  /** The admin's last write: the offset the broker must have applied; null: nothing to check. */
  required: number | null;
  /** The broker's applied offset now; null when it does not report one (then agreement alone decides). */
  applied: number | null;
  /** True for reads a broker serves from its live configuration rather than its metadata image. */
  liveConfig: boolean;
  /** The first offset at or past `required` seen for this broker during this read, and when (epoch ms). */
  firstSeen?: { offset: number; at: number };
  now: number;
}

/**
 * Whether a broker's answer can count yet after the admin's own write:
 * - `behind`: it has not applied the write;
 * - `settling`: it has applied it to its metadata image, but the answer comes from configuration
 *   it updates right after the image (a broker's own configs and the cluster-wide broker default
 *   are served from the broker's live configuration, updated by a later step of the same
 *   publishing pass). Such an answer counts once the broker has moved on to a later image, which
 *   proves that pass finished, or after {@link LIVE_CONFIG_SETTLE_MS} at the same offset. The
 *   caller records `firstSeen` when it gets `settling` without one;
 * - `ready`.
 * Quotas and topic configs are served from the image itself: `ready` as soon as it is applied.
 */
export function fenceStatus(check: FenceCheck): 'ready' | 'behind' | 'settling' {
  const { required, applied } = check;
  if (required === null || applied === null) return 'ready';
  if (applied < required) return 'behind';
  if (!check.liveConfig) return 'ready';
  const first = check.firstSeen;
  if (first === undefined) return 'settling';
  return applied > first.offset || check.now - first.at >= LIVE_CONFIG_SETTLE_MS ? 'ready' : 'settling';
}

/**
 * Decides one round. `key` maps a state to the string that must be equal on every broker: the
 * part of the state the metadata log determines (see quotas.ts and configs.ts).
 */
export function judgeAnswers<T>(answers: readonly BrokerAnswer<T>[], key: (state: T) => string): Verdict<T> {
  const sorted = [...answers].sort((a, b) => a.brokerId - b.brokerId);
  const unreachable = sorted.filter((a) => a.outcome.kind === 'error' && a.outcome.error.code === 'KAFKA_UNREACHABLE');
  const answering = sorted.filter((a) => !unreachable.includes(a));
  const first = answering[0];
  if (first === undefined) {
    const cause = unreachable[0]?.outcome;
    if (cause?.kind === 'error') return { kind: 'failed', error: cause.error };
    return {
      kind: 'failed',
      error: kafkaError('KAFKA_UNREACHABLE', 'no broker in the cluster metadata'),
    };
  }
  const summaries = (): BrokerSummary[] => sorted.map((a) => ({ brokerId: a.brokerId, answer: summarize(a.outcome, key) }));
  if (answering.some((a) => a.outcome.kind === 'behind')) return { kind: 'inconclusive', reason: 'behind', answers: summaries() };

  if (first.outcome.kind === 'error') {
    const code = first.outcome.error.code;
    if (answering.every((a) => a.outcome.kind === 'error' && a.outcome.error.code === code)) return { kind: 'failed', error: first.outcome.error };
    return { kind: 'inconclusive', reason: 'diverged', answers: summaries() };
  }
  if (first.outcome.kind === 'state') {
    const agreed = key(first.outcome.state);
    if (answering.every((a) => a.outcome.kind === 'state' && key(a.outcome.state) === agreed)) {
      return { kind: 'agreed', state: first.outcome.state, brokers: answering.map((a) => a.brokerId), unreachable: unreachable.map((a) => a.brokerId) };
    }
  }
  return { kind: 'inconclusive', reason: 'diverged', answers: summaries() };
}

function summarize<T>(outcome: BrokerOutcome<T>, key: (state: T) => string): BrokerSummary['answer'] {
  switch (outcome.kind) {
    case 'state':
      return { state: parseKey(key(outcome.state)) };
    case 'behind':
      return { behind: outcome.appliedOffset };
    case 'error':
      return { error: outcome.error.code };
  }
}

/** Agreement keys are JSON; shown parsed so error details stay readable. */
function parseKey(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
