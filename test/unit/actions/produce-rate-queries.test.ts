/**
 * The PromQL selectors effect verification and producer safety ask Prometheus with: the metric
 * names the shipped JMX exporter rules produce, values escaped so a client-id can never end the
 * string, regex metacharacters of topic names (`.`) matched literally.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { BYTES_IN, CLIENT_PRODUCE_RATE, CLIENT_THROTTLE_TIME, selector } from '../../../src/actions/kafka/actions/produce-rates.ts';
import { judgeQuotaEffect } from '../../../src/actions/kafka/actions/quota-effect.ts';

describe('produce rate queries', () => {
  it('select one value exactly, several by an escaped alternation, and the cluster when given', () => {
    expect(selector(BYTES_IN, 'topic', ['orders'])).to.equal('kafka_server_brokertopicmetrics_bytesin_total{topic="orders"}');
    expect(selector(BYTES_IN, 'topic', ['orders.v1', 'payments'], 'prod-eu')).to.equal(
      'kafka_server_brokertopicmetrics_bytesin_total{topic=~"orders\\\\.v1|payments",cluster="prod-eu"}',
    );
    expect(selector(CLIENT_THROTTLE_TIME, 'client_id', ['a"b\\c'], '')).to.equal('kafka_server_produce_throttle_time{client_id="a\\"b\\\\c"}');
  });

  it('use the names the shipped JMX exporter rules give the broker metrics', () => {
    const rules = readFileSync('alert-rules/exporters/kafka-broker-jmx.yml', 'utf8');
    // BytesInPerSec lowercased by the rules' lowercaseOutputName; Produce byte-rate and throttle-time.
    expect(rules).to.contain('name: kafka_server_brokertopicmetrics_$1_total');
    expect(rules).to.contain('(MessagesIn|BytesIn|BytesOut)PerSec');
    expect(rules).to.contain('name: kafka_server_$1_$3');
    expect(rules).to.contain('(byte-rate|throttle-time)');
    expect([BYTES_IN, CLIENT_PRODUCE_RATE, CLIENT_THROTTLE_TIME]).to.deep.equal([
      'kafka_server_brokertopicmetrics_bytesin_total',
      'kafka_server_produce_byte_rate',
      'kafka_server_produce_throttle_time',
    ]);
  });

  it('judge a quota effective up to 1.5 times what it allows, and nothing written unknown unless the brokers say they hold the producers back', () => {
    expect(judgeQuotaEffect(98_304, 65_536)).to.equal('effective');
    expect(judgeQuotaEffect(98_305, 65_536)).to.equal('no-effect');
    expect(judgeQuotaEffect(98_305, 65_536, true)).to.equal('no-effect');
    expect(judgeQuotaEffect(0, 65_536)).to.equal('unknown');
    expect(judgeQuotaEffect(0, 65_536, true)).to.equal('effective');
  });
});
