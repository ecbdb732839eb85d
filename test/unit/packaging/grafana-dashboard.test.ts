import { expect } from 'chai';
import { load } from 'js-yaml';
import {
  dashboardPanels,
  dashboardQueries,
  FIREBREAK_METRICS,
  knownMetricNames,
  metricNames,
  readRepoFile,
} from './promql.ts';

type Json = Record<string, any>;

const DASHBOARD = 'grafana/dashboards/firebreak.json';

function readDashboard(): Json {
  return JSON.parse(readRepoFile(DASHBOARD)) as Json;
}

describe('Grafana dashboard', () => {
  const dashboard = readDashboard();
  const panels = dashboardPanels(dashboard) as Json[];
  const queries = dashboardQueries(dashboard);
  const visualisations = panels.filter((p) => p.type !== 'row');

  it('is a dashboard Grafana imports under the stable uid firebreak', () => {
    expect(dashboard.uid).to.equal('firebreak');
    expect(dashboard.title).to.equal('firebreak');
    expect(dashboard.schemaVersion).to.equal(39);
    // A fixed numeric id would clash with dashboards already in the target Grafana.
    expect(dashboard.id).to.equal(null);
    expect(visualisations.length).to.be.greaterThan(10);
  });

  it('chooses its Prometheus through a datasource variable used by every panel and query', () => {
    const variables = dashboard.templating.list as Json[];
    const datasource = variables.find((v) => v.name === 'datasource');
    expect(datasource, 'datasource variable').to.include({ type: 'datasource', query: 'prometheus' });
    const refs = [
      ...visualisations.map((p) => ({ where: `panel "${p.title}"`, ref: p.datasource })),
      ...visualisations.flatMap((p) => (p.targets as Json[]).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, ref: t.datasource }))),
      ...variables.filter((v) => v.type === 'query').map((v) => ({ where: `variable ${v.name}`, ref: v.datasource })),
    ];
    for (const { where, ref } of refs) {
      expect(ref, where).to.deep.equal({ type: 'prometheus', uid: '${datasource}' });
    }
  });

  it('shows firebreak annotations from the built-in Grafana source, filtered by tag', () => {
    const list = dashboard.annotations.list as Json[];
    const firebreak = list.find((a) => a.name === 'firebreak');
    expect(firebreak, 'firebreak annotation query').to.not.equal(undefined);
    expect(firebreak!.datasource).to.deep.equal({ type: 'grafana', uid: '-- Grafana --' });
    expect(firebreak!.enable).to.equal(true);
    expect(firebreak!.target).to.deep.include({ type: 'tags', tags: ['firebreak'], matchAny: false });
  });

  it('lays panels out on the 24-column grid without overlaps and with unique ids', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size, 'unique panel ids').to.equal(ids.length);
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x + w, `panel "${p.title}" width`).to.be.at.most(24);
      expect(Math.min(x, y, w, h), `panel "${p.title}" position`).to.be.at.least(0);
    }
    for (const [i, a] of panels.entries()) {
      for (const b of panels.slice(i + 1)) {
        const overlap =
          a.gridPos.x < b.gridPos.x + b.gridPos.w &&
          b.gridPos.x < a.gridPos.x + a.gridPos.w &&
          a.gridPos.y < b.gridPos.y + b.gridPos.h &&
          b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `panels "${a.title}" and "${b.title}" overlap`).to.equal(false);
      }
    }
  });

  it('queries only metrics firebreak serves or the alert rules are written against', () => {
    const known = knownMetricNames();
    expect(queries.length).to.be.greaterThan(15);
    const unknown = queries.flatMap((q) => metricNames(q.expr).filter((n) => !known.has(n)).map((n) => `${q.where}: ${n}`));
    expect(unknown, 'unknown metric names').to.deep.equal([]);
  });

  it('shows every firebreak metric and the Kafka signals the runbooks act on', () => {
    const used = new Set(queries.flatMap((q) => metricNames(q.expr)));
    const family = (name: string) => name.replace(/_(bucket|sum|count)$/, '');
    const usedFamilies = new Set([...used].map(family));
    const missing = FIREBREAK_METRICS.filter((m) => !usedFamilies.has(m));
    expect(missing, 'firebreak metrics without a panel').to.deep.equal([]);
    for (const kafka of [
      'kafka_server_replicamanager_underreplicatedpartitions',
      'cluster_consumergroup_topic:kafka_consumergroup_lag:sum',
      'node_filesystem_avail_bytes',
      'kafka_controller_kafkacontroller_offlinepartitionscount',
      'kafka_controller_kafkacontroller_activecontrollercount',
    ]) {
      expect(used.has(kafka), `${kafka} shown`).to.equal(true);
    }
  });

  it('filters every Kafka and disk query by the cluster variable', () => {
    const kafkaQueries = queries.filter((q) => q.where.startsWith('panel') && /\b(kafka_|node_)/.test(q.expr));
    expect(kafkaQueries.length).to.be.greaterThan(5);
    for (const q of kafkaQueries) {
      // Exporter series and recording rules over them (`level:kafka_...:op`), with their matchers.
      const selectors = q.expr.match(/(?<![\w:])(?:\w+:)?(?:kafka|node)_[\w:]*(?:\{[^}]*\})?/g) ?? [];
      for (const selector of selectors) {
        expect(selector, q.where).to.include('cluster=~"$cluster"');
      }
    }
  });
});

describe('Grafana provisioning', () => {
  it('provisions the dashboard folder from files', () => {
    const doc = load(readRepoFile('grafana/provisioning/dashboards/firebreak.yaml')) as Json;
    expect(doc.apiVersion).to.equal(1);
    const [provider] = doc.providers as Json[];
    expect(provider).to.include({ name: 'firebreak', type: 'file' });
    expect(provider!.options.path).to.be.a('string').and.match(/^\//);
  });

  it('provisions a Prometheus data source', () => {
    const doc = load(readRepoFile('grafana/provisioning/datasources/prometheus.yaml')) as Json;
    expect(doc.apiVersion).to.equal(1);
    const [source] = doc.datasources as Json[];
    expect(source).to.include({ type: 'prometheus', access: 'proxy' });
    expect(source!.url).to.match(/^https?:\/\//);
  });
});
