/**
 * Small real actions for engine tests, registered in a real ActionRegistry. They act on an
 * in-memory "cluster" ({@link TestSystem}) instead of Kafka, following the action contract to
 * the letter: `plan` reads and changes nothing, `execute` captures the prior value before
 * changing it, `revert` restores only where the live value is still the applied one.
 *
 * - `test.read`: read-only, returns the value of a key (evidence).
 * - `test.quota`: mutating, sets `producer_byte_rate` of a client (guards see the client and the rate);
 *   with `holdLimitMs`, its execute bounds its own change (`holdLimit`, as a producer throttle does).
 * - `test.retention`: mutating, sets `retention.ms` of a topic (guards see the topic and the value).
 * - `test.verified`: `test.quota` with an effect verification: it waits at the gate
 *   `verify:<key>`, then returns the `verdict` of its params.
 * - `test.early`: `test.quota` that reads while its claim commits (`readsBeforeClaim`): `read <key>`
 *   in `calls` when it starts, then it waits for `ctx.beforeChange`, then `write <key>`.
 * - `test.flaky`: read-only, fails its first `failures` attempts with a retriable or permanent error.
 * - `test.gate`: read-only, waits until the test opens the gate (or the step's signal aborts).
 * - `prometheus.query` (with `testConditions`): the recovery condition of a release, read from
 *   the system: `query` names a key, `expect` is compared with its value (absent: no series).
 *
 * The mutating ones relax (gradual release) by multiplying their value, up to the prior value.
 */
import { ActionRegistry } from '../../../../src/actions/registry.ts';
import type { Action, ActionContext, Plan, RevertOutcome } from '../../../../src/actions/types.ts';
import { FirebreakError } from '../../../../src/errors.ts';

/** The in-memory state the test actions read and change, and a log of what they did. */
export class TestSystem {
  readonly values = new Map<string, number>();
  /** `execute <action> <key>` / `revert <action> <key>` / `plan ...`, in call order. */
  readonly calls: string[] = [];
  /** The plan each execute of a mutating test action was handed (`ctx.planned`), by key, latest last. */
  readonly planned = new Map<string, Array<Plan | undefined>>();
  /** Attempts per `test.flaky` key. */
  readonly attempts = new Map<string, number>();
  /**
   * One retriable failure of the next `execute` of a mutating test action on this key: before
   * changing anything, or after the change was applied (a lost answer); or `hang`: wait at the
   * gate `hang:<key>` before changing anything.
   */
  readonly failNext = new Map<string, 'before' | 'after' | 'hang'>();
  /** Reverts (and level changes) of this key that fail before changing anything, retriable, counted down. */
  readonly failReverts = new Map<string, number>();
  /** Plans of this key wait at the gate `plan:<key>` before they read (the next one each). */
  readonly holdPlans = new Set<string>();
  /** Plans of this key that fail with a retriable error (the live state cannot be read), counted down. */
  readonly failPlans = new Map<string, number>();
  /** The next revert of this key fails with a permanent (not retriable) error. */
  readonly breakReverts = new Set<string>();
  #gates = new Map<string, { open: () => void; opened: Promise<void>; entered: Promise<void>; enter: () => void }>();

  /** The gate `name`; `entered` resolves once a step waits on it. */
  gate(name: string): { open: () => void; entered: Promise<void> } {
    let entry = this.#gates.get(name);
    if (entry === undefined) {
      let open!: () => void;
      let enter!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      const entered = new Promise<void>((resolve) => (enter = resolve));
      entry = { open, opened, entered, enter };
      this.#gates.set(name, entry);
    }
    return { open: entry.open, entered: entry.entered };
  }

  async waitAt(name: string, signal: AbortSignal | undefined): Promise<void> {
    this.gate(name);
    const entry = this.#gates.get(name)!;
    entry.enter();
    await new Promise<void>((resolve, reject) => {
      entry.opened.then(resolve, reject);
      signal?.addEventListener('abort', () => reject(new FirebreakError('TEST_ABORTED', `gate ${name} aborted`)), { once: true });
    });
  }
}

interface ValueRecord {
  key: string;
  value: number | null;
}

