import { expect } from 'chai';
import { dashboardQueries, metricNames, withGrafanaVariablesReplaced } from './promql.ts';

// The packaging tests trust this tokenizer to find every metric an expression uses; these cases
// pin the shapes the shipped rules and dashboard contain.
describe('metric names in a PromQL expression', () => {
  it('ignores functions, aggregations, grouping labels, matchers and ranges', () => {
    const expr =
      'histogram_quantile(0.95, sum by (le, action) (rate(firebreak_step_duration_seconds_bucket{outcome=~"ok|failed"}[5m])))';
    expect(metricNames(expr)).to.deep.equal(['firebreak_step_duration_seconds_bucket']);
  });

  it('finds every operand of binary operations and set operators', () => {
    const expr = `
      min by (cluster, instance) (node_filesystem_avail_bytes{mountpoint=~".*kafka.*"} / node_filesystem_size_bytes) < 0.40
      and on (cluster) predict_linear(node_load1[6h], 4 * 3600) < 0
      unless ignoring (job) group_left up offset 5m`;
    expect(metricNames(expr)).to.deep.equal([
      'node_filesystem_avail_bytes',
      'node_filesystem_size_bytes',
      'node_load1',
      'up',
    ]);
  });

  it('does not take letters of numbers, durations or strings for metric names', () => {
    expect(metricNames('sum(rate(a_total[$__rate_interval])) > 1e3 or label_replace(b, "dst", "$1", "src", "(x_y)")')).to.deep.equal([
      'a_total',
      'b',
    ]);
    expect(metricNames('deriv(sum by (topic) (kafka_consumergroup_lag)[15m:1m]) > 0')).to.deep.equal(['kafka_consumergroup_lag']);
  });

  it('accepts recording rule names with colons', () => {
    expect(metricNames('kafka:consumergroup_lag:sum > 10')).to.deep.equal(['kafka:consumergroup_lag:sum']);
  });
});

describe('Grafana queries as plain PromQL', () => {
  it('replaces interval variables with a duration and other variables with a match-all regex', () => {
    expect(withGrafanaVariablesReplaced('sum(rate(x{cluster=~"$cluster", t=~"${topic:regex}"}[$__rate_interval]))')).to.equal(
      'sum(rate(x{cluster=~".*", t=~".*"}[5m]))',
    );
  });

  it('collects targets of panels nested in rows, query variables and annotation queries', () => {
    const dashboard = {
      panels: [
        { title: 'a', targets: [{ refId: 'A', expr: 'up' }] },
        { type: 'row', title: 'r', panels: [{ title: 'b', targets: [{ refId: 'B', expr: 'x' }] }] },
      ],
      templating: {
        list: [
          { type: 'datasource', name: 'datasource', query: 'prometheus' },
          { type: 'query', name: 'cluster', query: { query: 'label_values(kafka_log_log_size{job="kafka"}, cluster)' } },
        ],
      },
      annotations: { list: [{ name: 'alerts', expr: 'ALERTS{alertstate="firing"}' }] },
    };
    expect(dashboardQueries(dashboard).map((q) => q.expr)).to.deep.equal([
      'up',
      'x',
      'kafka_log_log_size{job="kafka"}',
      'ALERTS{alertstate="firing"}',
    ]);
  });
});
