import { expect } from 'chai';
import { readRepoFile, repoSourceFiles } from './promql.ts';

// Only the Kafka module may import kafkajs (the client is pinned, unmaintained, and meant to be
// swappable behind src/actions/kafka/types.ts). This reads the sources and fails on any module
// specifier `kafkajs` or `kafkajs/...` outside that folder: static imports and re-exports
// (type-only included), side-effect imports, dynamic import() and require(). Mentions of the
// name in comments and strings are not imports and pass.

const ALLOWED = 'src/actions/kafka/';

/** Matches an import of kafkajs or one of its subpaths in TypeScript source. */
const KAFKAJS_IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"`])kafkajs(?:\/[^'"`]*)?\1/;

/** Lines of `text` that import kafkajs, as `file:line: text`. */
function kafkajsImports(file: string, text: string): string[] {
  return text
    .split('\n')
    .map((line, i) => ({ line, n: i + 1 }))
    .filter(({ line }) => !/^\s*(\*|\/\/)/.test(line) && KAFKAJS_IMPORT.test(line))
    .map(({ line, n }) => `${file}:${n}: ${line.trim()}`);
}

describe('kafkajs boundary', () => {
  it('recognises every form of importing kafkajs and ignores mere mentions', () => {
    const imports = [
      "import { Kafka } from 'kafkajs';",
      'import type { Admin } from "kafkajs";',
      "import 'kafkajs';",
      "export { logLevel } from 'kafkajs';",
      "const m = await import('kafkajs');",
      "const Decoder = require('kafkajs/src/protocol/decoder');",
    ];
    for (const line of imports) expect(kafkajsImports('x.ts', line), line).to.have.length(1);
    const mentions = [
      "const child = logger.child({ component: 'kafkajs' });",
      " * kafkajs 2.2.4 (pinned) re-arms its request queue's throttle check",
      "// only src/actions/kafka/ imports 'kafkajs'",
      "import { x } from './kafkajs-bridge.ts';",
    ];
    for (const line of mentions) expect(kafkajsImports('x.ts', line), line).to.deep.equal([]);
  });

  it('no file under src/ outside src/actions/kafka/ imports kafkajs', () => {
    const files = repoSourceFiles('src');
    expect(files.length).to.be.greaterThan(50);
    const inside = files.filter((f) => f.startsWith(ALLOWED));
    expect(inside.flatMap((f) => kafkajsImports(f, readRepoFile(f))), 'the Kafka module itself uses kafkajs').to.not.deep.equal([]);
    const offenders = files.filter((f) => !f.startsWith(ALLOWED)).flatMap((f) => kafkajsImports(f, readRepoFile(f)));
    expect(offenders).to.deep.equal([]);
  });
});