function valueAction(name: string, keyOf: (p: Record<string, unknown>) => string, touches: (p: Record<string, unknown>) => { topics: string[]; clients: string[] }, changeKey: string, resourceOf: (p: Record<string, unknown>) => string, paramsSchema: Record<string, unknown>, valueOf: (p: Record<string, unknown>) => number, system: TestSystem): Action<Record<string, unknown>, { key: string; value: number }> {
  return {
    name,
    description: `test action setting ${changeKey}`,
    mutating: true,
    defaultRevert: 'on-resolve',
    paramsSchema,
    async plan(ctx, params) {
      const key = keyOf(params);
      system.calls.push(`plan ${name} ${key}`);
      if (system.holdPlans.delete(key)) await system.waitAt(`plan:${key}`, ctx.signal);
      const failures = system.failPlans.get(key) ?? 0;
      if (failures > 0) {
        system.failPlans.set(key, failures - 1);
        throw new FirebreakError('TEST_UNREACHABLE', 'no broker answered the read', { retriable: true });
      }
      const from = system.values.get(key) ?? null;
      const to = valueOf(params);
      return {
        summary: `set ${key} ${from ?? 'unset'} → ${to}`,
        changes: from === to ? [] : [{ resource: resourceOf(params), key: changeKey, from, to }],
        touches: touches(params),
      };
    },
    async execute(ctx, params) {
      const key = keyOf(params);
      system.calls.push(`execute ${name} ${key}`);
      system.planned.set(key, [...(system.planned.get(key) ?? []), ctx.planned]);
      const failure = system.failNext.get(key);
      system.failNext.delete(key);
      if (failure === 'hang') await system.waitAt(`hang:${key}`, ctx.signal);
      if (failure === 'before') throw new FirebreakError('TEST_UNAVAILABLE', 'broker unavailable', { retriable: true });
      const prior: ValueRecord = { key, value: system.values.get(key) ?? null };
      const applied: ValueRecord = { key, value: valueOf(params) };
      system.values.set(key, valueOf(params));
      if (failure === 'after') throw new FirebreakError('TEST_TIMEOUT', 'the answer was lost', { retriable: true });
      const holdLimit = typeof params['holdLimitMs'] === 'number' ? { holdLimit: { ms: params['holdLimitMs'], reason: 'held longer, the test system would suffer' } } : {};
      return { output: { key, value: valueOf(params) }, prior, applied, changes: [{ resource: resourceOf(params), key: changeKey, from: prior.value, to: applied.value }], ...holdLimit };
    },
    relax(record, current, factor) {
      const prior = (record.prior as ValueRecord).value;
      const now = current as ValueRecord;
      const next = Math.ceil((now.value ?? 0) * factor);
      return prior !== null && next >= prior ? null : { key: now.key, value: next };
    },
    async revert(_ctx, _params, record): Promise<RevertOutcome> {
      const prior = record.prior as ValueRecord;
      const applied = record.applied as ValueRecord;
      system.calls.push(`revert ${name} ${applied.key}`);
      const failures = system.failReverts.get(applied.key) ?? 0;
      if (failures > 0) {
        system.failReverts.set(applied.key, failures - 1);
        throw new FirebreakError('TEST_UNAVAILABLE', 'broker unavailable', { retriable: true });
      }
      if (system.breakReverts.delete(applied.key)) throw new FirebreakError('TEST_BROKEN', 'the record cannot be applied', { retriable: false });
      const live = system.values.get(applied.key) ?? null;
      if (live === applied.value && applied.value !== prior.value) {
        if (prior.value === null) system.values.delete(applied.key);
        else system.values.set(applied.key, prior.value);
        return { status: 'reverted', changes: [{ resource: applied.key, key: changeKey, from: applied.value, to: prior.value }] };
      }
      if (live === prior.value) return { status: 'already-reverted' };
      return { status: 'conflict', conflicts: [{ resource: applied.key, key: changeKey, expected: applied.value, actual: live }] };
    },
  };
}

