/**
 * The text `firebreak simulate` prints: per alert, the runbook that handles it and the incident
 * key; per simulated incident, each run and its steps in the order the engine took them, with the
 * `when:` result, the parameters, the plan (the changes, from → to) and the guards' decision with
 * its reason. A step whose verdict reads evidence the simulation did not gather says so instead
 * of presenting what it decided without it as the answer.
 */
import type { Simulation, SimulatedAlert, SimulatedIncident, SimulatedRun, SimulatedStep } from '../../engine/index.ts';

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

/** True when the step's verdict reads evidence the simulation does not have. */
export function undecided(step: SimulatedStep): boolean {
  return step.dependsOn.length > 0 || step.planError?.code === 'SIMULATE_NO_KAFKA';
}

function stepLines(step: SimulatedStep, index: number): string[] {
  const kind = step.mutating ? `mutating, revert ${step.revert}${step.approval === 'required' ? ', approval required' : ''}` : 'read-only';
  const lines = [`    ${index + 1}. ${step.id}  ${step.phase}  ${step.action}  (${kind})`];
  if (step.status === 'not-reached') {
    lines.push('       not reached: the run ended or waits before this step');
    return lines;
  }
  const without = undecided(step) ? 'without it, ' : '';
  if (step.dependsOn.length > 0) {
    const read = step.dependsOn.map((d) => `steps.${d.step} (${d.reason})`).join('; ');
    lines.push(`       undecided: reads ${read}; with that evidence the verdict may differ`);
  } else if (step.planError?.code === 'SIMULATE_NO_KAFKA') {
    lines.push('       undecided: the plan needs the live cluster, which was not read (no brokers given)');
  }
  if (step.condition !== null) lines.push(`       ${without}when: ${step.condition}`);
  if (step.params !== null) lines.push(`       params: ${show(step.params)}`);
  if (step.output !== undefined) lines.push(`       evidence: ${clip(show(step.output), 400)}`);
  if (step.notGathered !== null) lines.push(`       evidence: not gathered (${step.notGathered})`);
  if (step.plan !== null) {
    lines.push(`       plan: ${step.plan.summary}`);
    for (const c of step.plan.changes) lines.push(`         ${c.resource} ${c.key}: ${show(c.from)} -> ${show(c.to)}`);
  }
  if (step.planError !== null && step.planError.code !== 'SIMULATE_NO_KAFKA') lines.push(`       ${without}no plan: ${step.planError.code}: ${step.planError.message}`);
  if (step.error !== null) lines.push(`       ${without}error: ${step.error.code}: ${step.error.message}`);
  if (step.decision !== null) lines.push(`       ${without}decision: ${step.decision.verdict} (${step.decision.reason}): ${step.decision.detail}`);
  if (step.mutating && step.status === 'succeeded') lines.push('       (would be applied now; a simulation applies nothing)');
  return lines;
}

function runLines(run: SimulatedRun): string[] {
  const outcome = `${run.outcome}${run.detail === null ? '' : ` (${run.detail})`}`;
  const lines = [
    run.steps.some(undecided)
      ? `  run (${run.trigger}): undecided, it reads evidence this simulation did not gather; without it: ${outcome}`
      : `  run (${run.trigger}): ${outcome}`,
  ];
  if (run.trigger === 'resolved') lines.push(`  reverted first on resolve, when in place: ${run.reverts.length === 0 ? 'nothing' : run.reverts.join(', ')}`);
  lines.push(`  steps (${run.trigger}):${run.steps.length === 0 ? ' none' : ''}`);
  run.steps.forEach((s, i) => lines.push(...stepLines(s, i)));
  return lines;
}

function alertLines(alert: SimulatedAlert): string[] {
  const lines = [`alert ${alert.labels['alertname'] ?? '(no alertname)'} ${labelSet(alert.labels)} ${alert.status}`];
  if (alert.runbook === null) lines.push('  runbook: none matches (an evidence-only incident, no step runs)');
  else {
    const others = alert.matching.slice(1);
    lines.push(`  runbook: ${alert.runbook}${others.length === 0 ? '' : ` (also matching, lower in selection: ${others.join(', ')})`}`);
  }
  lines.push(`  incident key: ${alert.incidentKey}`);
  return lines;
}

function incidentLines(incident: SimulatedIncident): string[] {
  const lines = [`incident ${incident.key}: ${incident.status}${incident.runbook === null ? ', no runbook' : `, runbook ${incident.runbook}`}`];
  if (incident.runbook !== null && incident.runs.length === 0) lines.push('  no run: nothing in this notification asks for one');
  for (const run of incident.runs) lines.push(...runLines(run));
  for (const title of incident.followUps) lines.push(`  follow-up: ${title}`);
  return lines;
}

/** The whole simulation as text; `kafka` names the cluster plans read, or null when none. */
export function formatSimulation(sim: Simulation, kafka: string | null): string {
  const header = [
    `mode: ${sim.mode}${sim.paused ? ' (automation paused)' : ''}`,
    kafka === null
      ? 'Kafka: none given (--brokers): the cluster is not read, so Kafka evidence is not gathered and Kafka changes are not planned (floors, caps and protected topics not checked)'
      : `Kafka: ${kafka} (evidence and plans read live state, change nothing)`,
    'nothing was changed and nothing was stored',
  ];
  const body = [
    ...sim.rejected.flatMap((r) => ['', `alert #${r.index} rejected: ${r.path} ${r.message}`]),
    ...sim.alerts.flatMap((a) => ['', ...alertLines(a)]),
    ...sim.incidents.flatMap((i) => ['', ...incidentLines(i)]),
  ];
  return `${[...header, ...body].join('\n')}\n`;
}
