import { expect } from 'chai';
import { createMetrics } from '../../../src/metrics/metrics.ts';
import { allRules, dashboardQueries, metricNames, readRepoFile } from './promql.ts';

// The alert rules and the dashboard select firebreak's series by label (outcome, status,
// operation...). A label the exposition does not carry makes an alert that never fires and a
// panel that stays empty, silently: check them against what GET /metrics really serves.
// Metrics registered elsewhere (the engine's) are checked once they appear in this registry.

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];

/** Series name -> label names, from the text exposition of a freshly created Metrics. */
async function servedLabels(): Promise<Map<string, Set<string>>> {
  const metrics = createMetrics({ processMetrics: false });
  // Counters without observations expose no series; make each labelled one appear once.
  metrics.webhookRequest('ok', 0.01);
  metrics.timelineEntry('note');
  metrics.storeError('appendNotification');
  const served = new Map<string, Set<string>>();
  for (const line of (await metrics.render()).body.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? /.exec(line);
    if (match === null) continue;
    const labels = served.get(match[1]!) ?? new Set(TARGET_LABELS);
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="/g)) labels.add(pair[1]!);
    served.set(match[1]!, labels);
  }
  return served;
}

/** Every expression of the alert rules and the dashboard, with where it comes from. */
function expressions(): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  for (const [file, rules] of allRules()) {
    for (const rule of rules) out.push({ where: `${file} ${rule.alert ?? rule.record}`, expr: rule.expr });
  }
  const dashboard = JSON.parse(readRepoFile('grafana/dashboards/firebreak.json')) as Record<string, unknown>;
  out.push(...dashboardQueries(dashboard));
  return out;
}

describe('labels of firebreak metrics in the alert rules and the dashboard', () => {
  let served: Map<string, Set<string>>;

  before(async () => {
    served = await servedLabels();
  });

  it('reads the exposition (the check is not vacuous)', () => {
    expect(served.get('firebreak_webhook_request_duration_seconds_count')).to.include('outcome');
    expect(served.get('firebreak_incidents')).to.include('status');
  });

  it('match only on labels the selected series carry', () => {
    const problems: string[] = [];
    for (const { where, expr } of expressions()) {
      for (const selector of expr.matchAll(/\b(firebreak_\w+)\s*\{([^}]*)\}/g)) {
        const labels = served.get(selector[1]!);
        if (labels === undefined) continue;
        for (const matcher of selector[2]!.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) {
          if (!labels.has(matcher[1]!)) problems.push(`${where}: ${selector[1]} has no label ${matcher[1]}`);
        }
      }
    }
    expect(problems).to.deep.equal([]);
  });

  it('group only by labels the aggregated firebreak series carry', () => {
    const problems: string[] = [];
    for (const { where, expr } of expressions()) {
      const names = metricNames(expr);
      if (names.length === 0 || !names.every((n) => served.has(n))) continue;
      const available = new Set(names.flatMap((n) => [...served.get(n)!]));
      for (const clause of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
        for (const label of clause[1]!.split(',').map((l) => l.trim()).filter((l) => l !== '')) {
          if (!available.has(label)) problems.push(`${where}: no series of ${names.join(', ')} has label ${label}`);
        }
      }
    }
    expect(problems).to.deep.equal([]);
  });
});
