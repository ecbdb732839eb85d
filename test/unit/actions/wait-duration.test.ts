import { expect } from 'chai';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { integrationContext } from '../../support/integration-context.ts';

describe('wait', () => {
  const registry = createActionRegistry();
  const action = registry.get('wait');

  it('waits the duration and reports it', async () => {
    const out = await action.execute(integrationContext({}), registry.validateParams('wait', { duration: '5ms' }));
    expect(out.output).to.deep.equal({ durationMs: 5 });
  });

  it('ends at once, failing with WAIT_ABORTED, when the step is cancelled', async () => {
    const controller = new AbortController();
    const waiting = action.execute(integrationContext({}, { signal: controller.signal }), registry.validateParams('wait', { duration: '1h' }));
    controller.abort();
    try {
      await waiting;
      expect.fail('the wait outlived its step');
    } catch (err) {
      expect((err as FirebreakError).code).to.equal('WAIT_ABORTED');
    }
  });

  it('refuses more than an hour, already when planning', async () => {
    try {
      await action.plan(integrationContext({}), registry.validateParams('wait', { duration: '1h1s' }));
      expect.fail('planned a wait above the bound');
    } catch (err) {
      expect((err as FirebreakError).code).to.equal('WAIT_DURATION_INVALID');
    }
  });

  it('needs a duration in runbook syntax', () => {
    for (const bad of [{}, { duration: '10' }, { duration: 'PT10S' }]) {
      try {
        registry.validateParams('wait', bad);
        expect.fail(`accepted ${JSON.stringify(bad)}`);
      } catch (err) {
        expect((err as FirebreakError).code).to.equal('ACTION_PARAMS_INVALID');
      }
    }
  });
});
