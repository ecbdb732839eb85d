/**
 * The OpenAPI document and the express router describe the same API: every route registered is
 * documented and every documented operation is routed. Also: the document is well-formed enough
 * for tools (OpenAPI 3.1, operation responses, a role on every operator operation) and is served.
 */
import { expect } from 'chai';
import type { Express } from 'express';
import { buildOpenApiDocument } from '../../../src/http/openapi.ts';
import { startHarness, type Harness } from './harness.ts';

interface RouteLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** `METHOD /path/{param}` for every route on the app's router. */
function routerOperations(app: Express): string[] {
  const stack = (app as unknown as { router: { stack: RouteLayer[] } }).router.stack;
  const operations: string[] = [];
  for (const layer of stack) {
    if (layer.route === undefined) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const path of paths) {
      for (const [method, enabled] of Object.entries(layer.route.methods)) {
        if (enabled && method !== '_all') operations.push(`${method.toUpperCase()} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
      }
    }
  }
  return operations.sort();
}

function documentOperations(document: Record<string, any>): string[] {
  const operations: string[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(item)) operations.push(`${method.toUpperCase()} ${path}`);
  }
  return operations.sort();
}

describe('OpenAPI document', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('documents exactly the routes the app serves', () => {
    const routed = routerOperations(h.app.express);
    const documented = documentOperations(buildOpenApiDocument('test'));
    expect(routed.length).to.be.at.least(13);
    expect(routed.filter((op) => !documented.includes(op)), 'routed but not documented').to.deep.equal([]);
    expect(documented.filter((op) => !routed.includes(op)), 'documented but not routed').to.deep.equal([]);
  });

  it('is served at /api/v1/openapi.json without credentials, as OpenAPI 3.1', async () => {
    const response = await fetch(`${h.baseUrl}/api/v1/openapi.json`);
    expect(response.status).to.equal(200);
    const document = (await response.json()) as Record<string, any>;
    expect(document.openapi).to.equal('3.1.0');
    expect(document.info.version).to.match(/^\d+\.\d+\.\d+/);
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) {
        expect(Object.keys(operation.responses), `${method} ${path}`).to.not.be.empty;
        if (path.startsWith('/api/v1/incidents')) expect(operation['x-firebreak-role'], `${method} ${path}`).to.be.oneOf(['viewer', 'responder']);
      }
    }
    const refs = JSON.stringify(document).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    for (const ref of new Set(refs)) expect(document.components.schemas, ref).to.have.property(ref.split('/').at(-1)!);
  });
});
