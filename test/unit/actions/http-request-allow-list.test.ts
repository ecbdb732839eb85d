import { expect } from 'chai';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { assertHostAllowed, entryAllows, parseHttpUrl } from '../../../src/actions/http/allow-list.ts';
import { requestHeaders, statusAccepted } from '../../../src/actions/http/request.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { integrationContext } from '../../support/integration-context.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as FirebreakError).code;
  }
  return 'no error';
}

describe('http.request allow-list', () => {
  it('matches host names case-insensitively, with or without a port', () => {
    const url = parseHttpUrl('http://Connect.Example:8083/connectors/sink/pause');
    expect(entryAllows('connect.example', url)).to.equal(true);
    expect(entryAllows('connect.example:8083', url)).to.equal(true);
    expect(entryAllows('connect.example:8084', url)).to.equal(false);
    expect(entryAllows('example', url)).to.equal(false);
  });

  it('compares a port entry with the scheme default when the URL has none', () => {
    expect(entryAllows('api.example:443', parseHttpUrl('https://api.example/x'))).to.equal(true);
    expect(entryAllows('api.example:443', parseHttpUrl('http://api.example/x'))).to.equal(false);
  });

  it('lets *. match subdomains only, never the bare domain or a look-alike', () => {
    expect(entryAllows('*.svc.local', parseHttpUrl('http://scaler.ns.svc.local/'))).to.equal(true);
    expect(entryAllows('*.svc.local', parseHttpUrl('http://svc.local/'))).to.equal(false);
    expect(entryAllows('*.svc.local', parseHttpUrl('http://evilsvc.local/'))).to.equal(false);
  });

  it('matches bracketed IPv6 literals', () => {
    expect(entryAllows('[::1]:8080', parseHttpUrl('http://[::1]:8080/'))).to.equal(true);
  });

  it('refuses hosts not on the list (and everything with an empty list), and non-http URLs', () => {
    expect(code(() => assertHostAllowed(parseHttpUrl('http://other.example/'), ['connect.example']))).to.equal('HTTP_HOST_NOT_ALLOWED');
    expect(code(() => assertHostAllowed(parseHttpUrl('http://connect.example/'), []))).to.equal('HTTP_HOST_NOT_ALLOWED');
    expect(code(() => parseHttpUrl('file:///etc/passwd'))).to.equal('HTTP_URL_INVALID');
    expect(code(() => parseHttpUrl('not a url'))).to.equal('HTTP_URL_INVALID');
  });

  it('checks the allow-list when planning, so a blocked request is refused before it is approved', async () => {
    const registry = createActionRegistry();
    const action = registry.get('http.request');
    const ctx = integrationContext({ http: { allowHosts: ['connect.example'], timeoutMs: 1_000 } });
    const plan = await action.plan(ctx, registry.validateParams('http.request', { url: 'http://connect.example/connectors/s/pause', method: 'PUT' }));
    expect(plan.summary).to.equal('PUT http://connect.example/connectors/s/pause');
    try {
      await action.plan(ctx, registry.validateParams('http.request', { url: 'http://169.254.169.254/latest/meta-data' }));
      expect.fail('planned a request to a host that is not allowed');
    } catch (err) {
      expect((err as FirebreakError).code).to.equal('HTTP_HOST_NOT_ALLOWED');
    }
    try {
      await action.plan(integrationContext({}), registry.validateParams('http.request', { url: 'http://connect.example/' }));
      expect.fail('planned a request with no allow-list');
    } catch (err) {
      expect((err as FirebreakError).code).to.equal('HTTP_NOT_CONFIGURED');
    }
  });

  it('accepts 2xx by default, or exactly the statuses listed', () => {
    expect(statusAccepted(204, undefined)).to.equal(true);
    expect(statusAccepted(302, undefined)).to.equal(false);
    expect(statusAccepted(409, [200, 409])).to.equal(true);
    expect(statusAccepted(200, 202)).to.equal(false);
  });

  it('refuses headers the transport owns, whatever their case', () => {
    expect(requestHeaders({ 'X-Reason': 'firebreak', Accept: 'text/plain' })).to.deep.equal({ 'x-reason': 'firebreak', accept: 'text/plain' });
    expect(code(() => requestHeaders({ Host: 'internal.example' }))).to.equal('HTTP_HEADER_NOT_ALLOWED');
    expect(code(() => requestHeaders({ 'Content-Length': '0' }))).to.equal('HTTP_HEADER_NOT_ALLOWED');
  });

  it('is mutating and never reverted', () => {
    const action = createActionRegistry().get('http.request');
    expect([action.mutating, action.defaultRevert, action.revert]).to.deep.equal([true, 'never', undefined]);
  });
});
