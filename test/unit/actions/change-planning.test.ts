import { expect } from 'chai';
import {
  configChanges,
  configOps,
  dynamicValue,
  parseConfigRecord,
  resourceLabel,
} from '../../../src/actions/kafka/actions/config-record.ts';
import { entityLabel, parseQuotaRecord, quotaChanges, sameEntity } from '../../../src/actions/kafka/actions/quota.ts';
import { throttleTarget } from '../../../src/actions/kafka/actions/set-replication-throttle.ts';
import { topicConfigTarget } from '../../../src/actions/kafka/actions/set-topic-config.ts';
import type { SafetyLimits } from '../../../src/actions/types.ts';
import type { ConfigEntry } from '../../../src/actions/kafka/types.ts';
import { FirebreakError } from '../../../src/errors.ts';

const limits: SafetyLimits = { minQuotaByteRate: 1024, minRetentionMs: 60_000, protectedTopics: [] };

function entry(name: string, value: string | null, isDynamic: boolean): ConfigEntry {
  return { name, value, isDynamic, isDefault: !isDynamic, isSensitive: false, source: isDynamic ? 'DYNAMIC_TOPIC_CONFIG' : 'DEFAULT_CONFIG' };
}

describe('change planning', () => {
  describe('quotas', () => {
    it('names entities the way kafka-configs does, with <default> for the default entity', () => {
      expect(entityLabel({ 'client-id': 'app1' })).to.equal('client-id=app1');
      expect(entityLabel({ 'client-id': 'app1', user: 'alice' })).to.equal('user=alice,client-id=app1');
      expect(entityLabel({ user: null })).to.equal('user=<default>');
    });

    it('compares entities by types and names, null being the default entity', () => {
      expect(sameEntity({ user: 'a' }, { user: 'a' })).to.equal(true);
      expect(sameEntity({ user: 'a' }, { user: 'a', 'client-id': 'c' })).to.equal(false);
      expect(sameEntity({ user: null }, { user: 'a' })).to.equal(false);
      expect(sameEntity({ 'client-id': null }, { 'client-id': null })).to.equal(true);
    });

    it('lists from → to for the keys that change, "no quota" as null', () => {
      const changes = quotaChanges({ 'client-id': 'app' }, { producer_byte_rate: null, consumer_byte_rate: 2048 }, { producer_byte_rate: 1024, consumer_byte_rate: 2048 });
      expect(changes).to.deep.equal([{ resource: 'quota:client-id=app', key: 'producer_byte_rate', from: null, to: 1024 }]);
    });

    it('rejects revert records that are not quota records', () => {
      expect(parseQuotaRecord({ entity: { user: null }, values: { producer_byte_rate: null } }, 'prior')).to.deep.equal({
        entity: { user: null },
        values: { producer_byte_rate: null },
      });
      for (const bad of [null, {}, { entity: {}, values: {} }, { entity: { ip: 'x' }, values: {} }, { entity: { user: 'a' }, values: { producer_byte_rate: '1' } }]) {
        expect(() => parseQuotaRecord(bad, 'prior')).to.throw(FirebreakError).with.property('code', 'ACTION_REVERT_RECORD_INVALID');
      }
    });
  });

  describe('configs', () => {
    it('takes only values set on the resource itself as prior state', () => {
      const entries = [entry('retention.ms', '3600000', true), entry('cleanup.policy', 'delete', false)];
      expect(dynamicValue(entries, 'retention.ms')).to.equal('3600000');
      expect(dynamicValue(entries, 'cleanup.policy')).to.equal(null);
      expect(dynamicValue(entries, 'missing.key')).to.equal(null);
    });

    it('sends numbers as strings and lists only the keys that change', () => {
      const target = topicConfigTarget({ topic: 'orders', configs: { 'retention.ms': 3_600_000, 'cleanup.policy': 'delete' } }, limits);
      expect(target).to.deep.equal({ resources: [{ type: 'topic', name: 'orders', configs: { 'retention.ms': '3600000', 'cleanup.policy': 'delete' } }] });
      const current = { resources: [{ type: 'topic' as const, name: 'orders', configs: { 'retention.ms': null, 'cleanup.policy': 'delete' } }] };
      expect(configChanges(current, target)).to.deep.equal([{ resource: 'topic:orders', key: 'retention.ms', from: null, to: '3600000' }]);
    });

    it('turns null into a delete op', () => {
      expect(configOps({ a: '1', b: null })).to.deep.equal([
        { name: 'a', op: 'set', value: '1' },
        { name: 'b', op: 'delete' },
      ]);
    });

    it('labels broker resources, the cluster-wide default included', () => {
      expect(resourceLabel({ type: 'broker', name: '2' })).to.equal('broker:2');
      expect(resourceLabel({ type: 'broker', name: '' })).to.equal('broker:<default>');
    });

    it('rejects revert records that are not config records', () => {
      for (const bad of [[], { resources: {} }, { resources: [{ type: 'group', name: 'x', configs: {} }] }, { resources: [{ type: 'topic', name: 'x', configs: { a: 1 } }] }]) {
        expect(() => parseConfigRecord(bad, 'applied')).to.throw(FirebreakError).with.property('code', 'ACTION_REVERT_RECORD_INVALID');
      }
    });
  });

  describe('replication throttle', () => {
    it('sets both rates on every broker and * or explicit replica lists on topics', () => {
      const target = throttleTarget({ rateBytesPerSecond: 5_000_000, topics: ['orders', { name: 'payments', leader: ['0:1', '1:2'] }] }, [1, 2], limits);
      expect(target.resources).to.deep.equal([
        { type: 'broker', name: '1', configs: { 'leader.replication.throttled.rate': '5000000', 'follower.replication.throttled.rate': '5000000' } },
        { type: 'broker', name: '2', configs: { 'leader.replication.throttled.rate': '5000000', 'follower.replication.throttled.rate': '5000000' } },
        { type: 'topic', name: 'orders', configs: { 'leader.replication.throttled.replicas': '*', 'follower.replication.throttled.replicas': '*' } },
        { type: 'topic', name: 'payments', configs: { 'leader.replication.throttled.replicas': '0:1,1:2' } },
      ]);
    });
  });
});
