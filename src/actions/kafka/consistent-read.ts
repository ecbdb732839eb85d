/**
 * All-brokers reads (`{ consistency: 'all-brokers' }`). In KRaft every broker serves
 * DescribeClientQuotas and DescribeConfigs from its own copy of the metadata log, which catches up
 * a few hundred milliseconds after a write is acknowledged, so one broker's answer may be older
 * than the last write. {@link readConsistent} asks every live broker in parallel and returns only
 * a state they all agree on (agreement.ts), asking again every {@link POLL_MS} until they do.
 *
 * Read-your-writes: after this admin's own write, a broker's answer counts only once the broker
 * has applied that write (metadata-log.ts, {@link WriteFence}). Without that check, agreement
 * alone could return the old state when every broker is still behind, which is the normal case
 * for a few hundred milliseconds when the controllers run apart from the brokers.
 *
 * The first round asks the brokers of the client's cached metadata while it fetches the live list
 * afresh, and keeps those answers only when the fresh list names exactly the same brokers; later
 * rounds fetch the list first. Either way the fresh list decides which brokers count.
 *
 * Bounds: the read gives up shortly before the operation deadline with a retriable
 * KAFKA_BROKERS_DISAGREE carrying each broker's last answer; a hung request is cut by the
 * operation deadline itself (KAFKA_TIMEOUT, client.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FirebreakError } from '../../errors.ts';
import { fenceStatus, judgeAnswers, type BrokerAnswer, type Verdict } from './agreement.ts';
import { toKafkaError, kafkaError } from './errors.ts';
import { appliedOffset, type WriteFence } from './metadata-log.ts';
import type { Router } from './routing.ts';

/** Pause between rounds while brokers disagree or catch up. */
export const POLL_MS = 25;

export interface ConsistentRead<T> {
  /** For messages: `DescribeClientQuotas client-id=app1`, `DescribeConfigs topic:orders`. */
  what: string;
  /** Only this broker (it is the authority on its own configs); every live broker when absent. */
  brokerId?: number;
  /** The broker serves it from live configuration, updated just after its metadata image (agreement.ts, fenceStatus). */
  liveConfig?: boolean;
  /** One broker's state; throws as any admin call. */
  read(nodeId: number): Promise<T>;
  /** The part of the state the metadata log determines, as a string equal on agreeing brokers. */
  agreementKey(state: T): string;
}

/** What an all-brokers read takes from its admin. */
export interface ConsistentScope {
  /** The admin's own writes, which the answer must reflect. */
  fence: WriteFence;
  /** Epoch ms; no round starts after it (set shortly before the operation deadline). */
  deadline: number;
}

/** The state every live broker agrees on (see agreement.ts for the rules). */
export async function readConsistent<T>(router: Router, scope: ConsistentScope, spec: ConsistentRead<T>): Promise<T> {
  const { fence, deadline } = scope;
  const firstSeen = new Map<number, { offset: number; at: number }>();
  let rounds = 0;
  for (;;) {
    rounds += 1;
    const required = fence.required;
    const ask = (ids: readonly number[]) => Promise.all(ids.map((id) => answerOf(router, spec, id, required, firstSeen)));
    let answers: Array<BrokerAnswer<T>>;
    if (spec.brokerId !== undefined) {
      answers = await ask([spec.brokerId]);
    } else if (rounds === 1) {
      // The brokers the client knows are asked while the live list is fetched afresh; their
      // answers count only when the fresh list names exactly them, else the fresh list is asked
      // (without waiting for a broker that left: its answer never comes into it).
      const known = await router.nodeIds();
      const early = ask(known);
      const ids = await router.nodeIds({ refresh: true });
      answers = sameIds(ids, known) ? await early : await ask(ids);
    } else {
      // The live broker list, fresh each round: a broker fenced by the controller drops out of it.
      answers = await ask(await router.nodeIds({ refresh: true }));
    }
    const verdict = judgeAnswers(answers, spec.agreementKey);
    if (verdict.kind === 'agreed') {
      // Every live broker was checked against the fence: later reads need not check again. A
      // read of one broker's own configs checked only that broker.
      if (required !== null && spec.brokerId === undefined) fence.satisfied(required);
      return verdict.state;
    }
    if (verdict.kind === 'failed') throw verdict.error;
    if (Date.now() + POLL_MS >= deadline) throw disagreement(spec, verdict, rounds, required);
    await sleep(POLL_MS);
  }
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

async function answerOf<T>(
  router: Router,
  spec: ConsistentRead<T>,
  nodeId: number,
  required: number | null,
  firstSeen: Map<number, { offset: number; at: number }>,
): Promise<BrokerAnswer<T>> {
  try {
    // Applied offset first, state second: a broker's image only moves forward, so a state read
    // after the check reflects at least that offset.
    if (required !== null) {
      const applied = await appliedOffset(router, nodeId);
      const now = Date.now();
      const seen = firstSeen.get(nodeId);
      const status = fenceStatus({ required, applied, liveConfig: spec.liveConfig === true, now, ...(seen === undefined ? {} : { firstSeen: seen }) });
      if (status === 'settling' && seen === undefined && applied !== null) firstSeen.set(nodeId, { offset: applied, at: now });
      if (status !== 'ready') return { brokerId: nodeId, outcome: { kind: 'behind', appliedOffset: applied ?? -1 } };
    }
    return { brokerId: nodeId, outcome: { kind: 'state', state: await spec.read(nodeId) } };
  } catch (e) {
    return { brokerId: nodeId, outcome: { kind: 'error', error: toKafkaError(e, { brokerId: nodeId }) } };
  }
}

function disagreement<T>(spec: ConsistentRead<T>, verdict: Extract<Verdict<T>, { kind: 'inconclusive' }>, rounds: number, required: number | null): FirebreakError {
  const why =
    verdict.reason === 'behind'
      ? `a broker did not apply this client's last write (metadata offset ${required})`
      : 'the brokers kept giving different answers';
  return kafkaError('KAFKA_BROKERS_DISAGREE', `${spec.what}: no state every live broker agrees on after ${rounds} rounds: ${why}`, {
    details: { what: spec.what, reason: verdict.reason, rounds, requiredOffset: required, brokers: verdict.answers },
  });
}
