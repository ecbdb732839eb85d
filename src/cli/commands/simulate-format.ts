/**
 * The text `firebreak simulate` prints: per alert, the runbook that handles it, the incident key,
 * and per step the `when:` result, the rendered parameters, the plan (the changes, from → to) and
 * the guards' decision with its reason, in the order the engine would run them.
 */
import type { Simulation, SimulatedAlert, SimulatedStep } from '../../engine/index.ts';

function labelSet(labels: Record<string, string>): string {
  const names = Object.keys(labels).filter((k) => k !== 'alertname').sort();
  return `{${names.map((k) => `${k}="${labels[k]}"`).join(', ')}}`;
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

function stepLines(step: SimulatedStep, index: number): string[] {
  const kind = step.mutating ? `mutating, revert ${step.revert}${step.approval === 'required' ? ', approval required' : ''}` : 'read-only';
  const lines = [`    ${index + 1}. ${step.id}  ${step.phase}  ${step.action}  (${kind})`];
  if (step.condition !== null) lines.push(`       when: ${step.condition}`);
  if (step.params !== null) lines.push(`       params: ${show(step.params)}`);
  if (step.output !== undefined) lines.push(`       evidence: ${clip(show(step.output), 400)}`);
  if (step.plan !== null) {
    lines.push(`       plan: ${step.plan.summary}`);
    for (const c of step.plan.changes) lines.push(`         ${c.resource} ${c.key}: ${show(c.from)} -> ${show(c.to)}`);
  }
  if (step.planError !== null) lines.push(`       no plan: ${step.planError.code}: ${step.planError.message}`);
  if (step.error !== null) lines.push(`       error: ${step.error.code}: ${step.error.message}`);
  if (step.decision !== null) lines.push(`       decision: ${step.decision.verdict} (${step.decision.reason}): ${step.decision.detail}`);
  return lines;
}

function alertLines(alert: SimulatedAlert): string[] {
  const lines = [`alert ${alert.labels['alertname'] ?? '(no alertname)'} ${labelSet(alert.labels)} ${alert.status}`];
  if (alert.runbook === null) {
    lines.push('  runbook: none matches (an evidence-only incident, no step runs)');
    lines.push(`  incident key: ${alert.incidentKey}`);
    return lines;
  }
  const others = alert.matching.slice(1);
  lines.push(`  runbook: ${alert.runbook}${others.length === 0 ? '' : ` (also matching, lower in selection: ${others.join(', ')})`}`);
  lines.push(`  incident key: ${alert.incidentKey}`);
  if (alert.trigger === 'resolved') lines.push(`  reverted first on resolve: ${alert.reverts.length === 0 ? 'nothing' : alert.reverts.join(', ')}`);
  lines.push(`  steps (${alert.trigger}):${alert.steps.length === 0 ? ' none' : ''}`);
  alert.steps.forEach((s, i) => lines.push(...stepLines(s, i)));
  for (const f of alert.followUps) lines.push(f.error === null ? `  follow-up: ${f.title ?? ''}` : `  follow-up error: ${f.error.code}: ${f.error.message}`);
  return lines;
}

/** The whole simulation as text; `kafka` names the cluster plans read, or null when none. */
export function formatSimulation(sim: Simulation, kafka: string | null): string {
  const header = [
    `mode: ${sim.mode}${sim.paused ? ' (automation paused)' : ''}`,
    kafka === null ? 'Kafka: none given (--brokers): Kafka changes are not planned, so floors, caps and protected topics are not checked' : `Kafka: ${kafka} (evidence and plans read live state, change nothing)`,
    'nothing was changed and nothing was stored',
  ];
  const body = sim.alerts.flatMap((a) => ['', ...alertLines(a)]);
  return `${[...header, ...body].join('\n')}\n`;
}
