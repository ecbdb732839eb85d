/** Which runbook handles an alert, and which incident key the alert gets. */
import { expect } from 'chai';
import { loadRunbookSources } from '../../../src/runbooks/load.ts';
import { compareRunbooks, incidentKey, matchingRunbooks, selectRunbook, unmatchedIncidentKey } from '../../../src/runbooks/select.ts';
import type { Runbook } from '../../../src/runbooks/types.ts';
import { ParamsValidator } from '../../../src/runbooks/params.ts';
import { RunbookSchemaValidator } from '../../../src/runbooks/schema.ts';
import { TemplateEngine } from '../../../src/runbooks/template.ts';
import { TestCatalog } from './support/test-catalog.ts';

const deps = { catalog: new TestCatalog(), schema: new RunbookSchemaValidator(), templates: new TemplateEngine(), validator: new ParamsValidator() };

function runbook(name: string, match: string[], extra = ''): string {
  return `name: ${name}
description: ${name}
match: ${JSON.stringify(match)}
groupBy: [cluster, consumergroup]
${extra}
steps:
  - id: lag
    phase: identification
    action: kafka.consumerGroupLag
    with: { group: x }
`;
}

function load(...docs: string[]): Runbook[] {
  const result = loadRunbookSources([{ file: 'set.yaml', text: docs.join('---\n') }], deps);
  expect(result.diagnostics).to.deep.equal([]);
  return result.runbooks;
}

describe('runbook selection', () => {
  const runbooks = load(
    runbook('lag-generic', ['alertname="KafkaLag"']),
    runbook('lag-critical', ['alertname="KafkaLag"', 'severity="critical"']),
    runbook('lag-billing', ['alertname="KafkaLag"', 'consumergroup="billing"']),
    runbook('lag-override', ['alertname="KafkaLag"', 'team="payments"'], 'priority: 5'),
    runbook('disk', ['alertname="KafkaDisk"']),
  );
  const names = (labels: Record<string, string>): string[] => matchingRunbooks(runbooks, labels).map((r) => r.name);

  it('returns null when no runbook matches', () => {
    expect(selectRunbook(runbooks, { alertname: 'Other' })).to.equal(null);
  });

  it('prefers the most specific runbook (most matchers) at equal priority', () => {
    expect(selectRunbook(runbooks, { alertname: 'KafkaLag' })?.name).to.equal('lag-generic');
    expect(selectRunbook(runbooks, { alertname: 'KafkaLag', severity: 'critical' })?.name).to.equal('lag-critical');
  });

  it('breaks a specificity tie by name', () => {
    expect(names({ alertname: 'KafkaLag', severity: 'critical', consumergroup: 'billing' })).to.deep.equal([
      'lag-billing',
      'lag-critical',
      'lag-generic',
    ]);
  });

  it('lets a higher priority win over specificity', () => {
    expect(names({ alertname: 'KafkaLag', severity: 'critical', team: 'payments' })).to.deep.equal(['lag-override', 'lag-critical', 'lag-generic']);
  });

  it('orders by priority, then matcher count, then name', () => {
    const [generic, critical, , override] = runbooks as [Runbook, Runbook, Runbook, Runbook];
    expect(compareRunbooks(override, critical)).to.be.lessThan(0);
    expect(compareRunbooks(critical, generic)).to.be.lessThan(0);
    expect(compareRunbooks(generic, generic)).to.equal(0);
  });
});

describe('incident keys', () => {
  const rb = { name: 'consumer-lag', groupBy: ['consumergroup', 'cluster'] };

  it('names the runbook and the groupBy labels, sorted, in label-set notation', () => {
    const key = incidentKey(rb, { labels: { alertname: 'KafkaLag', cluster: 'eu1', consumergroup: 'billing', partition: '3' } });
    expect(key).to.equal('consumer-lag{cluster="eu1",consumergroup="billing"}');
  });

  it('is the same for alerts that differ only in labels outside groupBy', () => {
    const a = incidentKey(rb, { labels: { cluster: 'eu1', consumergroup: 'billing', partition: '1' } });
    const b = incidentKey(rb, { labels: { cluster: 'eu1', consumergroup: 'billing', partition: '2' } });
    const c = incidentKey(rb, { labels: { cluster: 'eu2', consumergroup: 'billing', partition: '1' } });
    expect(a).to.equal(b);
    expect(a).to.not.equal(c);
  });

  it('leaves out missing and empty labels, and escapes values', () => {
    expect(incidentKey(rb, { labels: { cluster: '', other: 'x' } })).to.equal('consumer-lag{}');
    expect(incidentKey(rb, { labels: { cluster: 'a"b\\c\nd' } })).to.equal('consumer-lag{cluster="a\\"b\\\\c\\nd"}');
  });

  it('puts every matching alert in one incident with groupBy []', () => {
    const all = { name: 'catch-all', groupBy: [] };
    expect(incidentKey(all, { labels: { alertname: 'A', cluster: 'x' } })).to.equal('catch-all{}');
    expect(incidentKey(all, { labels: { alertname: 'B' } })).to.equal('catch-all{}');
  });

  it('gives each distinct alert its own incident with groupBy ["..."]', () => {
    const each = { name: 'each', groupBy: ['...'] };
    expect(incidentKey(each, { labels: { topic: 'orders', alertname: 'A' } })).to.equal('each{alertname="A",topic="orders"}');
    expect(incidentKey(each, { labels: { alertname: 'A', topic: 'orders' } })).to.equal('each{alertname="A",topic="orders"}');
    expect(incidentKey(each, { labels: { alertname: 'A', topic: 'payments' } })).to.equal('each{alertname="A",topic="payments"}');
  });

  it("uses the notification's group key for unmatched alerts, which cannot collide with a runbook key", () => {
    const groupKey = '{}/{severity="critical"}:{alertname="KafkaLag"}';
    expect(unmatchedIncidentKey(groupKey)).to.equal(groupKey);
    expect(groupKey.startsWith('{')).to.equal(true);
  });
});
