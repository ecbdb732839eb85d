import { expect } from 'chai';
import { FirebreakError } from '../../../src/errors.ts';
import { TemplateEngine, isTemplate, singleExpression, type TemplateContext } from '../../../src/runbooks/template.ts';

function context(overrides: Partial<TemplateContext> = {}): TemplateContext {
  return {
    labels: { alertname: 'KafkaConsumerGroupLagHigh', consumergroup: 'billing', cluster: 'eu1', rate: '2048' },
    annotations: { summary: 'lag is high' },
    alert: { fingerprint: 'abc123', status: 'firing', startsAt: '2026-01-01T00:00:00Z', endsAt: null, generatorURL: null },
    incident: {
      id: 'inc-1',
      key: 'lag{cluster="eu1"}',
      title: 'Lag',
      status: 'open',
      severity: 'critical',
      cluster: 'eu1',
      runbook: 'lag',
      startedAt: '2026-01-01T00:00:00Z',
      openedAt: '2026-01-01T00:00:05Z',
    },
    steps: { lag: { status: 'succeeded', output: { total: 12_000, topics: ['orders', 'payments'], top: { topic: 'orders', lag: 9000 } } } },
    params: { rate: 1_048_576 },
    trigger: 'firing',
    ...overrides,
  };
}

function renderError(fn: () => unknown): FirebreakError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FirebreakError);
    return err as FirebreakError;
  }
  throw new Error('expected an error');
}

