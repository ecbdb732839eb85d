/**
 * Fixture runbooks beside the exact diagnostics they must produce, like Alertmanager's config
 * tests: every `invalid/<case>.yaml` is loaded alone and its diagnostics, one
 * `file:line:col: CODE: path: message` line each, must equal `invalid/<case>.expected.txt`.
 * The fixtures are read (never written) from test/fixtures/runbooks.
 */
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from '../../../src/runbooks/diagnostics.ts';
import { loadRunbookSources, loadRunbooks, type RunbookSource } from '../../../src/runbooks/load.ts';
import { ParamsValidator } from '../../../src/runbooks/params.ts';
import { RunbookSchemaValidator } from '../../../src/runbooks/schema.ts';
import { TemplateEngine } from '../../../src/runbooks/template.ts';
import { TestCatalog } from './support/test-catalog.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/runbooks');

function sources(dir: string, names: string[]): RunbookSource[] {
  return names.map((name) => ({ file: name, text: readFileSync(join(dir, name), 'utf8') }));
}

function expectedLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
}

describe('runbook fixtures', () => {
  // One set of compiled schemas for the whole file, as a server keeps between reloads.
  const catalog = new TestCatalog();
  const deps = { catalog, schema: new RunbookSchemaValidator(), templates: new TemplateEngine(), validator: new ParamsValidator() };
  const invalidDir = join(FIXTURES, 'invalid');
  const cases = readdirSync(invalidDir).filter((n) => n.endsWith('.yaml')).sort();

  it('has an expected-output file for every invalid fixture', () => {
    expect(cases.length).to.be.greaterThan(10);
    for (const name of cases) {
      expect(readdirSync(invalidDir), name).to.include(name.replace(/\.yaml$/, '.expected.txt'));
    }
  });

  for (const name of cases) {
    it(`reports exactly the expected problems of invalid/${name}`, () => {
      const result = loadRunbookSources(sources(invalidDir, [name]), deps);
      expect(result.runbooks, 'an invalid file yields no runbook').to.deep.equal([]);
      expect(result.diagnostics.map(formatDiagnostic)).to.deep.equal(expectedLines(join(invalidDir, name.replace(/\.yaml$/, '.expected.txt'))));
    });
  }

  it('rejects a runbook name defined twice across files, keeping the first and dropping the whole second file', () => {
    const dir = join(FIXTURES, 'duplicate-names');
    const result = loadRunbookSources(sources(dir, ['a.yaml', 'b.yaml']), deps);
    expect(result.diagnostics.map(formatDiagnostic)).to.deep.equal(expectedLines(join(dir, 'expected.txt')));
    expect(result.runbooks.map((r) => [r.name, r.origin.file])).to.deep.equal([['lag', 'a.yaml']]);
  });

  it('collects the problems of every file in one load, in file order', () => {
    const names = ['unknown-action.yaml', 'bad-indent.yaml', 'duplicate-step.yaml'];
    const result = loadRunbookSources(sources(invalidDir, names), deps);
    expect(result.diagnostics.map((d) => [d.file, d.code])).to.deep.equal([
      ['unknown-action.yaml', 'RUNBOOK_UNKNOWN_ACTION'],
      ['bad-indent.yaml', 'RUNBOOK_YAML_SYNTAX'],
      ['duplicate-step.yaml', 'RUNBOOK_DUPLICATE_STEP'],
    ]);
  });

  it('places the first definition of a duplicated name in a file of several documents, empty ones and comments among them', () => {
    const body = (name: string): string => `name: ${name}\ndescription: d\nmatch: ['alertname="X"']\ngroupBy: []\nsteps:\n  - id: lag\n    phase: identification\n    action: kafka.consumerGroupLag\n    with: { group: a }\n`;
    const multi = `# two runbooks\n---\n---\n${body('one')}---\n# the second\n  \n${body('two')}`;
    const result = loadRunbookSources([{ file: 'multi.yaml', text: multi }, { file: 'again.yaml', text: `\n${body('two')}` }], deps);
    // "two" starts on line 16 of multi.yaml (after the comment and a blank line); its name value at column 7.
    expect(result.diagnostics.map(formatDiagnostic)).to.deep.equal(['again.yaml:2:7: RUNBOOK_DUPLICATE_NAME: name: runbook "two" is already defined at multi.yaml:16:7']);
    expect(result.runbooks.map((r) => [r.name, r.origin])).to.deep.equal([
      ['one', { file: 'multi.yaml', line: 4, column: 1 }],
      ['two', { file: 'multi.yaml', line: 16, column: 1 }],
    ]);
  });

  it('loads the valid directory: every *.yaml, several runbooks per file, no diagnostics', async () => {
    const dir = join(FIXTURES, 'valid');
    const result = await loadRunbooks([dir], deps);
    expect(result.diagnostics.map(formatDiagnostic)).to.deep.equal([]);
    expect(result.files).to.deep.equal([join(dir, 'consumer-lag.yaml'), join(dir, 'disk-and-replication.yaml')]);
    expect(result.runbooks.map((r) => r.name)).to.deep.equal([
      'consumer-lag-throttle-producers',
      'disk-filling-shorten-retention',
      'under-replicated-evidence',
      'everything-else-kafka',
    ]);
    const second = result.runbooks[2];
    expect(second?.origin).to.deep.equal({ file: join(dir, 'disk-and-replication.yaml'), line: 18, column: 1 });
  });

  it('reports a path that does not exist as RUNBOOK_FILE and still loads the others', async () => {
    const missing = join(FIXTURES, 'no-such-dir');
    const result = await loadRunbooks([missing, join(FIXTURES, 'valid', 'consumer-lag.yaml')], deps);
    expect(result.diagnostics.map(formatDiagnostic)).to.deep.equal([`${missing}:1:1: RUNBOOK_FILE: cannot read: ENOENT`]);
    expect(result.runbooks.map((r) => r.name)).to.deep.equal(['consumer-lag-throttle-producers']);
  });
});
