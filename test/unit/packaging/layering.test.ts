import { expect } from 'chai';
import { dirname, join, normalize, sep } from 'node:path';
import { readRepoFile, repoSourceFiles } from './promql.ts';

// The stages of src/ in layers, lowest first: a module may import from its own layer and the
// layers below it, never from one above (docs/decisions.md, "Layers"). The bottom holds what
// every stage shares: core (clock, logger, errors, durations, JSON Schema) and model (the
// domain's types and vocabularies). A new folder under src/ fails here until it is given a layer.
const LAYERS: readonly (readonly string[])[] = [
  ['core', 'errors.ts'],
  ['model'],
  ['config'],
  ['metrics'],
  ['store'],
  ['actions'],
  ['runbooks'],
  ['incidents'],
  ['engine'],
  ['record'],
  ['ingest'],
  ['http'],
  ['console'],
  ['app.ts'],
  ['cli'],
  ['main.ts'],
];

const RANK: ReadonlyMap<string, number> = new Map(LAYERS.flatMap((names, rank) => names.map((name) => [name, rank] as const)));

/** The first path segment under src/: a folder, or a top-level file. */
function unit(path: string): string {
  return path.slice('src/'.length).split('/')[0] as string;
}

/** Relative module specifiers `text` imports or re-exports (static, type-only, dynamic, side effect); comments ignored. */
export function importedPaths(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const match of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\1/g)) out.push(match[2] as string);
  return out;
}

/** `file -> target` for each import of `file` that reaches into a higher layer. */
function violations(file: string, text: string): string[] {
  const from = RANK.get(unit(file));
  if (from === undefined) return [`${file}: src/${unit(file)} has no layer`];
  return importedPaths(text)
    .map((specifier) => normalize(join(dirname(file), specifier)).split(sep).join('/'))
    .filter((target) => target.startsWith('src/'))
    .filter((target) => (RANK.get(unit(target)) ?? Infinity) > from)
    .map((target) => `${file} -> ${target}`);
}

describe('layering of src/', () => {
  it('finds every form of a relative import and ignores comments and packages', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../model/b.ts';",
      "export { c } from '../c.ts';",
      "export type * from './d.ts';",
      "import './e.ts';",
      "const f = await import('../f.ts');",
      'import {',
      '  g,',
      "} from '../g.ts';",
      "// import { h } from '../h.ts';",
      "/** see import('../i.ts') */",
      "import express from 'express';",
      "import { join } from 'node:path';",
    ].join('\n');
    expect(importedPaths(text)).to.deep.equal(['./a.ts', '../model/b.ts', '../c.ts', './d.ts', './e.ts', '../f.ts', '../g.ts']);
  });

  it('flags an import from a higher layer and a folder without a layer', () => {
    expect(violations('src/store/x.ts', "import type { Incident } from '../incidents/model.ts';")).to.deep.equal(['src/store/x.ts -> src/incidents/model.ts']);
    expect(violations('src/engine/x.ts', "import type { Store } from '../store/types.ts';")).to.deep.equal([]);
    expect(violations('src/widgets/x.ts', '')).to.deep.equal(['src/widgets/x.ts: src/widgets has no layer']);
  });

  it('no module imports from a layer above its own', () => {
    const files = repoSourceFiles('src');
    expect(files.length).to.be.greaterThan(100);
    expect(files.flatMap((file) => violations(file, readRepoFile(file)))).to.deep.equal([]);
  });
});
