/** YAML values come with the line and column of every key and value, by JSON pointer. */
import { expect } from 'chai';
import { parseYaml, positionOf, type YamlDocument } from '../../../src/runbooks/yaml-source.ts';

function docs(text: string): YamlDocument[] {
  const result = parseYaml(text, 'x.yaml');
  if (!result.ok) throw new Error(result.error.message);
  return result.documents;
}

describe('YAML positions', () => {
  const text = [
    'name: "quoted"', // 1
    "match: ['a=\"b\"', c]", // 2
    'steps:', // 3
    '  - id: a', // 4
    '    with: {x: 1, y: [1, 2]}', // 5
    '    empty:', // 6
    '  - &shared {id: b}', // 7
    '  - *shared', // 8
    'a/b~c: 1', // 9
  ].join('\n');
  const [doc] = docs(text) as [YamlDocument];

  it('builds the same value js-yaml loads', () => {
    expect(doc.value).to.deep.equal({
      name: 'quoted',
      match: ['a="b"', 'c'],
      steps: [{ id: 'a', with: { x: 1, y: [1, 2] }, empty: null }, { id: 'b' }, { id: 'b' }],
      'a/b~c': 1,
    });
  });

  it('maps pointers to values (at the opening quote) and keys', () => {
    expect(doc.positions.get('/name')).to.deep.equal({ value: { line: 1, column: 7 }, key: { line: 1, column: 1 } });
    expect(doc.positions.get('/match/1')?.value).to.deep.equal({ line: 2, column: 18 });
    expect(doc.positions.get('/steps/0/with/y/1')?.value).to.deep.equal({ line: 5, column: 25 });
    expect(doc.positions.get('/steps/1')?.value, 'an anchored node starts at its anchor').to.deep.equal({ line: 7, column: 5 });
    expect(doc.positions.get('/steps/2')?.value, 'an alias').to.deep.equal({ line: 8, column: 5 });
    expect(doc.positions.get('/a~1b~0c')?.key).to.deep.equal({ line: 9, column: 1 });
  });

  it('puts an empty value at its key, and a pointer into an alias at the alias', () => {
    expect(positionOf(doc, '/steps/0/empty')).to.deep.equal({ line: 6, column: 5 });
    expect(positionOf(doc, '/steps/2/id')).to.deep.equal({ line: 8, column: 5 });
    expect(positionOf(doc, '/nothing/here')).to.deep.equal({ line: 1, column: 1 });
    expect(positionOf(doc, '/steps/0/with', true)).to.deep.equal({ line: 5, column: 5 });
  });

  it('keeps one map per document of a multi-document file', () => {
    const [first, second] = docs('a: 1\n---\n# comment\nb:\n  c: 2\n') as [YamlDocument, YamlDocument];
    expect(first.value).to.deep.equal({ a: 1 });
    expect(second.positions.get('/b/c')).to.deep.equal({ value: { line: 5, column: 6 }, key: { line: 5, column: 3 } });
    expect(second.start).to.deep.equal({ line: 4, column: 1 });
  });

  it('reports syntax errors with a 1-based position instead of throwing', () => {
    expect(parseYaml('a: 1\na: 2\n', 'x.yaml')).to.deep.equal({
      ok: false,
      error: { message: 'duplicated mapping key', position: { line: 2, column: 1 } },
    });
    const bomb = `a: &a [x]\n${Array.from({ length: 120 }, (_, i) => `k${i}: *a`).join('\n')}\n`;
    const refused = parseYaml(bomb, 'x.yaml');
    expect(refused.ok).to.equal(false);
  });

  it('does not treat << as a merge key', () => {
    const [merged] = docs('base: &b {x: 1}\nuse:\n  <<: *b\n') as [YamlDocument];
    expect(merged.value).to.deep.equal({ base: { x: 1 }, use: { '<<': { x: 1 } } });
  });
});
