/**
 * An all-brokers read asks the brokers the client already knows while it fetches the live broker
 * list afresh (one round trip less before a quota change), and the fresh list still decides
 * which answers count. Asserted on a real router over a real cluster by the order of its calls.
 */
import { expect } from 'chai';
import { routerFor } from './admin-support.ts';
import { readConsistent } from '../../../src/actions/kafka/consistent-read.ts';
import { createWriteFence } from '../../../src/actions/kafka/metadata-log.ts';
import { describeClientQuotasApi } from '../../../src/actions/kafka/protocol/describe-client-quotas.ts';
import { describeFilter } from '../../../src/actions/kafka/quotas.ts';
import type { Router } from '../../../src/actions/kafka/routing.ts';
import { uniqueName, useKafka } from '../../support/kafka.ts';

/** The router, with each call's start and end noted (`nodeIds(refresh):end`, `to:start`). */
function recording(router: Router, events: string[]): Router {
  return {
    async nodeIds(options) {
      const name = options?.refresh === true ? 'nodeIds(refresh)' : 'nodeIds';
      events.push(`${name}:start`);
      try {
        return await router.nodeIds(options);
      } finally {
        events.push(`${name}:end`);
      }
    },
    any: (api, request) => router.any(api, request),
    async to(nodeId, api, request) {
      events.push('to:start');
      try {
        return await router.to(nodeId, api, request);
      } finally {
        events.push('to:end');
      }
    },
  };
}

describe('all-brokers reads: a head start on the brokers the client knows', function () {
  this.timeout(60_000);
  let closeRouter: (() => Promise<void>) | undefined;
  let router: Router;

  before(async function () {
    this.timeout(180_000);
    const cluster = await useKafka();
    ({ router, close: closeRouter } = await routerFor(cluster));
  });
  after(async () => {
    await closeRouter?.();
  });

  it('asks every known broker before the fresh broker list arrives, and agrees on their answers', async () => {
    const entity = { 'client-id': uniqueName('head-start') };
    const request = describeFilter({ entity, strict: true });
    const events: string[] = [];
    const seen = recording(router, events);
    const state = await readConsistent(seen, { fence: createWriteFence(), deadline: Date.now() + 10_000 }, {
      what: 'DescribeClientQuotas',
      read: async (nodeId) => (await seen.to(nodeId, describeClientQuotasApi, request)).response.entries ?? [],
      agreementKey: (entries) => JSON.stringify(entries),
    });
    expect(state).to.deep.equal([]);
    const brokers = (await router.nodeIds()).length;
    const refreshed = events.indexOf('nodeIds(refresh):end');
    expect(refreshed, events.join(', ')).to.be.at.least(0);
    // Every broker was asked (once) before the fresh list came back, and not asked again.
    expect(events.slice(0, refreshed).filter((e) => e === 'to:start'), events.join(', ')).to.have.length(brokers);
    expect(events.filter((e) => e === 'to:start'), events.join(', ')).to.have.length(brokers);
  });
});
