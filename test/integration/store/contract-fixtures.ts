/**
 * Builders shared by the store contract suite. Every name and time window is unique per call,
 * so the suite also holds on a backend whose data outlives one test.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { FirebreakError } from '../../../src/errors.ts';
import type { Alert, NewTimelineEntry } from '../../../src/model/incident.ts';
import type { NewIncident, Store } from '../../../src/store/types.ts';

/** What a contract test receives from the suite. */
export interface ContractContext {
  /**
   * Opens a migrated store over this test's data. Called again in the same test it reopens the
   * same data (the durability tests close and reopen). Stores are closed after each test.
   */
  open(): Promise<Store>;
}

export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * A time window no other test uses: `at(n)` is n seconds into it. Listing tests filter on their
 * window, so incidents other tests left behind never show up.
 */
export function timeWindow(): { since: string; until: string; at(seconds: number): string } {
  const base = Date.UTC(2001, 0, 1) + randomInt(0, 1_000_000) * 10_000_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  return { since: iso(base), until: iso(base + 10_000_000), at: (seconds) => iso(base + seconds * 1000) };
}

export function newIncident(overrides: Partial<NewIncident> = {}): NewIncident {
  return {
    key: unique('key'),
    title: 'Under-replicated partitions on cluster main',
    severity: 'critical',
    cluster: 'main',
    status: 'open',
    runbook: 'under-replicated-partitions',
    labels: { alertname: 'KafkaUnderReplicatedPartitions', cluster: 'main' },
    startedAt: '2026-01-01T00:00:00.000Z',
    openedAt: '2026-01-01T00:00:05.000Z',
    containedAt: null,
    resolvedAt: null,
    recoveredAt: null,
    closedAt: null,
    ...overrides,
  };
}

export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    fingerprint: unique('fp'),
    status: 'firing',
    labels: { alertname: 'KafkaConsumerGroupLagHigh', consumergroup: 'billing', cluster: 'main' },
    annotations: { summary: 'lag above 10000' },
    startsAt: '2026-01-01T00:00:00.000Z',
    endsAt: null,
    generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=lag',
    ...overrides,
  };
}

export function entry(incidentId: string, overrides: Partial<NewTimelineEntry> = {}): NewTimelineEntry {
  return {
    incidentId,
    at: '2026-01-01T00:00:06.000Z',
    phase: 'identification',
    kind: 'note',
    actor: 'alice',
    summary: 'looking at broker 2',
    data: { broker: 2, tags: ['disk'] },
    ...overrides,
  };
}

/** A minimal Alertmanager v4 body. */
export function webhookBody(groupKey = unique('group')): Record<string, unknown> {
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { alertname: 'KafkaConsumerGroupLagHigh' },
    commonLabels: { alertname: 'KafkaConsumerGroupLagHigh' },
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    alerts: [{ ...alert(), endsAt: '0001-01-01T00:00:00Z', fingerprint: 'a1b2c3', unicode: 'brøker ✓' }],
  };
}

/** Awaits `promise`, expects it to reject with a FirebreakError of `code`, and returns that error. */
export async function rejection(promise: Promise<unknown>, code: string): Promise<FirebreakError> {
  let failure: unknown;
  try {
    await promise;
  } catch (err) {
    failure = err;
  }
  expect(failure, `expected a rejection with ${code}`).to.be.instanceOf(FirebreakError);
  expect((failure as FirebreakError).code).to.equal(code);
  return failure as FirebreakError;
}

/** Lets other queued work run between the steps of a transaction. */
export function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
