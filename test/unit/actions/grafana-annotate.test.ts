import { expect } from 'chai';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { annotationOf, FIREBREAK_TAG, type GrafanaAnnotateParams } from '../../../src/actions/grafana/annotate.ts';
import { grafanaTarget } from '../../../src/actions/grafana/api.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { integrationContext } from '../../support/integration-context.ts';

describe('grafana.annotate', () => {
  const registry = createActionRegistry();

  it('builds a point annotation at "now" tagged firebreak first, without duplicate tags', () => {
    const params = registry.validateParams('grafana.annotate', { text: 'throttled producers', tags: ['inc-1', 'firebreak', 'inc-1'] });
    expect(annotationOf(params as GrafanaAnnotateParams, 1_767_225_600_000)).to.deep.equal({ time: 1_767_225_600_000, tags: [FIREBREAK_TAG, 'inc-1'], text: 'throttled producers' });
  });

  it('reads ISO-8601 and epoch-millisecond times, and makes a region with timeEnd', () => {
    const params = registry.validateParams('grafana.annotate', {
      text: 'lag incident',
      time: '2026-01-01T00:00:00Z',
      timeEnd: 1_767_229_200_000,
      dashboardUID: 'firebreak-kafka',
      panelId: 4,
    });
    expect(annotationOf(params as GrafanaAnnotateParams, 0)).to.deep.equal({
      time: 1_767_225_600_000,
      timeEnd: 1_767_229_200_000,
      tags: ['firebreak'],
      text: 'lag incident',
      dashboardUID: 'firebreak-kafka',
      panelId: 4,
    });
  });

  it('rejects an empty text, a panel without a dashboard, and a time that is not one', () => {
    for (const bad of [{ text: '' }, { text: 'x', panelId: 2 }, { text: 'x', time: 'yesterday' }, { text: 'x', url: 'http://elsewhere' }]) {
      try {
        registry.validateParams('grafana.annotate', bad);
        expect.fail(`accepted ${JSON.stringify(bad)}`);
      } catch (err) {
        expect((err as FirebreakError).code, JSON.stringify(bad)).to.equal('ACTION_PARAMS_INVALID');
      }
    }
  });

  it('is mutating (planned, not sent, in dry-run mode) and never reverted', async () => {
    const action = registry.get('grafana.annotate');
    expect(action.mutating).to.equal(true);
    expect(action.defaultRevert).to.equal('never');
    expect(action.revert).to.equal(undefined);
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const plan = await action.plan(integrationContext({}, { clock }), registry.validateParams('grafana.annotate', { text: 'x' }));
    expect(plan.summary).to.equal('annotate Grafana at 2026-01-01T00:00:00.000Z [firebreak]: x');
    expect(plan.touches).to.deep.equal({ topics: [], clients: [] });
  });

  it('needs both the URL and the token', () => {
    for (const grafana of [undefined, { url: 'http://g', token: null, timeoutMs: 1 }, { url: null, token: 't', timeoutMs: 1 }]) {
      try {
        grafanaTarget(grafana === undefined ? {} : { grafana });
        expect.fail('accepted an incomplete Grafana setting');
      } catch (err) {
        expect((err as FirebreakError).code).to.equal('GRAFANA_NOT_CONFIGURED');
      }
    }
    expect(grafanaTarget({ grafana: { url: 'http://g', token: 't', timeoutMs: 5 } })).to.deep.equal({ url: 'http://g', token: 't', timeoutMs: 5 });
  });
});