describe('runbook templates', () => {
  const engine = new TemplateEngine();

  it('leaves strings without markup untouched, whatever they contain', () => {
    expect(engine.render('plain {text} with } braces', context())).to.equal('plain {text} with } braces');
    expect(isTemplate('a {{ b }}')).to.equal(true);
    expect(isTemplate('{% if x %}y{% endif %}')).to.equal(true);
    expect(isTemplate('{ not: template }')).to.equal(false);
  });

  it('keeps the type of a string that is exactly one {{ expression }}', () => {
    expect(engine.render('{{ steps.lag.output.total }}', context())).to.equal(12_000);
    expect(engine.render('{{ params.rate }}', context())).to.equal(1_048_576);
    expect(engine.render('{{ steps.lag.output.topics }}', context())).to.deep.equal(['orders', 'payments']);
    expect(engine.render('{{ steps.lag.output.top }}', context())).to.deep.equal({ topic: 'orders', lag: 9000 });
    expect(engine.render('{{- labels.rate | plus: 1 -}}', context())).to.equal(2049);
    expect(singleExpression('{{ a }}{{ b }}')).to.equal(null);
  });

  it('renders anything else to a string', () => {
    expect(engine.render(' {{ steps.lag.output.total }}', context())).to.equal(' 12000');
    expect(engine.render('{{ labels.consumergroup }}-{{ labels.cluster }}', context())).to.equal('billing-eu1');
    expect(engine.render('{% if steps.lag.output.total > 10000 %}high{% else %}low{% endif %}', context())).to.equal('high');
  });

  it('fails on an unknown variable instead of rendering an empty string, naming the variable', () => {
    const err = renderError(() => engine.render('group {{ labels.consumer_group }}', context(), 'step "lag" with.group'));
    expect(err.code).to.equal('RUNBOOK_TEMPLATE');
    expect(err.message).to.equal('step "lag" with.group: undefined variable labels.consumer_group');
    expect(err.details).to.deep.include({ variable: 'labels.consumer_group' });
    const typed = renderError(() => engine.render('{{ steps.lag.output.missing }}', context()));
    expect(typed.details).to.deep.include({ variable: 'steps.lag.output.missing' });
  });

  it('lets the default filter and if tags read an optional label', () => {
    expect(engine.render("{{ labels.producer | default: 'unknown' }}", context())).to.equal('unknown');
    expect(engine.render('{% if labels.producer %}p{% else %}none{% endif %}', context())).to.equal('none');
  });

  it('fails on an unknown filter', () => {
    const err = renderError(() => engine.render('{{ labels.cluster | shout }}', context()));
    expect(err.code).to.equal('RUNBOOK_TEMPLATE');
    expect(err.message).to.match(/undefined filter: shout/);
  });

  it('has no file access: include, render and layout are refused at parse time', () => {
    for (const tag of ["{% include 'x' %}", "{% render 'x' %}", "{% layout 'x' %}"]) {
      expect(engine.check(tag).error).to.match(/is not available in runbook templates/);
      expect(() => engine.render(tag, context())).to.throw(FirebreakError, /not available/);
    }
  });

  it('hides inherited properties such as constructor', () => {
    const err = renderError(() => engine.render('{{ labels.constructor }}', context()));
    expect(err.details).to.deep.include({ variable: 'labels.constructor' });
  });

  it('bounds template length, output length and work', () => {
    const small = new TemplateEngine({ maxTemplateLength: 80, maxOutputLength: 20 });
    expect(small.check(`{{ labels.cluster }}${'x'.repeat(80)}`).error).to.match(/longer than 80 characters/);
    expect(() => small.render("{{ 'abcdefghij' | append: 'abcdefghij' | append: 'x' }} ", context())).to.throw(
      FirebreakError,
      /rendered text longer than 20 characters/,
    );
    expect(() => engine.render('{% for i in (1..100000000) %}x{% endfor %}', context())).to.throw(FirebreakError, /limit/);
    expect(() => engine.render('{{ (1..10000000) | size }}', context()), 'a typed single expression too').to.throw(FirebreakError, /limit/);
  });

  it('stops a runaway template after its CPU-time budget, with RUNBOOK_TEMPLATE', () => {
    const tight = new TemplateEngine({ renderCpuMs: 20 });
    // A billion iterations over one small list: no allocation, only work.
    const runaway = '{% assign a = (1..1000) %}{% for x in a %}{% for y in a %}{% for z in a %}{% endfor %}{% endfor %}{% endfor %}';
    const error = renderError(() => tight.render(runaway, context(), 'step "throttle" with.note'));
    expect(error.code).to.equal('RUNBOOK_TEMPLATE');
    expect(error.message).to.equal('step "throttle" with.note: template render limit exceeded: more than 20 ms of CPU time');
    expect(error.details).to.deep.include({ where: 'step "throttle" with.note' });
    expect(() => tight.evaluateCondition('labels.cluster == "eu1"', context())).not.to.throw();
  });

  it('does not count against the budget the time its thread waits, as on a loaded machine', () => {
    // Each read of labels.slow holds the thread 30 ms without using a CPU (Atomics.wait), as a
    // thread waiting for a core does: 150 ms of wall time in a loop, past the default budget of
    // 100 ms, and next to no CPU time.
    const parked = new Int32Array(new SharedArrayBuffer(4));
    const labels = { ...context().labels };
    Object.defineProperty(labels, 'slow', { enumerable: true, get: () => (Atomics.wait(parked, 0, 0, 30), 'ok') });
    expect(engine.limits.renderCpuMs).to.equal(100);
    expect(engine.render('{% for i in (1..5) %}{{ labels.slow }} {% endfor %}', context({ labels }))).to.equal('ok ok ok ok ok ');
  });

  it('walks objects and lists, rendering strings and leaving other values and keys alone', () => {
    const out = engine.renderValue(
      { entity: { 'client-id': '{{ labels.consumergroup }}' }, rate: '{{ params.rate }}', fixed: 5, list: ['{{ labels.cluster }}', true] },
      context(),
      'with',
    );
    expect(out).to.deep.equal({ entity: { 'client-id': 'billing' }, rate: 1_048_576, fixed: 5, list: ['eu1', true] });
    const err = renderError(() => engine.renderValue({ a: [{ b: '{{ labels.nope }}' }] }, context(), 'with'));
    expect(err.message).to.equal('with.a[0].b: undefined variable labels.nope');
  });

  it('evaluates when: conditions to a boolean and refuses anything else', () => {
    expect(engine.evaluateCondition('steps.lag.output.total > 10000', context())).to.equal(true);
    expect(engine.evaluateCondition('labels.cluster == "eu2" or trigger == "resolved"', context())).to.equal(false);
    expect(engine.evaluateCondition('steps.lag.output.topics contains "orders"', context())).to.equal(true);
    const notBool = renderError(() => engine.evaluateCondition('steps.lag.output.total', context(), 'step "x" when'));
    expect(notBool.message).to.equal('step "x" when: must evaluate to true or false, got number 12000');
    const unknown = renderError(() => engine.evaluateCondition('labels.nope == "x"', context()));
    expect(unknown.details).to.deep.include({ variable: 'labels.nope' });
  });

  it("formats dates in the locale it is given (a loader's engine names one instead of asking the system)", () => {
    const german = new TemplateEngine({}, { locale: 'de-DE' });
    const english = new TemplateEngine({}, { locale: 'en-US' });
    const template = '{{ incident.startedAt | date: "%B", 0 }}';
    expect(german.render(template, context())).to.equal('Januar');
    expect(english.render(template, context())).to.equal('January');
    expect(english.check('{{ labels.a }}').variables).to.deep.equal([['labels', 'a']]);
  });

  it('reports the variables a template reads, for load-time checks', () => {
    const check = engine.check('{{ labels.a }}{% if steps.lag.output.total > 1 %}{{ params.rate }}{% endif %}{% assign x = 1 %}{{ x }}');
    expect(check.error).to.equal(null);
    expect(check.variables).to.deep.equal([
      ['labels', 'a'],
      ['steps', 'lag', 'output', 'total'],
      ['params', 'rate'],
    ]);
    expect(engine.check('steps.lag.output.total > 1', 'expression').variables).to.deep.equal([['steps', 'lag', 'output', 'total']]);
  });
});
