/**
 * The quota actions' reads before a change go to the brokers side by side, not one after the
 * other: the custom-callback check (DescribeCluster, DescribeConfigs), the live values
 * (DescribeClientQuotas) and, in plan, the broker's validate-only AlterClientQuotas; within the
 * callback check, the brokers the client knows are asked while the broker list is fetched. Each is a
 * round trip a containment waits for. And the change waits for `ctx.beforeChange` (in the
 * engine: the step's claim is durable). Given the plan of the same execution (`ctx.planned`, as
 * the engine gives it), execute takes the prior state from it and writes without a second round
 * of reads. Asserted by the order in which the real admin's calls start and end, not by time.
 */
import { expect } from 'chai';
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import { registerKafkaActions } from '../../../src/actions/kafka/index.ts';
import type { KafkaAdmin } from '../../../src/actions/kafka/types.ts';
import { ActionRegistry } from '../../../src/actions/registry.ts';
import type { ActionContext } from '../../../src/actions/types.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { uniqueName, useKafka } from '../../support/kafka.ts';
import { rejection, TEST_LIMITS } from './harness.ts';

/** The admin, with every call's start and end noted in `events` (`describeConfigs:start`). */
function recording(admin: KafkaAdmin, events: string[]): KafkaAdmin {
  return new Proxy(admin, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return async (...args: unknown[]) => {
        const validateOnly = (args[1] as { validateOnly?: boolean } | undefined)?.validateOnly === true ? '(validateOnly)' : '';
        events.push(`${property}${validateOnly}:start`);
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          events.push(`${property}${validateOnly}:end`);
        }
      };
    },
  });
}

