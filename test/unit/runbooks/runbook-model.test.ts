/** What a loaded runbook looks like: defaults, durations, the action's flags, compiled matchers. */
import { expect } from 'chai';
import { formatDiagnostic } from '../../../src/runbooks/diagnostics.ts';
import { loadRunbookSources } from '../../../src/runbooks/load.ts';
import { ParamsValidator } from '../../../src/runbooks/params.ts';
import { RunbookSchemaValidator } from '../../../src/runbooks/schema.ts';
import { TemplateEngine } from '../../../src/runbooks/template.ts';
import type { Runbook } from '../../../src/runbooks/types.ts';
import { TestCatalog } from './support/test-catalog.ts';

const deps = { catalog: new TestCatalog(), schema: new RunbookSchemaValidator(), templates: new TemplateEngine(), validator: new ParamsValidator() };

function loadOne(text: string): Runbook {
  const result = loadRunbookSources([{ file: 'r.yaml', text }], deps);
  expect(result.diagnostics.map(formatDiagnostic)).to.deep.equal([]);
  expect(result.runbooks).to.have.length(1);
  return result.runbooks[0] as Runbook;
}

function problems(text: string): string[] {
  return loadRunbookSources([{ file: 'r.yaml', text }], deps).diagnostics.map(formatDiagnostic);
}

const MINIMAL = `
name: minimal
description: The least a runbook needs.
match: ['alertname="KafkaLag"']
groupBy: []
steps:
  - id: lag
    phase: identification
    action: kafka.consumerGroupLag
    with: { group: billing }
  - id: throttle
    phase: containment
    action: kafka.setClientQuota
    with: { entity: { client-id: app }, producerByteRate: 1048576 }
`;

