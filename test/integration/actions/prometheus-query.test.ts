import { expect } from 'chai';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import type { ActionContext, IntegrationSettings } from '../../../src/actions/types.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { integrationContext } from '../../support/integration-context.ts';
import { startPrometheus, type PrometheusServer } from './prometheus-server.ts';

const LAG = 'sum by (consumergroup) (kafka_consumergroup_lag{consumergroup="billing"})';

function exposition(lag0: number, lag1: number): string {
  return [
    '# TYPE kafka_consumergroup_lag gauge',
    `kafka_consumergroup_lag{consumergroup="billing",topic="orders",partition="0"} ${lag0}`,
    `kafka_consumergroup_lag{consumergroup="billing",topic="orders",partition="1"} ${lag1}`,
    '',
  ].join('\n');
}

describe('prometheus.query against a real Prometheus', function () {
  this.timeout(60_000);
  const registry = createActionRegistry();
  const action = registry.get('prometheus.query');
  let prometheus: PrometheusServer;

  /** The action's context: the engine passes the config's integration sections like this. */
  function ctx(integrations: IntegrationSettings, signal?: AbortSignal): ActionContext {
    return integrationContext(integrations, { clock: systemClock, ...(signal === undefined ? {} : { signal }) });
  }
  const configured = (): IntegrationSettings => ({ prometheus: { url: prometheus.url, timeoutMs: 5_000 } });

  async function run(params: Record<string, unknown>, integrations = configured()) {
    return action.execute(ctx(integrations), registry.validateParams('prometheus.query', params));
  }

  async function failure(params: Record<string, unknown>, integrations = configured()): Promise<FirebreakError> {
    try {
      await run(params, integrations);
    } catch (err) {
      expect(err).to.be.instanceOf(FirebreakError);
      return err as FirebreakError;
    }
    throw new Error('expected the query to fail');
  }

  before(async function () {
    this.timeout(90_000);
    prometheus = await startPrometheus(exposition(1200, 300));
    await prometheus.awaitValue(LAG, '1500');
  });

  after(async () => {
    await prometheus?.close();
  });

  it('returns every series with its labels and values, and the single value when there is one', async () => {
    const perPartition = await run({ query: 'kafka_consumergroup_lag{consumergroup="billing"}' });
    const out = perPartition.output as { series: Array<{ labels: Record<string, string>; value: number }>; seriesCount: number; value: unknown; held: unknown };
    expect(out.seriesCount).to.equal(2);
    expect(out.series.map((s) => [s.labels['partition'], s.labels['cluster'], s.value]).sort()).to.deep.equal([
      ['0', 'test', 1200],
      ['1', 'test', 300],
    ]);
    expect(out.value).to.equal(null);
    expect(out.held).to.equal(null);

    const total = await run({ query: LAG });
    expect(total.output).to.deep.include({ value: 1500, seriesCount: 1, resultType: 'vector' });
  });

  it('reports an expectation that holds, and fails with PROMETHEUS_EXPECTATION_NOT_MET when it does not', async () => {
    const ok = await run({ query: LAG, expect: '> 1000' });
    expect(ok.output).to.deep.include({ held: true, expect: '> 1000', checks: 1 });

    const err = await failure({ query: LAG, expect: '< 1000' });
    expect(err.code).to.equal('PROMETHEUS_EXPECTATION_NOT_MET');
    expect(err.retriable).to.equal(false);
    expect(err.message).to.contain('value 1500');
    expect(err.details).to.deep.include({ expect: '< 1000', seriesCount: 1 });
  });

  it('treats an empty result as not holding, unless onEmpty is pass', async () => {
    const query = 'kafka_consumergroup_lag{consumergroup="no-such-group"}';
    expect((await failure({ query, expect: '== 0' })).code).to.equal('PROMETHEUS_EXPECTATION_NOT_MET');
    expect((await run({ query, expect: '== 0', onEmpty: 'pass' })).output).to.deep.include({ held: true, seriesCount: 0 });
  });

  it('waits until the expectation has held for the hold time once the lag drains', async () => {
    prometheus.target.serve(exposition(100, 50));
    await prometheus.awaitValue(LAG, '150');
    const started = Date.now();
    const result = await run({ query: LAG, expect: '< 1000', for: '3s', interval: '1s' });
    const out = result.output as { held: boolean; heldForMs: number; checks: number; value: number };
    expect(out.held).to.equal(true);
    expect(out.value).to.equal(150);
    expect(out.heldForMs).to.be.at.least(3_000);
    expect(out.checks).to.be.at.least(4);
    expect(Date.now() - started).to.be.at.least(3_000);
  });

  it('gives up with PROMETHEUS_EXPECTATION_NOT_MET when the condition never holds long enough', async () => {
    prometheus.target.serve(exposition(5000, 5000));
    await prometheus.awaitValue(LAG, '10000');
    const err = await failure({ query: LAG, expect: '< 1000', for: '2s', interval: '1s', within: '3s' });
    expect(err.code).to.equal('PROMETHEUS_EXPECTATION_NOT_MET');
    expect(err.message).to.match(/did not hold for 2s before 3s passed/);
    expect(err.details).to.deep.include({ heldForMs: 0 });
  });

  it('stops waiting when the step is aborted', async () => {
    const controller = new AbortController();
    const params = registry.validateParams('prometheus.query', { query: LAG, expect: '< 1000', for: '1m', interval: '1s' });
    const waiting = action.execute(ctx(configured(), controller.signal), params);
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    try {
      await waiting;
      expect.fail('the wait outlived its step');
    } catch (err) {
      expect((err as FirebreakError).code).to.be.oneOf(['PROMETHEUS_EXPECTATION_NOT_MET', 'PROMETHEUS_ABORTED']);
    }
    expect(Date.now() - started).to.be.below(5_000);
  });

  it('names a query Prometheus rejects PROMETHEUS_QUERY_INVALID, with Prometheus\'s reason', async () => {
    const err = await failure({ query: 'sum(kafka_consumergroup_lag' });
    expect(err.code).to.equal('PROMETHEUS_QUERY_INVALID');
    expect(err.retriable).to.equal(false);
    expect(err.message).to.match(/parse error/);
  });

  it('refuses a range vector for an expectation', async () => {
    const err = await failure({ query: 'kafka_consumergroup_lag[1m]', expect: '< 1' });
    expect(err.code).to.equal('PROMETHEUS_UNSUPPORTED_RESULT');
  });

  it('fails retriably with PROMETHEUS_UNREACHABLE when nothing listens at the URL', async () => {
    // A port the shut-down test target no longer uses would race with other tests; a closed
    // server's port is as good and is ours.
    const { createServer } = await import('node:http');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await failure({ query: 'up' }, { prometheus: { url: `http://127.0.0.1:${port}`, timeoutMs: 2_000 } });
    expect(err.code).to.equal('PROMETHEUS_UNREACHABLE');
    expect(err.retriable).to.equal(true);
  });
});
