/** Step parameters are rendered from the incident's data, then validated against the action. */
import { expect } from 'chai';
import { FirebreakError } from '../../../src/errors.ts';
import { loadRunbookSources } from '../../../src/runbooks/load.ts';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { ParamsValidator, renderStepParams } from '../../../src/runbooks/params.ts';
import { TemplateEngine, type TemplateContext } from '../../../src/runbooks/template.ts';
import type { Runbook, RunbookStep } from '../../../src/runbooks/types.ts';
import { TestCatalog } from './support/test-catalog.ts';

const catalog = new TestCatalog();
/** Rendered parameters are checked by the real action registry, which fills in defaults. */
const registry = createActionRegistry();
const deps = {
  catalog,
  templates: new TemplateEngine(),
  validator: new ParamsValidator(),
  validateParams: (action: string, params: unknown) => registry.validateParams(action, params),
};

const RUNBOOK = `
name: lag
description: Throttle the producer of a lagging group.
match: ['alertname="KafkaLag"']
groupBy: [consumergroup]
params: { rate: 1048576 }
steps:
  - id: lag
    phase: identification
    action: kafka.consumerGroupLag
    with: { group: "{{ labels.consumergroup }}" }
  - id: throttle
    phase: containment
    action: kafka.setClientQuota
    with:
      entity: { client-id: "{{ labels.producer }}" }
      producerByteRate: "{{ steps.lag.output.suggestedRate | default: params.rate }}"
`;

function steps(): RunbookStep[] {
  const result = loadRunbookSources([{ file: 'lag.yaml', text: RUNBOOK }], deps);
  expect(result.diagnostics).to.deep.equal([]);
  return (result.runbooks[0] as Runbook).steps;
}

function context(labels: Record<string, string>, lagOutput: unknown): TemplateContext {
  return {
    labels,
    annotations: {},
    alert: { fingerprint: 'f1', status: 'firing', startsAt: '2026-01-01T00:00:00Z', endsAt: null, generatorURL: null },
    incident: {
      id: 'inc-1',
      key: 'lag{consumergroup="billing"}',
      title: 'lag',
      status: 'open',
      severity: null,
      cluster: null,
      runbook: 'lag',
      startedAt: '2026-01-01T00:00:00Z',
      openedAt: '2026-01-01T00:00:00Z',
    },
    steps: { lag: { status: 'succeeded', output: lagOutput } },
    params: { rate: 1_048_576 },
    trigger: 'firing',
  };
}

function thrown(fn: () => unknown): FirebreakError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FirebreakError);
    return err as FirebreakError;
  }
  throw new Error('expected an error');
}

describe('renderStepParams', () => {
  const [lag, throttle] = steps() as [RunbookStep, RunbookStep];

  it('renders labels into strings and keeps a number from an earlier step a number', () => {
    expect(renderStepParams(lag, context({ consumergroup: 'billing' }, {}), deps)).to.deep.equal({ group: 'billing', sample: '10s', samples: 3 });
    const params = renderStepParams(throttle, context({ producer: 'loadgen' }, { suggestedRate: 524_288 }), deps);
    expect(params).to.deep.equal({ entity: { 'client-id': 'loadgen' }, producerByteRate: 524_288 });
  });

  it('falls back to a runbook param through the default filter', () => {
    const params = renderStepParams(throttle, context({ producer: 'loadgen' }, {}), deps);
    expect(params.producerByteRate).to.equal(1_048_576);
  });

  it('fails with RUNBOOK_TEMPLATE naming the step and the variable when a label is missing', () => {
    const err = thrown(() => renderStepParams(throttle, context({}, {}), deps));
    expect(err.code).to.equal('RUNBOOK_TEMPLATE');
    expect(err.message).to.equal('step "throttle" with.entity.client-id: undefined variable labels.producer');
    expect(err.details).to.deep.include({ step: 'throttle', variable: 'labels.producer' });
  });

  it('validates the rendered values: a string where the action wants an integer is RUNBOOK_INVALID_PARAMS', () => {
    const err = thrown(() => renderStepParams(throttle, context({ producer: 'loadgen' }, { suggestedRate: 'fast' }), deps));
    expect(err.code).to.equal('RUNBOOK_INVALID_PARAMS');
    expect(err.message).to.equal('step "throttle": rendered parameters for kafka.setClientQuota are invalid: producerByteRate: must be integer');
    expect(err.details).to.deep.include({ step: 'throttle', action: 'kafka.setClientQuota' });
  });

  it('refuses a step whose action is no longer in the catalogue', () => {
    const err = thrown(() => renderStepParams(lag, context({ consumergroup: 'x' }, {}), { ...deps, catalog: new TestCatalog([]) }));
    expect(err.code).to.equal('RUNBOOK_UNKNOWN_ACTION');
  });

  it('does not modify the step it renders', () => {
    renderStepParams(throttle, context({ producer: 'loadgen' }, {}), deps);
    expect(throttle.with).to.deep.equal({
      entity: { 'client-id': '{{ labels.producer }}' },
      producerByteRate: '{{ steps.lag.output.suggestedRate | default: params.rate }}',
    });
  });
});