describe('quota actions read side by side before they change anything', function () {
  this.timeout(60_000);
  let admin: KafkaAdmin;
  const registry = registerKafkaActions(new ActionRegistry());

  before(async function () {
    this.timeout(180_000);
    const cluster = await useKafka();
    admin = createKafkaAdmin({ brokers: cluster.bootstrapServers.split(','), clientId: 'firebreak-test' }, { logger: silentLogger() });
  });
  after(async () => {
    await admin?.close();
  });

  function context(events: string[]): ActionContext {
    return { kafka: recording(admin, events), clock: systemClock, logger: silentLogger(), limits: TEST_LIMITS };
  }
  /** The prior state of a client-id whose producer_byte_rate was 2 MiB/s, as each action records it (the keys it changes). */
  const priorValues = (name: string) =>
    name === 'kafka.setClientQuota' ? { producer_byte_rate: 2_097_152 } : { producer_byte_rate: 2_097_152, consumer_byte_rate: null, request_percentage: null };
  const precedes = (events: string[], a: string, b: string) => {
    expect(events, `${a} before ${b}`).to.include.members([a, b]);
    expect(events.indexOf(a), `${a} before ${b} in ${events.join(', ')}`).to.be.below(events.indexOf(b));
  };

  for (const [name, paramsOf] of [
    ['kafka.setClientQuota', (client: string) => ({ entity: { 'client-id': client }, producerByteRate: 1_048_576 })],
    ['kafka.removeClientQuota', (client: string) => ({ entity: { 'client-id': client } })],
  ] as const) {
    it(`${name}: plan starts the live read and the validation before the callback check ends`, async () => {
      const events: string[] = [];
      const action = registry.get(name);
      await action.plan(context(events), registry.validateParams(name, paramsOf(uniqueName('client'))));
      precedes(events, 'describeClientQuotas:start', 'describeConfigs:end');
      // The callback check asks the brokers the client knows while it fetches the broker list afresh.
      precedes(events, 'describeConfigs:start', 'describeCluster:end');
      precedes(events, 'alterClientQuotas(validateOnly):start', 'describeConfigs:end');
      precedes(events, 'alterClientQuotas(validateOnly):start', 'describeClientQuotas:end');
    });

    it(`${name}: execute reads the prior state beside the callback check, and writes only after both`, async () => {
      const client = uniqueName('client');
      // Something to remove for removeClientQuota; setClientQuota then changes it.
      await admin.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: 2_097_152 } }]);
      const events: string[] = [];
      const action = registry.get(name);
      await action.execute(context(events), registry.validateParams(name, paramsOf(client)));
      precedes(events, 'describeClientQuotas:start', 'describeConfigs:end');
      // The callback check asks the brokers the client knows while it fetches the broker list afresh.
      precedes(events, 'describeConfigs:start', 'describeCluster:end');
      const write = events.indexOf('alterClientQuotas:start');
      expect(write, events.join(', ')).to.be.above(events.indexOf('describeClientQuotas:end'));
      expect(write, events.join(', ')).to.be.above(events.lastIndexOf('describeConfigs:end'));
      await admin.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: null } }]);
    });

    it(`${name}: execute changes nothing until ctx.beforeChange resolves (the engine's claim is durable)`, async () => {
      const client = uniqueName('client');
      await admin.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: 2_097_152 } }]);
      const events: string[] = [];
      let open!: () => void;
      const durable = new Promise<void>((resolve) => (open = resolve));
      let asked!: () => void;
      const waiting = new Promise<void>((resolve) => (asked = resolve));
      const action = registry.get(name);
      expect(action.readsBeforeClaim).to.equal(true);
      const executing = action.execute(
        {
          ...context(events),
          beforeChange: () => {
            asked();
            return durable;
          },
        },
        registry.validateParams(name, paramsOf(client)),
      );
      await waiting;
      expect(events).to.include('describeClientQuotas:end');
      expect(events).to.not.include('alterClientQuotas:start');
      events.push('claim durable');
      open();
      await executing;
      precedes(events, 'claim durable', 'alterClientQuotas:start');
      await admin.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: null } }]);
    });

    it(`${name}: execute given the plan of this execution (ctx.planned) writes without reading again, and records the plan's values as the prior state`, async () => {
      const client = uniqueName('client');
      await admin.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: 2_097_152 } }]);
      const action = registry.get(name);
      const params = registry.validateParams(name, paramsOf(client));
      const planned = await action.plan(context([]), params);
      const events: string[] = [];
      const result = await action.execute({ ...context(events), planned }, params);
      const write = events.indexOf('alterClientQuotas:start');
      expect(write, events.join(', ')).to.equal(0);
      expect(result.prior).to.deep.equal({ entity: { 'client-id': client }, values: priorValues(name) });
      expect(result.changes).to.deep.equal(planned.changes);
      await admin.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: null } }]);
    });

    it(`${name}: execute given a plan of another entity reads the prior state itself`, async () => {
      const client = uniqueName('client');
      await admin.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: 2_097_152 } }]);
      const action = registry.get(name);
      const other = await action.plan(context([]), registry.validateParams(name, paramsOf(uniqueName('other'))));
      const stale = { ...other, changes: other.changes.length > 0 ? other.changes : [{ resource: `quota:client-id=${uniqueName('other')}`, key: 'producer_byte_rate', from: null, to: null }] };
      const events: string[] = [];
      const result = await action.execute({ ...context(events), planned: stale }, registry.validateParams(name, paramsOf(client)));
      expect(events.indexOf('alterClientQuotas:start'), events.join(', ')).to.be.above(events.indexOf('describeClientQuotas:end'));
      expect(events).to.include('describeConfigs:end');
      expect(result.prior).to.deep.equal({ entity: { 'client-id': client }, values: priorValues(name) });
      await admin.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: null } }]);
    });

    it(`${name}: execute changes nothing when ctx.beforeChange rejects (the step was not claimed)`, async () => {
      const client = uniqueName('client');
      await admin.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: 2_097_152 } }]);
      const events: string[] = [];
      const refused = new FirebreakError('ENGINE_NOT_CLAIMED', 'claimed elsewhere');
      const err = await rejection(registry.get(name).execute({ ...context(events), beforeChange: () => Promise.reject(refused) }, registry.validateParams(name, paramsOf(client))));
      expect(err).to.equal(refused);
      expect(events).to.not.include('alterClientQuotas:start');
      expect(await admin.describeClientQuotas({ entity: { 'client-id': client }, strict: true }, { consistency: 'all-brokers' })).to.have.length(1);
      expect((await admin.describeClientQuotas({ entity: { 'client-id': client }, strict: true }, { consistency: 'all-brokers' }))[0]?.values).to.deep.equal({ producer_byte_rate: 2_097_152 });
      await admin.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: null } }]);
    });
  }
});
