/** Reloading runbooks keeps the last good set when the new one has any problem. */
import { expect } from 'chai';
import { loadRunbookSources, type RunbookSource } from '../../../src/runbooks/load.ts';
import { RunbookSet } from '../../../src/runbooks/set.ts';
import { ParamsValidator } from '../../../src/runbooks/params.ts';
import { RunbookSchemaValidator } from '../../../src/runbooks/schema.ts';
import { TemplateEngine } from '../../../src/runbooks/template.ts';
import { TestCatalog } from './support/test-catalog.ts';

const deps = { catalog: new TestCatalog(), schema: new RunbookSchemaValidator(), templates: new TemplateEngine(), validator: new ParamsValidator() };

function doc(name: string, alertname: string): string {
  return `name: ${name}
description: test
match: ['alertname="${alertname}"']
groupBy: []
steps:
  - id: lag
    phase: identification
    action: kafka.consumerGroupLag
    with: { group: x }
`;
}

describe('RunbookSet reload', () => {
  // The files of a runbook directory, held in memory and edited between reloads.
  let files: RunbookSource[];
  const set = (): RunbookSet => new RunbookSet(async () => loadRunbookSources(files, deps));

  beforeEach(() => {
    files = [
      { file: 'lag.yaml', text: doc('lag', 'KafkaLag') },
      { file: 'disk.yaml', text: doc('disk', 'KafkaDisk') },
    ];
  });

  it('starts empty, then holds the loaded runbooks', async () => {
    const runbooks = set();
    expect(runbooks.runbooks).to.deep.equal([]);
    expect(runbooks.version).to.equal(0);
    const outcome = await runbooks.reload();
    expect(outcome).to.deep.equal({ ok: true, diagnostics: [], runbooks: 2, version: 1 });
    expect(runbooks.get('disk')?.name).to.equal('disk');
    expect(runbooks.select({ alertname: 'KafkaLag' })?.name).to.equal('lag');
    expect(Object.isFrozen(runbooks.runbooks)).to.equal(true);
  });

  it('keeps the last good set when one file breaks, and returns the problems', async () => {
    const runbooks = set();
    await runbooks.reload();
    files[0] = { file: 'lag.yaml', text: doc('lag', 'KafkaLag').replace('phase: identification', 'phase: identfication') };
    files.push({ file: 'new.yaml', text: doc('new', 'KafkaNew') });
    const outcome = await runbooks.reload();
    expect(outcome.ok).to.equal(false);
    expect(outcome.version).to.equal(1);
    expect(outcome.diagnostics.map((d) => `${d.file}:${d.line} ${d.code}`)).to.deep.equal(['lag.yaml:7 RUNBOOK_SCHEMA']);
    expect(runbooks.runbooks.map((r) => r.name)).to.deep.equal(['lag', 'disk']);
    expect(runbooks.select({ alertname: 'KafkaNew' }), 'nothing of the failed load is in force').to.equal(null);
  });

  it('swaps in the new set once it is fixed: removed runbooks go, new ones come', async () => {
    const runbooks = set();
    await runbooks.reload();
    files = [{ file: 'disk.yaml', text: doc('disk', 'KafkaDisk2') }];
    const outcome = await runbooks.reload();
    expect(outcome).to.deep.equal({ ok: true, diagnostics: [], runbooks: 1, version: 2 });
    expect(runbooks.get('lag')).to.equal(undefined);
    expect(runbooks.select({ alertname: 'KafkaDisk' })).to.equal(null);
    expect(runbooks.select({ alertname: 'KafkaDisk2' })?.name).to.equal('disk');
  });

  it('runs overlapping reloads one after the other', async () => {
    const order: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const runbooks = new RunbookSet(async () => {
      const n = ++calls;
      order.push(`start ${n}`);
      if (n === 1) await gate;
      order.push(`end ${n}`);
      return loadRunbookSources(files, deps);
    });
    const first = runbooks.reload();
    const second = runbooks.reload();
    release();
    const outcomes = await Promise.all([first, second]);
    expect(order).to.deep.equal(['start 1', 'end 1', 'start 2', 'end 2']);
    expect(outcomes.map((o) => o.version)).to.deep.equal([1, 2]);
  });

  it('leaves the set unchanged when the loader itself fails, and can reload afterwards', async () => {
    let broken = false;
    const runbooks = new RunbookSet(async () => {
      if (broken) throw new Error('disk gone');
      return loadRunbookSources(files, deps);
    });
    await runbooks.reload();
    broken = true;
    let caught: unknown;
    try {
      await runbooks.reload();
    } catch (err) {
      caught = err;
    }
    expect((caught as Error).message).to.equal('disk gone');
    expect(runbooks.runbooks.map((r) => r.name)).to.deep.equal(['lag', 'disk']);
    expect(runbooks.version).to.equal(1);
    broken = false;
    expect((await runbooks.reload()).version).to.equal(2);
  });
});
