/**
 * The escaping filters, and the shipped consumer-lag recovery query with a hostile consumer-group
 * name: before, a `"` in the label ended the matcher and could turn the query into one that
 * always passes its `< 1000` check.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { loadRunbookSources } from '../../../src/runbooks/load.ts';
import { catalogFromRegistry } from '../../../src/runbooks/params.ts';
import { TemplateEngine, type TemplateContext } from '../../../src/runbooks/template.ts';

const REPO = join(import.meta.dirname, '../../..');

function context(labels: Record<string, string>, params: Record<string, unknown> = {}): TemplateContext {
  return {
    labels,
    annotations: {},
    alert: { fingerprint: 'f', status: 'resolved', startsAt: '2026-01-01T00:00:00Z', endsAt: null, generatorURL: null },
    incident: { id: 'i', key: 'k', title: 't', status: 'resolved', severity: null, cluster: null, runbook: null, startedAt: '2026-01-01T00:00:00Z', openedAt: '2026-01-01T00:00:00Z' },
    steps: {},
    params,
    trigger: 'resolved',
  };
}

/** The label matchers of a PromQL selector, read the way PromQL reads double-quoted strings. */
function matchers(query: string): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const m of query.matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) found.push([m[1] as string, JSON.parse(`"${m[2] as string}"`) as string]);
  return found;
}

describe('escaping filters', () => {
  const templates = new TemplateEngine();

  it('promql_label keeps any value inside its double-quoted label matcher', () => {
    const hostile = 'billing"} or vector(0) or {x="\\\nend';
    const out = templates.render('up{group="{{ labels.g | promql_label }}"}', context({ g: hostile }));
    expect(out).to.equal('up{group="billing\\"} or vector(0) or {x=\\"\\\\\\nend"}');
    expect(matchers(String(out))).to.deep.equal([['group', hostile]]);
  });

  it('url_segment percent-encodes one path segment, dot segments included', () => {
    expect(templates.render('/groups/{{ labels.g | url_segment }}', context({ g: 'a/b?c#d é' }))).to.equal('/groups/a%2Fb%3Fc%23d%20%C3%A9');
    expect(templates.render('/groups/{{ labels.g | url_segment }}', context({ g: '..' }))).to.equal('/groups/%2E%2E');
    expect(templates.render('/groups/{{ labels.g | url_segment }}', context({ g: 'v1.2' }))).to.equal('/groups/v1.2');
  });

  it('keeps the shipped consumer-lag recovery query about the alerting group, whatever its name', () => {
    const registry = createActionRegistry();
    const text = readFileSync(join(REPO, 'runbooks', 'consumer-lag.yaml'), 'utf8');
    const [runbook] = loadRunbookSources([{ file: 'consumer-lag.yaml', text }], { catalog: catalogFromRegistry(registry) }).runbooks;
    const verify = runbook!.steps.find((s) => s.action === 'prometheus.query')!;
    const labels = { cluster: 'prod', consumergroup: 'billing",consumergroup!="', topic: 'orders' };
    const query = String(templates.render((verify.with as { query: string }).query, context(labels, runbook!.params)));
    expect(matchers(query)).to.deep.equal([
      ['cluster', 'prod'],
      ['consumergroup', 'billing",consumergroup!="'],
      ['topic', 'orders'],
    ]);
  });
});