describe('loaded runbooks', () => {
  it('fills in every default', () => {
    const rb = loadOne(MINIMAL);
    expect(rb.priority).to.equal(0);
    expect(rb.params).to.deep.equal({});
    expect(rb.followUps).to.deep.equal([]);
    expect(rb.policy).to.deep.equal({
      cooldownMs: null,
      maxRunsPerHour: null,
      maxTopicsPerIncident: null,
      maxClientsPerIncident: null,
      minQuotaByteRate: null,
      minRetentionMs: null,
      protectedTopics: [],
      episodeWindowMs: null,
      loopBreakerCycles: null,
      loopBreakerWindowMs: null,
    });
    expect(rb.steps[0]).to.deep.equal({
      id: 'lag',
      description: null,
      phase: 'identification',
      on: 'firing',
      action: 'kafka.consumerGroupLag',
      mutating: false,
      with: { group: 'billing' },
      when: null,
      timeoutMs: null,
      retries: { count: 0, backoffMs: 5000 },
      onFailure: 'abort',
      approval: 'none',
      approvalTimeoutMs: null,
      revert: 'never',
      release: { mode: 'never', condition: null, forMs: 0, intervalMs: 0, factor: 2, steps: 4, maxDurationMs: null, onMaxDuration: 'escalate' },
    });
    expect(rb.steps[1]?.mutating).to.equal(true);
    expect(rb.steps[1]?.revert, "the action's default revert").to.equal('on-resolve');
    expect(rb.steps[1]?.release, 'released when the alert resolves').to.deep.include({ mode: 'on-resolve', condition: null, forMs: 0, maxDurationMs: null });
    expect(rb.origin).to.deep.equal({ file: 'r.yaml', line: 2, column: 1 });
  });

  it('turns durations into milliseconds and keeps explicit choices', () => {
    const rb = loadOne(`
name: explicit
description: Every optional key set.
match: ['alertname="KafkaLag", severity=~"warning|critical"', 'cluster!=""']
groupBy: [cluster]
priority: 7
params: { rate: 1048576 }
policy: { cooldown: 1h30m, maxRunsPerHour: 2, maxTopicsPerIncident: 1, maxClientsPerIncident: 2, minQuotaByteRate: 4096, minRetentionMs: 600000, protectedTopics: ['audit-.*'], episodeWindow: 45m, loopBreaker: { cycles: 5, window: 2h } }
steps:
  - id: throttle
    description: Cap the producer.
    phase: containment
    action: kafka.setClientQuota
    with: { entity: { client-id: "{{ labels.client }}" }, producerByteRate: "{{ params.rate }}" }
    when: labels.severity == "critical"
    timeout: 45s
    retries: { count: 3, backoff: 2s }
    onFailure: continue
    approval: required
    approvalTimeout: 20m
    revert: manual
followUps: ["Talk to the owner of {{ labels.client }}"]
`);
    expect(rb.priority).to.equal(7);
    expect(rb.match.map((m) => `${m.name}${m.type}${m.value}`)).to.deep.equal(['alertname=KafkaLag', 'severity=~warning|critical', 'cluster!=']);
    expect(rb.policy).to.deep.equal({
      cooldownMs: 5_400_000,
      maxRunsPerHour: 2,
      maxTopicsPerIncident: 1,
      maxClientsPerIncident: 2,
      minQuotaByteRate: 4096,
      minRetentionMs: 600_000,
      protectedTopics: ['audit-.*'],
      episodeWindowMs: 2_700_000,
      loopBreakerCycles: 5,
      loopBreakerWindowMs: 7_200_000,
    });
    const step = rb.steps[0];
    expect(step).to.deep.include({
      timeoutMs: 45_000,
      retries: { count: 3, backoffMs: 2000 },
      onFailure: 'continue',
      approval: 'required',
      approvalTimeoutMs: 1_200_000,
      revert: 'manual',
      when: 'labels.severity == "critical"',
      description: 'Cap the producer.',
    });
    expect(rb.followUps).to.deep.equal(['Talk to the owner of {{ labels.client }}']);
  });

  it('gives an approval an hour when approvalTimeout is left out', () => {
    const rb = loadOne(MINIMAL.replace('producerByteRate: 1048576 }', 'producerByteRate: 1048576 }\n    approval: required'));
    expect(rb.steps[1]?.approvalTimeoutMs).to.equal(3_600_000);
  });

  it('accepts groupBy ["..."] alone', () => {
    expect(loadOne(MINIMAL.replace('groupBy: []', "groupBy: ['...']")).groupBy).to.deep.equal(['...']);
  });

  it('checks literal parameters but leaves templated ones to render time', () => {
    expect(problems(MINIMAL.replace('producerByteRate: 1048576', 'producerByteRate: "{{ labels.rate }}"'))).to.deep.equal([]);
    expect(problems(MINIMAL.replace('producerByteRate: 1048576', 'producerByteRate: fast'))).to.deep.equal([
      'r.yaml:14:59: RUNBOOK_INVALID_PARAMS: steps[1].with.producerByteRate: must be integer (kafka.setClientQuota)',
    ]);
  });

  it('still reports a missing "at least one of" parameter when other values are templated, as one problem', () => {
    expect(problems(MINIMAL.replace('{ client-id: app }, producerByteRate: 1048576', '{ client-id: "{{ labels.client }}" }'))).to.deep.equal([
      'r.yaml:14:11: RUNBOOK_INVALID_PARAMS: steps[1].with: needs at least one of "producerByteRate", "consumerByteRate" (kafka.setClientQuota)',
    ]);
  });

  it('lets a step read earlier steps, params and incident fields, and a follow-up read any step', () => {
    const text = MINIMAL.replace('with: { group: billing }', 'with: { group: "{{ incident.cluster }}-{{ alert.fingerprint }}" }').concat(
      'followUps: ["{{ steps.throttle.status }} {{ steps.lag.output.total }} {{ trigger }}"]\n',
    );
    expect(problems(text)).to.deep.equal([]);
  });
});
