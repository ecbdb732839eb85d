/** A step's release settings at load time: defaults, what each mode needs, and every misuse refused at its key. */
import { expect } from 'chai';
import { formatDiagnostic } from '../../../src/runbooks/diagnostics.ts';
import { loadRunbookSources } from '../../../src/runbooks/load.ts';
import { ParamsValidator } from '../../../src/runbooks/params.ts';
import { RunbookSchemaValidator } from '../../../src/runbooks/schema.ts';
import { TemplateEngine } from '../../../src/runbooks/template.ts';
import type { RunbookStep } from '../../../src/runbooks/types.ts';
import { TestCatalog } from './support/test-catalog.ts';

const deps = { catalog: new TestCatalog(), schema: new RunbookSchemaValidator(), templates: new TemplateEngine(), validator: new ParamsValidator() };

/** A runbook whose second step is a quota with `extra` (YAML lines, indented for a step). */
function runbook(extra: string, action = 'kafka.setClientQuota', withText = '{ entity: { client-id: app }, producerByteRate: 1048576 }'): string {
  return `
name: release
description: Release settings.
match: ['alertname="KafkaLag"']
groupBy: [consumergroup]
steps:
  - id: lag
    phase: identification
    action: kafka.consumerGroupLag
    with: { group: billing }
  - id: throttle
    phase: containment
    action: ${action}
    with: ${withText}
${extra}`;
}

function load(text: string): { step: RunbookStep | undefined; problems: string[] } {
  const result = loadRunbookSources([{ file: 'r.yaml', text }], deps);
  return { step: result.runbooks[0]?.steps[1], problems: result.diagnostics.map(formatDiagnostic) };
}

