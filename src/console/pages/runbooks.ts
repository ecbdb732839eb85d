/**
 * The runbooks page: the set in force, the problems `validate` finds in the files now (a reload
 * would refuse them; the set in force stays), each runbook's last runs, and a form that simulates
 * a pasted Alertmanager payload through the engine's own code (nothing is executed).
 */
import type { Simulation, SimulatedStep } from '../../engine/simulate.ts';
import { formatDiagnostic, type RunbookDiagnostic } from '../../runbooks/diagnostics.ts';
import type { Runbook } from '../../runbooks/types.ts';
import type { EngineRun } from '../../model/engine.ts';
import { html, jsonBlock, type Html } from '../html.ts';
import { formFields, page, time, type PageContext } from './layout.ts';

export interface RunbooksInput {
  runbooks: readonly Runbook[];
  /** Problems in the runbook files as they are on disk now. */
  diagnostics: RunbookDiagnostic[];
  runs: Map<string, EngineRun[]>;
  payload: string;
  simulation: Simulation | null;
  simulationError: string | null;
}

function runbookSection(r: Runbook, runs: EngineRun[], diagnostics: RunbookDiagnostic[]): Html {
  return html`<article aria-labelledby="runbook-${r.name}">
<h2 id="runbook-${r.name}">${r.name}</h2>
<p>${r.description}</p>
<dl class="facts"><dt>File</dt><dd>${r.origin.file}:${r.origin.line}</dd><dt>Matches</dt><dd>${r.matchSource.join(', ')}</dd><dt>Groups by</dt><dd>${r.groupBy.join(', ') || '—'}</dd></dl>
${diagnostics.length === 0 ? '' : html`<p class="error">Problems in its file now: ${diagnostics.map(formatDiagnostic).join('; ')}</p>`}
<table><caption class="muted">Steps</caption><thead><tr><th scope="col">Step</th><th scope="col">Phase</th><th scope="col">Runs on</th><th scope="col">Action</th><th scope="col">Changes things</th><th scope="col">Approval</th><th scope="col">Revert</th></tr></thead><tbody>
${r.steps.map((s) => html`<tr><td>${s.id}${s.description === null ? '' : html`<div class="muted">${s.description}</div>`}</td><td>${s.phase}</td><td>${s.on}</td><td>${s.action}</td><td>${s.mutating ? 'yes' : 'no'}</td><td>${s.approval}</td><td>${s.revert}</td></tr>`)}
</tbody></table>
<h3>Last runs</h3>
${runs.length === 0 ? html`<p class="muted">No run yet.</p>` : html`<table><thead><tr><th scope="col">Requested</th><th scope="col">Incident</th><th scope="col">Trigger</th><th scope="col">Status</th><th scope="col">Detail</th></tr></thead><tbody>${runs.map(
    (run) => html`<tr><td>${time(run.requestedAt)}</td><td><a href="/incidents/${encodeURIComponent(run.incidentId)}">${run.incidentId}</a></td><td>${run.trigger}</td><td>${run.status}</td><td>${run.detail ?? ''}</td></tr>`,
  )}</tbody></table>`}
</article>`;
}

/** The steps the simulated engine took for the incident an alert went to. */
function stepsOf(simulation: Simulation, incidentId: string | null): SimulatedStep[] {
  return simulation.incidents.find((i) => i.id === incidentId)?.runs.flatMap((r) => r.steps) ?? [];
}

/** Why a step's verdict is not final: it reads evidence the simulation did not gather. */
function undecidedNote(step: SimulatedStep): string | null {
  if (step.dependsOn.length === 0) return null;
  return `undecided: reads ${step.dependsOn.map((d) => `steps.${d.step} (${d.reason})`).join(', ')}`;
}

function simulationResult(simulation: Simulation): Html {
  return html`<section id="simulation" aria-labelledby="simulation-heading"><h2 id="simulation-heading">Simulation (mode ${simulation.mode}${simulation.paused ? ', paused' : ''})</h2>
${simulation.alerts.map(
  (a) => html`<h3>${a.labels.alertname ?? 'alert'} (${a.status}): ${a.runbook === null ? 'no runbook matches: an evidence-only incident' : `runbook ${a.runbook}`}</h3>
<p>Incident key: ${a.incidentKey}${a.matching.length > 1 ? `; also matching: ${a.matching.slice(1).join(', ')}` : ''}</p>
${stepsOf(simulation, a.incidentId).length === 0 ? '' : html`<table><thead><tr><th scope="col">Step</th><th scope="col">Action</th><th scope="col">Decision</th><th scope="col">Parameters</th><th scope="col">Problem</th></tr></thead><tbody>${stepsOf(simulation, a.incidentId).map(
    (s) => html`<tr><td>${s.id}</td><td>${s.action}</td><td>${s.decision === null ? '—' : `${s.decision.verdict} (${s.decision.reason})`}</td><td>${s.params === null ? '—' : jsonBlock(s.params)}</td><td>${undecidedNote(s) ?? s.error?.message ?? s.planError?.message ?? ''}</td></tr>`,
  )}</tbody></table>`}`,
)}
</section>`;
}

export function runbooksPage(ctx: PageContext, input: RunbooksInput): Html {
  const byFile = (r: Runbook) => input.diagnostics.filter((d) => d.file === r.origin.file);
  const body = html`<h1>Runbooks (${input.runbooks.length} in force)</h1>
${input.diagnostics.length === 0
  ? html`<p>The runbook files are valid as they are now.</p>`
  : html`<section class="error" aria-labelledby="problems-heading"><h2 id="problems-heading">Problems in the runbook files (${input.diagnostics.length})</h2><p>A reload would refuse these files; the runbooks in force stay as listed below.</p><ul>${input.diagnostics.map((d) => html`<li>${formatDiagnostic(d)}</li>`)}</ul></section>`}
<section aria-labelledby="simulate-heading"><h2 id="simulate-heading">Simulate an Alertmanager payload</h2>
<form method="post" action="/runbooks/simulate" class="stack">${formFields(ctx)}
<label for="payload">Webhook payload (JSON, version 4)</label><textarea id="payload" name="payload" rows="10" required>${input.payload}</textarea>
<button type="submit">Simulate (nothing is executed)</button></form>
${input.simulationError === null ? '' : html`<p class="error" role="alert">${input.simulationError}</p>`}
${input.simulation === null ? '' : simulationResult(input.simulation)}
</section>
${input.runbooks.map((r) => runbookSection(r, input.runs.get(r.name) ?? [], byFile(r)))}`;
  return page(ctx, { title: 'Runbooks', body });
}
