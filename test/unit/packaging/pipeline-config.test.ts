import { expect } from 'chai';
import { load } from 'js-yaml';
import {
  FIREBREAK_GROUP_BY,
  RECOMMENDED_TIMINGS,
  renderAlertmanagerConfig,
  renderKafkaRules,
  renderPrometheusConfig,
  SHORT_TIMINGS,
} from '../../../scripts/pipeline/config.ts';
import { parseProducerReport } from '../../../scripts/pipeline/load.ts';
import { readRepoFile } from './promql.ts';

type Json = Record<string, any>;

/** The YAML code blocks of a Markdown file, in order. */
function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('the monitoring pipeline configuration (scripts/pipeline/config.ts)', () => {
  it('routes to firebreak as docs/alertmanager.md recommends, timers included', () => {
    const documented = load(yamlBlocks(readRepoFile('docs/alertmanager.md'))[0]!) as Json;
    const rendered = load(renderAlertmanagerConfig('http://firebreak:8080', 'token', RECOMMENDED_TIMINGS)) as Json;
    expect(rendered.route).to.deep.equal(documented.route);
    expect(documented.route.group_by).to.deep.equal(FIREBREAK_GROUP_BY);
    const doc = documented.receivers[0].webhook_configs[0];
    const ours = rendered.receivers[0].webhook_configs[0];
    expect(ours.url).to.equal('http://firebreak:8080/api/v1/alerts');
    expect(doc.url).to.match(/\/api\/v1\/alerts$/);
    for (const key of ['send_resolved', 'max_alerts']) expect(ours[key], key).to.equal(doc[key]);
    expect(ours.http_config.authorization.type).to.equal(doc.http_config.authorization.type);
    expect(ours.http_config.authorization.credentials).to.equal('token');
  });

  it('groups Alertmanager notifications by every label the shipped runbooks group incidents by', () => {
    for (const file of ['runbooks/consumer-lag.yaml', 'runbooks/disk-usage.yaml', 'runbooks/under-replicated-partitions.yaml']) {
      const runbook = load(readRepoFile(file)) as Json;
      expect(FIREBREAK_GROUP_BY, file).to.include.members(runbook.groupBy as string[]);
    }
  });

  it('shortens only the for: of the alert rules, keeping every expression', async () => {
    const shipped = load(readRepoFile('alert-rules/kafka.rules.yml')) as Json;
    const short = load(await renderKafkaRules(SHORT_TIMINGS.ruleFor)) as Json;
    const rules = (doc: Json) => (doc.groups as Json[]).flatMap((g) => g.rules as Json[]);
    expect(rules(short).map((r) => r.expr)).to.deep.equal(rules(shipped).map((r) => r.expr));
    expect(rules(short).filter((r) => r.alert !== undefined).every((r) => r.for === '20s')).to.equal(true);
    expect(rules(short).filter((r) => r.record !== undefined)).to.deep.equal(rules(shipped).filter((r) => r.record !== undefined));
    expect(await renderKafkaRules(undefined)).to.equal(readRepoFile('alert-rules/kafka.rules.yml'));
  });

  it('scrapes the lag exporter with honor_labels and puts the cluster label on the brokers', () => {
    const config = load(
      renderPrometheusConfig(
        { cluster: 'demo', brokers: ['127.0.0.1:1'], lagExporter: '127.0.0.1:2', firebreak: '127.0.0.1:3', alertmanager: '127.0.0.1:4' },
        SHORT_TIMINGS,
        ['kafka.rules.yml'],
      ),
    ) as Json;
    const job = (name: string) => (config.scrape_configs as Json[]).find((j) => j.job_name === name)!;
    expect(job('kafka').static_configs[0]).to.deep.equal({ targets: ['127.0.0.1:1'], labels: { cluster: 'demo' } });
    expect(job('kafka-lag').honor_labels).to.equal(true);
    expect(job('firebreak').static_configs[0].targets).to.deep.equal(['127.0.0.1:3']);
    expect(config.global).to.deep.equal({ scrape_interval: '2s', evaluation_interval: '2s' });
  });
});

describe('ProducerPerformance progress lines', () => {
  it('reads the rate of a window', () => {
    const line = '2594 records sent, 518.7 records/sec (0.49 MB/sec), 5.2 ms avg latency, 186.0 ms max latency.';
    expect(parseProducerReport(line, 7)).to.deep.equal({ recordsPerSecond: 518.7, megabytesPerSecond: 0.49, avgLatencyMs: 5.2, at: 7 });
  });

  it('ignores log lines', () => {
    expect(parseProducerReport('[2026-12-07 16:10:00,000] WARN [Producer clientId=orders-service] Got error (org.apache.kafka)')).to.equal(undefined);
  });
});
