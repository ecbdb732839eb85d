/** The next, looser level of a Kafka change in a gradual release: each number times the factor, never past its prior value. */
import { expect } from 'chai';
import { relaxClientsRecord, relaxConfigRecord, relaxQuotaRecord } from '../../../src/actions/kafka/actions/relax.ts';
import { cutRetention } from '../../../src/actions/kafka/actions/cut-retention.ts';
import { setClientQuota } from '../../../src/actions/kafka/actions/set-client-quota.ts';
import { setReplicationThrottle } from '../../../src/actions/kafka/actions/set-replication-throttle.ts';
import { setTopicConfig } from '../../../src/actions/kafka/actions/set-topic-config.ts';
import { throttleProducers } from '../../../src/actions/kafka/actions/throttle-producers.ts';

const app = { 'client-id': 'app' };

describe('gradual release levels of Kafka changes', () => {
  it('doubles a quota per level and stops at the prior quota: the level after that is the revert', () => {
    const record = { prior: { entity: app, values: { producer_byte_rate: 5_000_000 } }, applied: { entity: app, values: { producer_byte_rate: 1_048_576 } } };
    const one = relaxQuotaRecord(record, record.applied, 2);
    expect(one).to.deep.equal({ entity: app, values: { producer_byte_rate: 2_097_152 } });
    const two = relaxQuotaRecord(record, one, 2);
    expect(two).to.deep.equal({ entity: app, values: { producer_byte_rate: 4_194_304 } });
    expect(relaxQuotaRecord(record, two, 2), '8 MiB/s would pass the prior 5 MB/s').to.equal(null);
  });

  it('keeps raising a quota that had no prior value (the engine bounds the levels), and keeps unmanaged keys at their prior value', () => {
    const record = {
      prior: { entity: app, values: { producer_byte_rate: null, request_percentage: 200 } },
      applied: { entity: app, values: { producer_byte_rate: 65_536, request_percentage: 50 } },
    };
    let level: unknown = record.applied;
    const rates: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      level = relaxQuotaRecord(record, level, 3);
      rates.push((level as { values: Record<string, unknown> }).values);
    }
    expect(rates).to.deep.equal([
      { producer_byte_rate: 196_608, request_percentage: 150 },
      { producer_byte_rate: 589_824, request_percentage: 200 },
      { producer_byte_rate: 1_769_472, request_percentage: 200 },
      { producer_byte_rate: 5_308_416, request_percentage: 200 },
    ]);
  });

  it('relaxes each throttled producer on its own; one back at its prior quota stays there', () => {
    const record = {
      prior: { clients: [{ entity: { 'client-id': 'a' }, values: { producer_byte_rate: 3_000_000 } }, { entity: { 'client-id': 'b' }, values: { producer_byte_rate: null } }] },
      applied: { clients: [{ entity: { 'client-id': 'a' }, values: { producer_byte_rate: 1_000_000 } }, { entity: { 'client-id': 'b' }, values: { producer_byte_rate: 1_000_000 } }] },
    };
    const one = relaxClientsRecord(record, record.applied, 2);
    const two = relaxClientsRecord(record, one, 2);
    expect(two).to.deep.equal({
      clients: [
        { entity: { 'client-id': 'a' }, values: { producer_byte_rate: 3_000_000 } },
        { entity: { 'client-id': 'b' }, values: { producer_byte_rate: 4_000_000 } },
      ],
    });
  });

  it('restores retention in steps up to the prior value, and raises throttle rates while the replica lists stay', () => {
    const retention = {
      prior: { resources: [{ type: 'topic', name: 'orders', configs: { 'retention.ms': '86400000' } }] },
      applied: { resources: [{ type: 'topic', name: 'orders', configs: { 'retention.ms': '21600000' } }] },
    };
    const one = relaxConfigRecord(retention, retention.applied, 2);
    expect(one).to.deep.equal({ resources: [{ type: 'topic', name: 'orders', configs: { 'retention.ms': '43200000' } }] });
    expect(relaxConfigRecord(retention, one, 2)).to.equal(null);

    const throttle = {
      prior: { resources: [{ type: 'broker', name: '1', configs: { 'leader.replication.throttled.rate': null } }, { type: 'topic', name: 'orders', configs: { 'leader.replication.throttled.replicas': null } }] },
      applied: { resources: [{ type: 'broker', name: '1', configs: { 'leader.replication.throttled.rate': '10485760' } }, { type: 'topic', name: 'orders', configs: { 'leader.replication.throttled.replicas': '0:1' } }] },
    };
    expect(relaxConfigRecord(throttle, throttle.applied, 4)).to.deep.equal({
      resources: [
        { type: 'broker', name: '1', configs: { 'leader.replication.throttled.rate': '41943040' } },
        { type: 'topic', name: 'orders', configs: { 'leader.replication.throttled.replicas': '0:1' } },
      ],
    });
  });

  it('refuses a record that is not one (ACTION_REVERT_RECORD_INVALID)', () => {
    expect(() => relaxQuotaRecord({ prior: {}, applied: {} }, {}, 2)).to.throw().with.property('code', 'ACTION_REVERT_RECORD_INVALID');
    expect(() => relaxClientsRecord({ prior: { clients: [] }, applied: {} }, { clients: [{ entity: app, values: { producer_byte_rate: 1 } }] }, 2)).to.throw().with.property('code', 'ACTION_REVERT_RECORD_INVALID');
  });

  it('is offered by the actions that limit by a number, not by a free-form topic config change', () => {
    expect([setClientQuota, throttleProducers, cutRetention, setReplicationThrottle].map((a) => typeof a.relax)).to.deep.equal(['function', 'function', 'function', 'function']);
    expect(setTopicConfig.relax).to.equal(undefined);
  });
});
