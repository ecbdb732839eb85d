/**
 * Routes stay thin: they parse, call the domain and answer. No HTTP route or console route runs
 * a store transaction or writes the timeline itself; those are domain operations
 * (src/incidents/operations.ts, lifecycle.ts, the engine), shared by the API, the console and
 * the CLI (through the API).
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../../', import.meta.url).pathname;
const ROUTES = [...readdirSync(join(ROOT, 'src/http/routes')).map((f) => join('src/http/routes', f)), 'src/console/routes.ts'];

describe('thin routes', () => {
  it('no route runs a store transaction or appends to the timeline', () => {
    const found: string[] = [];
    for (const file of ROUTES) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const pattern of [/\.transaction\(/, /\.appendTimeline\(/, /\btx\./]) if (pattern.test(text)) found.push(`${file}: ${pattern.source}`);
    }
    expect(ROUTES.length).to.be.greaterThan(5);
    expect(found).to.deep.equal([]);
  });
});