describe('runbook release settings', () => {
  it('releases on resolve by default, with no maximum duration', () => {
    const { step, problems } = load(runbook(''));
    expect(problems).to.deep.equal([]);
    expect(step?.release).to.deep.equal({ mode: 'on-resolve', condition: null, forMs: 0, intervalMs: 0, factor: 2, steps: 4, maxDurationMs: null, onMaxDuration: 'escalate' });
  });

  it('reads a gradual release with its condition, hold time and levels; the interval defaults to a fifth of the hold time', () => {
    const { step, problems } = load(
      runbook(`    release:
      mode: gradual
      condition: { query: 'sum(kafka_consumergroup_lag{consumergroup="{{ labels.consumergroup }}"}) < 5000 and deriv(x[5m]) <= 0', expect: '> 0' }
      for: 10m
      factor: 4
      steps: 3
    maxDuration: 2h
    onMaxDuration: release`),
    );
    expect(problems).to.deep.equal([]);
    expect(step?.release).to.deep.equal({
      mode: 'gradual',
      condition: { query: 'sum(kafka_consumergroup_lag{consumergroup="{{ labels.consumergroup }}"}) < 5000 and deriv(x[5m]) <= 0', expect: '> 0', onEmpty: 'fail' },
      forMs: 600_000,
      intervalMs: 60_000,
      factor: 4,
      steps: 3,
      maxDurationMs: 7_200_000,
      onMaxDuration: 'release',
    });
  });

  it('holds a when-recovered release 5m by default and checks every minute at most', () => {
    const { step } = load(runbook(`    release: { mode: when-recovered, condition: { query: 'up', expect: '== 1', onEmpty: pass }, interval: 20s }`));
    expect(step?.release).to.deep.include({ mode: 'when-recovered', forMs: 300_000, intervalMs: 20_000 });
    expect(step?.release.condition?.onEmpty).to.equal('pass');
  });

  it("reads a hold time and a maximum duration from the runbook's params, and names a param that is missing or no duration", () => {
    const text = (params: string) =>
      runbook(`    release: { mode: gradual, for: "{{ params.hold }}", interval: "{{params.every}}" }
    maxDuration: "{{ params.longest }}"`).replace('steps:\n', `params: ${params}\nsteps:\n`);
    const { step, problems } = load(text('{ hold: 2m, every: 10s, longest: 4h }'));
    expect(problems).to.deep.equal([]);
    expect(step?.release).to.deep.include({ forMs: 120_000, intervalMs: 10_000, maxDurationMs: 14_400_000 });
    expect(load(text('{ hold: soon, every: 10s }')).problems).to.deep.equal([
      'r.yaml:16:36: RUNBOOK_INVALID_STEP: steps[1].release.for: params.hold must be a duration such as 30s, 15m or 1h (got "soon")',
      'r.yaml:17:18: RUNBOOK_INVALID_STEP: steps[1].maxDuration: unknown variable params.longest (no params.longest in this runbook)',
    ]);
    expect(load(runbook(`    release: { mode: gradual, for: "{{ labels.hold }}" }`)).problems).to.deep.equal([
      'r.yaml:15:36: RUNBOOK_SCHEMA: steps[1].release.for: must be a duration such as 30s, 15m or 1h, or {{ params.<name> }} (got "{{ labels.hold }}")',
    ]);
  });

  it('warns when a release condition puts alert labels into its PromQL unescaped', () => {
    const text = runbook(`    release: { mode: gradual, condition: { query: 'sum(lag{group="{{ labels.consumergroup }}",topic="{{ labels.topic | promql_label }}"})', expect: '< 1' } }`);
    const result = loadRunbookSources([{ file: 'r.yaml', text }], deps);
    expect(result.diagnostics).to.deep.equal([]);
    expect((result.warnings ?? []).map(formatDiagnostic)).to.deep.equal([
      'r.yaml:15:51: RUNBOOK_UNESCAPED_LABEL: steps[1].release.condition.query: {{ labels.consumergroup }} goes into the PromQL query unescaped: a value holding " or \\ would rewrite the query; write {{ labels.consumergroup | promql_label }}',
    ]);
  });

  it('keeps a maximum duration on a change people undo by hand (escalate only)', () => {
    const { step, problems } = load(runbook(`    revert: manual
    maxDuration: 1d`));
    expect(problems).to.deep.equal([]);
    expect(step?.release).to.deep.include({ mode: 'manual', maxDurationMs: 86_400_000, onMaxDuration: 'escalate' });
  });

  it('refuses each misuse at its key', () => {
    const cases: Array<[string, string]> = [
      [`    release: { mode: when-recovered }`, 'r.yaml:15:22: RUNBOOK_INVALID_STEP: steps[1].release.mode: when-recovered needs a condition: the change is released once it has held for `for`'],
      [`    release: { mode: on-resolve, for: 5m }`, 'r.yaml:15:34: RUNBOOK_INVALID_STEP: steps[1].release.for: for applies to mode when-recovered or gradual, not on-resolve'],
      [`    release: { mode: when-recovered, condition: { query: up, expect: '== 1' }, steps: 2 }`, 'r.yaml:15:80: RUNBOOK_INVALID_STEP: steps[1].release.steps: steps applies to mode gradual'],
      [`    revert: manual\n    release: { mode: gradual }`, 'r.yaml:16:5: RUNBOOK_INVALID_STEP: steps[1].release: release applies to changes firebreak undoes itself (revert: on-resolve), and this step says revert: manual'],
      [`    onMaxDuration: release`, 'r.yaml:15:5: RUNBOOK_INVALID_STEP: steps[1].onMaxDuration: onMaxDuration needs maxDuration'],
      [`    revert: manual\n    maxDuration: 1h\n    onMaxDuration: release`, 'r.yaml:17:20: RUNBOOK_INVALID_STEP: steps[1].onMaxDuration: release at maxDuration needs revert: on-resolve (this step says manual); use escalate'],
      [`    revert: never\n    maxDuration: 1h`, 'r.yaml:16:5: RUNBOOK_INVALID_STEP: steps[1].maxDuration: revert: never changes are permanent, not containment: they have no maximum duration'],
      [`    release: { mode: gradual, condition: { query: up, expect: 'below 5' } }`, 'r.yaml:15:63: RUNBOOK_SCHEMA: steps[1].release.condition.expect: must be a comparison and a number, e.g. "< 1000" (got "below 5")'],
      [`    release: { mode: gradual, factor: 1 }`, 'r.yaml:15:39: RUNBOOK_SCHEMA: steps[1].release.factor: must be >= 1.1 (got 1)'],
      [`    release: { mode: gradual, condition: { query: '{{ labels.x }} {{ steps.later.output }}', expect: '< 1' } }`, 'r.yaml:15:51: RUNBOOK_TEMPLATE: steps[1].release.condition.query: unknown variable steps.later.output (no step "later" in this runbook)'],
    ];
    for (const [extra, expected] of cases) expect(load(runbook(extra)).problems, extra).to.deep.equal([expected]);
  });

  it('refuses a gradual release of an action that cannot relax, and any release of a read-only step', () => {
    expect(load(runbook(`    release: { mode: gradual }`, 'kafka.setTopicConfig', '{ topic: orders, configs: { retention.ms: 3600000 } }')).problems).to.deep.equal([
      'r.yaml:15:22: RUNBOOK_INVALID_STEP: steps[1].release.mode: kafka.setTopicConfig cannot release its change in levels (use on-resolve or when-recovered)',
    ]);
    expect(load(runbook(`    release: { mode: on-resolve }\n    maxDuration: 1h`, 'kafka.consumerGroupLag', '{ group: billing }')).problems).to.deep.equal([
      'r.yaml:15:5: RUNBOOK_INVALID_STEP: steps[1].release: kafka.consumerGroupLag is read-only: there is nothing to release',
      'r.yaml:16:5: RUNBOOK_INVALID_STEP: steps[1].maxDuration: kafka.consumerGroupLag is read-only: it holds nothing in force',
    ]);
  });
});
