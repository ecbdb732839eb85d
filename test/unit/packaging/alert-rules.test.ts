import { expect } from 'chai';
import { load } from 'js-yaml';
import { allRules, firebreakSeriesNames, metricNames, readRepoFile, repoFiles, type Rule } from './promql.ts';

type Json = Record<string, any>;

/** The alert names runbooks match on; renaming one is a breaking change. */
const KAFKA_ALERTS = [
  'KafkaUnderReplicatedPartitions',
  'KafkaUnderMinIsrPartitions',
  'KafkaOfflinePartitions',
  'KafkaOfflineLogDirectories',
  'KafkaNoActiveController',
  'KafkaConsumerGroupLagHigh',
  'KafkaConsumerGroupLagGrowing',
  'KafkaBrokerDiskUsageHigh',
  'KafkaBrokerDiskFillingUp',
];

const SEVERITIES = ['critical', 'warning', 'info'];

const rulesByFile = allRules();
const alerts = [...rulesByFile.values()].flat().filter((r): r is Rule & { alert: string } => r.alert !== undefined);

/** Every `alert_rule_test` of every promtool test file, with the file it came from. */
function promtoolCases(): Array<{ file: string; alertname: string; firing: number }> {
  return repoFiles('alert-rules/tests', '.test.yml').flatMap((file) => {
    const doc = load(readRepoFile(file)) as Json;
    return (doc.tests as Json[]).flatMap((test) =>
      ((test.alert_rule_test ?? []) as Json[]).map((c) => ({
        file,
        alertname: String(c.alertname),
        firing: ((c.exp_alerts ?? []) as unknown[]).length,
      })),
    );
  });
}

describe('Prometheus alert rules', () => {
  it('ship every Kafka alert the runbooks match on', () => {
    const names = new Set(rulesByFile.get('alert-rules/kafka.rules.yml')!.map((r) => r.alert));
    expect(KAFKA_ALERTS.filter((a) => !names.has(a))).to.deep.equal([]);
  });

  it('give every alert a for:, a known severity and the annotations responders and runbooks read', () => {
    expect(alerts.length).to.be.greaterThan(15);
    for (const rule of alerts) {
      expect(rule.for, `${rule.alert} for:`).to.match(/^\d+[smh]$/);
      expect(SEVERITIES, `${rule.alert} severity`).to.include(rule.labels?.severity);
      for (const key of ['summary', 'description', 'impact', 'runbook_url']) {
        expect(rule.annotations?.[key], `${rule.alert} annotation ${key}`).to.be.a('string').and.not.equal('');
      }
    }
  });

  it('link each alert to its own section of docs/alert-rules.md', () => {
    const docs = readRepoFile('docs/alert-rules.md');
    for (const rule of alerts) {
      expect(rule.annotations!.runbook_url, rule.alert).to.match(new RegExp(`/docs/alert-rules\\.md#${rule.alert.toLowerCase()}$`));
      expect(docs, `docs heading for ${rule.alert}`).to.match(new RegExp(`^### ${rule.alert}$`, 'm'));
    }
  });

  it('keep the cluster label on every Kafka alert, since runbooks group incidents by it', () => {
    for (const rule of rulesByFile.get('alert-rules/kafka.rules.yml')!) {
      const groupings = [...rule.expr.matchAll(/\bby\s*\(([^)]*)\)/g)].map((m) => m[1]!.split(',').map((l) => l.trim()));
      expect(groupings.length, `${rule.alert} aggregates to a fixed label set`).to.be.greaterThan(0);
      for (const labels of groupings) expect(labels, `${rule.alert} by (...)`).to.include('cluster');
    }
  });

  it('alert on firebreak only from the metrics firebreak serves (and up)', () => {
    const served = firebreakSeriesNames();
    served.add('up');
    for (const rule of rulesByFile.get('alert-rules/firebreak.rules.yml')!) {
      expect(metricNames(rule.expr).filter((n) => !served.has(n)), rule.alert).to.deep.equal([]);
    }
  });

  it('have promtool cases where each alert fires and where it must stay quiet', () => {
    const cases = promtoolCases();
    for (const name of new Set(alerts.map((a) => a.alert))) {
      const mine = cases.filter((c) => c.alertname === name);
      expect(mine.some((c) => c.firing > 0), `${name}: a case where it fires`).to.equal(true);
      expect(mine.some((c) => c.firing === 0), `${name}: a case where it does not fire`).to.equal(true);
    }
  });

  it('load only rule files that exist in promtool test files', () => {
    const files = new Set(repoFiles('alert-rules', '.rules.yml').map((f) => f.replace('alert-rules/', '../')));
    for (const file of repoFiles('alert-rules/tests', '.test.yml')) {
      const doc = load(readRepoFile(file)) as Json;
      for (const ruleFile of doc.rule_files as string[]) expect(files, `${file} loads ${ruleFile}`).to.include(ruleFile);
    }
  });
});
