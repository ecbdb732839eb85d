import { expect } from 'chai';
import { patchAnnotation, createAnnotation } from '../../../src/actions/grafana/api.ts';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import type { IntegrationSettings } from '../../../src/actions/types.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { startFakeGrafana, type FakeGrafana } from '../../support/fake-grafana.ts';
import { integrationContext } from '../../support/integration-context.ts';

describe('grafana.annotate against the Grafana annotations API contract', () => {
  const registry = createActionRegistry();
  const action = registry.get('grafana.annotate');
  const clock = new FakeClock('2026-01-01T10:00:00Z');
  let grafana: FakeGrafana;

  const settings = (token = grafana.token): IntegrationSettings => ({ grafana: { url: grafana.url, token, timeoutMs: 2_000 } });

  async function failure(promise: Promise<unknown>): Promise<FirebreakError> {
    try {
      await promise;
    } catch (err) {
      expect(err).to.be.instanceOf(FirebreakError);
      return err as FirebreakError;
    }
    throw new Error('expected a failure');
  }

  beforeEach(async () => {
    grafana = await startFakeGrafana();
  });

  afterEach(async () => {
    await grafana.close();
  });

  it('creates an organisation-wide point annotation with the bearer token and returns its id', async () => {
    const params = registry.validateParams('grafana.annotate', { text: 'Throttled producers of orders', tags: ['inc-42', 'containment'] });
    const result = await action.execute(integrationContext(settings(), { clock }), params);
    expect(result.output).to.deep.equal({ id: 1, time: Date.parse('2026-01-01T10:00:00Z'), timeEnd: null, tags: ['firebreak', 'inc-42', 'containment'] });
    expect(grafana.calls).to.have.length(1);
    expect(grafana.calls[0]).to.deep.include({ method: 'POST', path: '/api/annotations', authorized: true, status: 200 });
    expect(grafana.calls[0]?.body).to.deep.equal({ time: Date.parse('2026-01-01T10:00:00Z'), tags: ['firebreak', 'inc-42', 'containment'], text: 'Throttled producers of orders' });
    expect(grafana.annotations.get(1)).to.deep.include({ dashboardUID: null, panelId: 0, text: 'Throttled producers of orders' });
  });

  it('creates a region from templated ISO times', async () => {
    const params = registry.validateParams('grafana.annotate', { text: 'incident', time: '2026-01-01T09:00:00Z', timeEnd: '2026-01-01T09:30:00Z' });
    const result = await action.execute(integrationContext(settings(), { clock }), params);
    const id = (result.output as { id: number }).id;
    expect(grafana.annotations.get(id)).to.deep.include({ time: Date.parse('2026-01-01T09:00:00Z'), timeEnd: Date.parse('2026-01-01T09:30:00Z') });
  });

  it('patches timeEnd of an existing region, and reports a deleted one as GRAFANA_ANNOTATION_NOT_FOUND', async () => {
    const target = { url: grafana.url, token: grafana.token, timeoutMs: 2_000 };
    const id = await createAnnotation(target, { time: 1_000, tags: ['firebreak'], text: 'open' });
    await patchAnnotation(target, id, { timeEnd: 5_000 });
    expect(grafana.annotations.get(id)).to.deep.include({ time: 1_000, timeEnd: 5_000, text: 'open' });
    grafana.annotations.delete(id);
    const err = await failure(patchAnnotation(target, id, { timeEnd: 6_000 }));
    expect(err.code).to.equal('GRAFANA_ANNOTATION_NOT_FOUND');
  });

  it('reports what Grafana refuses as GRAFANA_REJECTED with Grafana\'s message', async () => {
    const err = await failure(createAnnotation({ url: grafana.url, token: grafana.token, timeoutMs: 2_000 }, { time: 1_000, tags: [], text: '' }));
    expect(err.code).to.equal('GRAFANA_REJECTED');
    expect(err.message).to.contain('HTTP 400: Failed to save annotation');
  });

  it('fails with GRAFANA_UNAUTHORIZED for a wrong token, never showing the token', async () => {
    const err = await failure(action.execute(integrationContext(settings('glsa_wrong_token'), { clock }), registry.validateParams('grafana.annotate', { text: 'x' })));
    expect(err.code).to.equal('GRAFANA_UNAUTHORIZED');
    expect(err.retriable).to.equal(false);
    expect(JSON.stringify(err.toJSON())).not.to.contain('glsa_wrong_token');
    expect(grafana.annotations.size).to.equal(0);
  });

  it('fails retriably with GRAFANA_SERVER_ERROR on a 5xx, and works again afterwards', async () => {
    grafana.failNext(1, 503);
    const params = registry.validateParams('grafana.annotate', { text: 'x' });
    const err = await failure(action.execute(integrationContext(settings(), { clock }), params));
    expect(err.code).to.equal('GRAFANA_SERVER_ERROR');
    expect(err.retriable).to.equal(true);
    const ok = await action.execute(integrationContext(settings(), { clock }), params);
    expect((ok.output as { id: number }).id).to.equal(1);
  });

  it('fails with GRAFANA_NOT_CONFIGURED, sending nothing, when Grafana is not configured', async () => {
    const err = await failure(action.execute(integrationContext({}, { clock }), registry.validateParams('grafana.annotate', { text: 'x' })));
    expect(err.code).to.equal('GRAFANA_NOT_CONFIGURED');
    expect(grafana.calls).to.have.length(0);
  });
});
