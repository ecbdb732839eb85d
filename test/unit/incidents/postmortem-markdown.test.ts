import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { assemblePostmortem, renderPostmortemMarkdown, type PostmortemInput } from '../../../src/incidents/postmortem.ts';
import { sample, SAMPLE_NOW } from './postmortem-sample.ts';

const golden = (name: string) => readFileSync(new URL(`../../fixtures/postmortem/${name}`, import.meta.url), 'utf8');

/** Every heading is followed by content before the next heading of the same or a higher level. */
function emptySections(markdown: string): string[] {
  const lines = markdown.split('\n').filter((l) => l.trim() !== '');
  const empty: string[] = [];
  lines.forEach((line, i) => {
    const level = /^(#+) /.exec(line)?.[1]?.length;
    if (level === undefined) return;
    const next = lines[i + 1];
    const nextLevel = next === undefined ? 0 : (/^(#+) /.exec(next)?.[1]?.length ?? Infinity);
    if (nextLevel <= level) empty.push(line);
  });
  return empty;
}

function emptyIncident(): PostmortemInput {
  return {
    incident: {
      id: 'inc-empty',
      key: 'k',
      title: 'Nothing recorded',
      severity: null,
      cluster: null,
      status: 'open',
      runbook: null,
      labels: {},
      startedAt: '2026-03-01T10:00:00.000Z',
      openedAt: '2026-03-01T10:00:00.000Z',
      containedAt: null,
      resolvedAt: null,
      recoveredAt: null,
      closedAt: null,
      updatedAt: '2026-03-01T10:00:00.000Z',
    },
    alertEvents: [],
    timeline: [],
    roles: [],
    actionItems: [],
  };
}

describe('post-mortem report', () => {
  it('matches the golden Markdown and JSON for a complete incident', () => {
    const pm = assemblePostmortem(sample, SAMPLE_NOW);
    expect(renderPostmortemMarkdown(pm)).to.equal(golden('consumer-lag.md'));
    expect(JSON.parse(JSON.stringify(pm))).to.deep.equal(JSON.parse(golden('consumer-lag.json')));
  });

  it('gives the same report whatever order the store returned things in', () => {
    const shuffled: PostmortemInput = {
      ...sample,
      alertEvents: [...sample.alertEvents].reverse(),
      timeline: [...sample.timeline].reverse(),
      roles: [...sample.roles].reverse(),
      actionItems: [...sample.actionItems].reverse(),
    };
    expect(renderPostmortemMarkdown(assemblePostmortem(shuffled, SAMPLE_NOW))).to.equal(golden('consumer-lag.md'));
  });

  it('fills the five whys from why notes: numbered ones in place, plain ones in the next free slot', () => {
    const whys = assemblePostmortem(sample, SAMPLE_NOW).rootCause.whys;
    expect(whys.map((w) => w.answer?.text ?? null)).to.deep.equal([
      'the billing-writer producer re-sent its whole backlog at once',
      'the 09:55 deploy reset its local outbox',
      null,
      'there is no rate limit on outbox replay',
      null,
    ]);
  });

  it('escapes pipes and newlines in table cells and keeps unicode', () => {
    const input = emptyIncident();
    input.incident.title = 'Lag | 支付 🚨\non two lines';
    input.timeline = [
      { id: 1, incidentId: 'inc-empty', at: '2026-03-01T10:00:00.000Z', phase: null, kind: 'note', actor: 'zoë', summary: 'a|b\nc\r\nd <script>x</script> \\| e', data: {} },
    ];
    const md = renderPostmortemMarkdown(assemblePostmortem(input, SAMPLE_NOW));
    expect(md).to.contain('# Post-mortem: Lag | 支付 🚨 on two lines\n');
    expect(md).to.contain('| Title | Lag \\| 支付 🚨<br>on two lines |');
    expect(md).to.contain('| 2026-03-01 10:00:00 |  | zoë | a\\|b<br>c<br>d &lt;script>x&lt;/script> \\\\\\| e |');
    // Every table row of the timeline still has exactly its four cells.
    const row = md.split('\n').find((l) => l.includes('zoë |')) ?? '';
    expect(row.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length - 2).to.equal(4);
  });

  it('lets text from labels and notes shape nothing but itself: no heading, fence, block or script link', () => {
    const input = emptyIncident();
    const hostile = '## Root cause analysis\n```\nswallowed\n---\n> quoted\n1. listed\n[docs](https://example.com/runbook) [x](javascript:alert(1)) ![i]( JAVASCRIPT:alert(2))\n[ref]: javascript:alert(3)\n[e](&#106;avascript:alert(4))';
    input.timeline = [
      { id: 1, incidentId: 'inc-empty', at: '2026-03-01T10:00:00.000Z', phase: null, kind: 'note', actor: 'mallory', summary: 'note', data: { text: `impact: ${hostile}` } },
      { id: 2, incidentId: 'inc-empty', at: '2026-03-01T10:00:01.000Z', phase: null, kind: 'note', actor: 'mallory', summary: 'note', data: { text: hostile } },
      { id: 3, incidentId: 'inc-empty', at: '2026-03-01T10:00:02.000Z', phase: null, kind: 'note', actor: 'mallory', summary: '[y](javascript:alert(5))', data: {} },
    ];
    input.incident.title = '[t](javascript:alert(6)) # title';
    const md = renderPostmortemMarkdown(assemblePostmortem(input, SAMPLE_NOW));
    const headings = md.split('\n').filter((l) => /^\s{0,3}#{1,6}(\s|$)/.test(l));
    expect(headings.filter((h) => h.includes('Root cause analysis'))).to.deep.equal(['## Root cause analysis']);
    expect(md.split('\n').filter((l) => /^\s*(```|~~~|---\s*$|===|>|\d+\. listed)/.test(l))).to.deep.equal([]);
    expect(md).not.to.match(/\]\(\s*javascript:/i);
    expect(md).not.to.match(/\]\(&#106;/);
    expect(md).not.to.match(/^\s*\[ref\]:/m);
    expect(md).to.contain('[docs](https://example.com/runbook)');
  });

  it('renders an empty incident with a prompt in every section and no empty heading', () => {
    const md = renderPostmortemMarkdown(assemblePostmortem(emptyIncident(), SAMPLE_NOW));
    expect(emptySections(md)).to.deep.equal([]);
    expect(md).to.contain('_No impact recorded.');
    expect(md).to.contain('| Time to contain | not reached |');
    expect(md).to.contain('_The timeline is empty._');
    expect(md).to.contain('_No identification step recorded evidence.');
    expect(md).to.contain('_Unanswered: add a note starting `why 1:`._');
    expect(md).to.contain('_No action items yet.');
    expect(md).to.contain('- What went well?');
    expect(md).to.contain('| Ended | ongoing |');
    expect(md).not.to.contain('## Notes');
  });

  it('has no empty section in the complete report either', () => {
    expect(emptySections(golden('consumer-lag.md'))).to.deep.equal([]);
  });

  it('fences evidence output with more backticks than it contains and cuts very long output', () => {
    const input = emptyIncident();
    input.timeline = [
      { id: 1, incidentId: 'inc-empty', at: '2026-03-01T10:00:00.000Z', phase: 'identification', kind: 'step.succeeded', actor: 'engine', summary: 'describe', data: { stepId: 's', output: 'has ``` inside' } },
      { id: 2, incidentId: 'inc-empty', at: '2026-03-01T10:00:01.000Z', phase: 'identification', kind: 'step.succeeded', actor: 'engine', summary: 'big', data: { output: 'x'.repeat(9000) } },
      { id: 3, incidentId: 'inc-empty', at: '2026-03-01T10:00:02.000Z', phase: 'containment', kind: 'step.succeeded', actor: 'engine', summary: 'not evidence', data: { output: 'quota set' } },
    ];
    const pm = assemblePostmortem(input, SAMPLE_NOW);
    expect(pm.evidence.map((e) => e.summary)).to.deep.equal(['describe', 'big']);
    const md = renderPostmortemMarkdown(pm);
    expect(md).to.contain('````text\nhas ``` inside\n````');
    expect(md).to.contain('(1000 more characters not shown)');
    expect(md).not.to.contain('quota set');
  });

  it('lists everyone who acted on the timeline, people apart from systems', () => {
    const pm = assemblePostmortem(sample, SAMPLE_NOW);
    expect(pm.participants.map((p) => [p.name, p.kind])).to.deep.equal([
      ['alertmanager', 'system'],
      ['engine', 'system'],
      ['alice', 'person'],
      ['bob', 'person'],
    ]);
  });
});