/** A registry with the test actions acting on `system`. */
export function testRegistry(system: TestSystem): ActionRegistry {
  const registry = new ActionRegistry();
  const read: Action<{ key: string }, { key: string; value: number | null }> = {
    name: 'test.read',
    description: 'read a value',
    mutating: false,
    defaultRevert: 'never',
    paramsSchema: { type: 'object', additionalProperties: false, required: ['key'], properties: { key: { type: 'string', minLength: 1 } } },
    async plan() {
      return { summary: 'read', changes: [], touches: { topics: [], clients: [] } };
    },
    async execute(_ctx, params) {
      system.calls.push(`execute test.read ${params.key}`);
      return { output: { key: params.key, value: system.values.get(params.key) ?? null } };
    },
  };
  const flaky: Action<{ key: string; failures: number; retriable: boolean }, { attempts: number }> = {
    name: 'test.flaky',
    description: 'fail a number of times first',
    mutating: false,
    defaultRevert: 'never',
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['key', 'failures', 'retriable'],
      properties: { key: { type: 'string' }, failures: { type: 'integer', minimum: 0 }, retriable: { type: 'boolean' } },
    },
    async plan() {
      return { summary: 'flaky', changes: [], touches: { topics: [], clients: [] } };
    },
    async execute(_ctx, params) {
      const attempt = (system.attempts.get(params.key) ?? 0) + 1;
      system.attempts.set(params.key, attempt);
      system.calls.push(`execute test.flaky ${params.key}`);
      if (attempt <= params.failures) {
        throw new FirebreakError('TEST_FLAKY', `attempt ${attempt} failed`, { retriable: params.retriable });
      }
      return { output: { attempts: attempt } };
    },
  };
  const gate: Action<{ name: string }, { name: string }> = {
    name: 'test.gate',
    description: 'wait for the test to open a gate',
    mutating: false,
    defaultRevert: 'never',
    paramsSchema: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string' } } },
    async plan() {
      return { summary: 'gate', changes: [], touches: { topics: [], clients: [] } };
    },
    async execute(ctx: ActionContext, params) {
      system.calls.push(`execute test.gate ${params.name}`);
      await system.waitAt(params.name, ctx.signal);
      return { output: { name: params.name } };
    },
  };
  /** A producer quota of a client: `test.quota`, and `test.verified` with its verdict param. */
  const quotaAction = (name: string, extra: Record<string, unknown>, required: string[]) =>
    valueAction(
      name,
      (p) => `quota:${String(p.client)}`,
      (p) => ({ topics: [], clients: [`client-id=${String(p.client)}`] }),
      'producer_byte_rate',
      (p) => `quota:client-id=${String(p.client)}`,
      {
        type: 'object',
        additionalProperties: false,
        required: ['client', 'rate', ...required],
        properties: { client: { type: 'string', minLength: 1 }, rate: { type: 'integer', minimum: 0 }, ...extra },
      },
      (p) => Number(p.rate),
      system,
    );
  const quota = quotaAction('test.quota', { holdLimitMs: { type: 'integer', minimum: 0 } }, []);
  const retention = valueAction(
    'test.retention',
    (p) => `topic:${String(p.topic)}`,
    (p) => ({ topics: [String(p.topic)], clients: [] }),
    'retention.ms',
    (p) => `topic:${String(p.topic)}`,
    {
      type: 'object',
      additionalProperties: false,
      required: ['topic', 'retentionMs'],
      properties: { topic: { type: 'string', minLength: 1 }, retentionMs: { type: 'integer' } },
    },
    (p) => Number(p.retentionMs),
    system,
  );
  const verifiedBase = quotaAction('test.verified', { verdict: { enum: ['effective', 'no-effect', 'unknown'] } }, ['verdict']);
  const verified: Action<Record<string, unknown>, { key: string; value: number }> = {
    ...verifiedBase,
    async verify(ctx, params, result) {
      await system.waitAt(`verify:${result.output.key}`, ctx.signal);
      const effect = params['verdict'] as 'effective' | 'no-effect' | 'unknown';
      return { effect, summary: `the test system says ${effect}`, data: { value: result.output.value } };
    },
  };
  const earlyBase = quotaAction('test.early', {}, []);
  const early: Action<Record<string, unknown>, { key: string; value: number }> = {
    ...earlyBase,
    readsBeforeClaim: true,
    async execute(ctx, params) {
      const key = `quota:${String(params['client'])}`;
      system.calls.push(`read ${key}`);
      const prior = system.values.get(key) ?? null;
      await ctx.beforeChange?.();
      system.calls.push(`write ${key}`);
      system.values.set(key, Number(params['rate']));
      return { output: { key, value: Number(params['rate']) }, prior: { key, value: prior }, applied: { key, value: Number(params['rate']) } };
    },
  };
  for (const action of [read, flaky, gate, quota, retention, verified, early] as Action[]) registry.register(action);
  return registry;
}

/** Registers the `prometheus.query` stand-in that reads release conditions from `system` (see the module comment). */
export function testConditions(registry: ActionRegistry, system: TestSystem): ActionRegistry {
  const query: Action<{ query: string; expect?: string; onEmpty?: string }, { value: number | null }> = {
    name: 'prometheus.query',
    description: 'a release condition read from the test system',
    mutating: false,
    defaultRevert: 'never',
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['query'],
      properties: { query: { type: 'string' }, expect: { type: 'string' }, onEmpty: { type: 'string' }, top: { type: 'integer' } },
    },
    async plan() {
      return { summary: 'query', changes: [], touches: { topics: [], clients: [] } };
    },
    async execute(_ctx, params) {
      system.calls.push(`query ${params.query}`);
      const value = system.values.get(params.query) ?? null;
      const [, op, threshold] = /^\s*(<|>)\s*(\d+)\s*$/.exec(params.expect ?? '') ?? [];
      const held = value !== null && (op === '<' ? value < Number(threshold) : value > Number(threshold));
      if (!held) throw new FirebreakError('PROMETHEUS_EXPECTATION_NOT_MET', `${params.query} ${params.expect}`, { details: { values: value === null ? [] : [{ labels: {}, value }] } });
      return { output: { value } };
    },
  };
  return registry.register(query as Action);
}
