/**
 * The engine hands an action the parameters the action registry validated, defaults filled in:
 * the same ones `firebreak action` and `firebreak simulate` hand it. Steps that leave out a
 * parameter with a default used to reach the action without it.
 */
import { expect } from 'chai';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { QUOTA_PARAM_NAMES } from '../../../src/actions/kafka/actions/quota.ts';
import type { ActionContext } from '../../../src/actions/types.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { templateContext } from '../../../src/engine/context.ts';
import { evaluateStep } from '../../../src/engine/evaluate.ts';
import { guardSettings } from '../../../src/engine/settings.ts';
import type { Alert, Incident } from '../../../src/model/incident.ts';
import { TemplateEngine } from '../../../src/runbooks/template.ts';
import { loadTestRunbooks } from './support/runbooks.ts';

const RUNBOOK = `
name: defaults
description: Every step leaves out a parameter that has a default.
match: ['alertname="X"']
groupBy: [topic]
steps:
  - id: annotate
    phase: containment
    action: grafana.annotate
    with: { text: "lag on {{ labels.topic }}" }
  - id: unquota
    phase: containment
    action: kafka.removeClientQuota
    with: { entity: { client-id: loadgen } }
  - id: call
    phase: containment
    action: http.request
    with: { url: "https://hooks.example.com/kafka" }
  - id: cut
    phase: containment
    action: kafka.cutRetention
    with: { topics: [a, b, c, d, e], retentionMs: 3600000 }
`;

describe('step parameters the engine hands an action', () => {
  const registry = createActionRegistry();
  const [runbook] = loadTestRunbooks(registry, RUNBOOK);
  const clock = new FakeClock('2026-03-01T10:00:00Z');
  const alert: Alert = { fingerprint: 'f', status: 'firing', labels: { alertname: 'X', topic: 'orders' }, annotations: {}, startsAt: '2026-03-01T10:00:00.000Z', endsAt: null, generatorURL: null };
  const incident = { id: 'INC-1', key: 'k', title: 't', severity: null, cluster: null, status: 'open', runbook: 'defaults', labels: {}, startedAt: alert.startsAt, openedAt: alert.startsAt, containedAt: null, resolvedAt: null, recoveredAt: null, closedAt: null, updatedAt: alert.startsAt } satisfies Incident;
  const config = { mode: 'enforce' as const, safety: { minQuotaByteRate: 1024, minRetentionMs: 60_000, protectedTopics: [] } };
  const planned: Record<string, unknown> = {};
  const context: ActionContext = {
    kafka: {} as ActionContext['kafka'],
    clock,
    logger: silentLogger(),
    limits: config.safety,
    integrations: { http: { allowHosts: ['hooks.example.com'], timeoutMs: 1000 } },
  };

  async function evaluate(stepId: string) {
    const step = runbook!.steps.find((s) => s.id === stepId)!;
    return evaluateStep(
      {
        registry,
        templates: new TemplateEngine(),
        plan: async (action, params) => {
          planned[stepId] = params;
          return action.plan(context, params);
        },
      },
      {
        runbook: runbook!,
        step,
        context: templateContext({ incident, alert, steps: {}, params: runbook!.params, trigger: 'firing' }),
        facts: {
          runId: '1',
          incident: { id: incident.id, status: incident.status },
          history: { runs: [], executedSteps: [], touched: { topics: [], clients: [] }, approval: null },
          trigger: 'firing',
          now: clock.now(),
          settings: guardSettings(config, { paused: false }),
        },
      },
    );
  }

  it('grafana.annotate without tags gets [] and plans without INTERNAL', async () => {
    const e = await evaluate('annotate');
    expect(e.error).to.equal(null);
    expect(e.params).to.deep.include({ tags: [] });
    expect(e.planError).to.equal(null);
    expect(e.plan?.summary).to.match(/^annotate Grafana at .* \[firebreak\]: lag on orders$/);
  });

  it('kafka.removeClientQuota without keys gets every managed key', async () => {
    const e = await evaluate('unquota');
    expect(e.error).to.equal(null);
    expect(e.params).to.deep.include({ keys: [...QUOTA_PARAM_NAMES] });
  });

  it('http.request without method is a GET, in its parameters and in its plan', async () => {
    const e = await evaluate('call');
    expect(e.params).to.deep.include({ method: 'GET' });
    expect(e.plan?.summary).to.match(/^GET /);
    expect(e.plan?.summary).not.to.include('undefined');
  });

  it('kafka.cutRetention without maxTopics keeps its cap of 3', async () => {
    const e = await evaluate('cut');
    expect(e.params).to.deep.include({ maxTopics: 3 });
    expect(planned.cut).to.deep.include({ maxTopics: 3 });
  });
});
