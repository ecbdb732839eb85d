/**
 * Step outputs as tables, not JSON: an array of objects becomes a table with one column per key,
 * an object a two-column table of its fields, nested values the same way a level down; beyond
 * that (or for very large values) a JSON block. Values are text.
 */
import { html, jsonBlock, type Html } from '../html.ts';

const MAX_ROWS = 200;
const MAX_DEPTH = 3;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cell(value: unknown, depth: number): Html | string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'object') return String(value);
  return valueTable(value, depth + 1);
}

export function valueTable(value: unknown, depth = 0): Html {
  if (depth > MAX_DEPTH) return jsonBlock(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return html`<p class="muted">none</p>`;
    if (value.every(isRecord)) {
      const columns = [...new Set(value.flatMap((row) => Object.keys(row)))];
      const shown = value.slice(0, MAX_ROWS);
      return html`<table><thead><tr>${columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead><tbody>${shown.map(
        (row) => html`<tr>${columns.map((c) => html`<td>${cell(row[c], depth)}</td>`)}</tr>`,
      )}</tbody></table>${value.length > MAX_ROWS ? html`<p class="muted">${value.length - MAX_ROWS} more rows not shown (the post-mortem JSON has them all).</p>` : ''}`;
    }
    return html`<ul>${value.slice(0, MAX_ROWS).map((v) => html`<li>${cell(v, depth)}</li>`)}</ul>`;
  }
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return html`<p class="muted">empty</p>`;
    return html`<table><tbody>${entries.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${cell(v, depth)}</td></tr>`)}</tbody></table>`;
  }
  return html`${value === null || value === undefined ? '—' : String(value)}`;
}

/** `plan.changes` as a table: resource, key, value now, value after. */
export function changesTable(plan: unknown, labels: { from: string; to: string } = { from: 'Now', to: 'After' }): Html {
  const changes = (plan as { changes?: unknown } | null)?.changes;
  if (!Array.isArray(changes) || changes.length === 0) return html`<p class="muted">No change recorded.</p>`;
  const show = (v: unknown) => (v === null || v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v));
  return html`<table><thead><tr><th scope="col">Resource</th><th scope="col">Key</th><th scope="col">${labels.from}</th><th scope="col">${labels.to}</th></tr></thead><tbody>${(changes as Array<Record<string, unknown>>).map(
    (c) => html`<tr><td>${String(c.resource)}</td><td>${String(c.key)}</td><td>${show(c.from)}</td><td>${show(c.to)}</td></tr>`,
  )}</tbody></table>`;
}
