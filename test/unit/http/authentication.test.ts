import { expect } from 'chai';
import type { AuthSettings } from '../../../src/config/credentials.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { ACCEPTED_HEADERS_CACHED, createAuthenticator } from '../../../src/http/auth.ts';

const settings: AuthSettings = {
  disabled: false,
  webhook: { token: 'webhook-token-0123456789', basicAuth: { username: 'am', password: 'basic-password-0123' } },
  apiTokens: [
    { name: 'alice', role: 'responder', token: 'alice-token-0123456789' },
    { name: 'grafana', role: 'viewer', token: 'grafana-token-0123456789' },
  ],
};

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FirebreakError);
    return `${(err as FirebreakError).statusCode} ${(err as FirebreakError).code}`;
  }
  return 'no error';
}

describe('authentication', () => {
  const auth = createAuthenticator(settings);

  it('identifies operator tokens by name and role, and the webhook token', () => {
    expect(auth.identify('Bearer alice-token-0123456789')).to.deep.equal({ kind: 'operator', name: 'alice', role: 'responder' });
    expect(auth.identify('bearer   grafana-token-0123456789')).to.deep.equal({ kind: 'operator', name: 'grafana', role: 'viewer' });
    expect(auth.identify('Bearer webhook-token-0123456789')).to.deep.equal({ kind: 'webhook', name: 'alertmanager' });
  });

  it('accepts the webhook basic auth credentials and nothing close to them', () => {
    expect(auth.identify(basic('am', 'basic-password-0123'))).to.deep.equal({ kind: 'webhook', name: 'alertmanager' });
    expect(codeOf(() => auth.identify(basic('am', 'basic-password-012')))).to.equal('401 AUTH_INVALID');
    expect(codeOf(() => auth.identify(basic('AM', 'basic-password-0123')))).to.equal('401 AUTH_INVALID');
    expect(codeOf(() => auth.identify(basic('am', 'basic-password-0123:')))).to.equal('401 AUTH_INVALID');
  });

  it('answers AUTH_MISSING without credentials and AUTH_INVALID for wrong or malformed ones', () => {
    expect(codeOf(() => auth.identify(undefined))).to.equal('401 AUTH_MISSING');
    expect(codeOf(() => auth.identify('  '))).to.equal('401 AUTH_MISSING');
    expect(codeOf(() => auth.identify('Bearer alice-token-012345678'))).to.equal('401 AUTH_INVALID');
    expect(codeOf(() => auth.identify('Bearer alice-token-01234567890'))).to.equal('401 AUTH_INVALID');
    expect(codeOf(() => auth.identify('Token alice-token-0123456789'))).to.equal('401 AUTH_INVALID');
    expect(codeOf(() => auth.identify('Bearer'))).to.equal('401 AUTH_INVALID');
    expect(codeOf(() => auth.identify('Basic bm9jb2xvbg=='))).to.equal('401 AUTH_INVALID');
  });

  it('gives the same answers for headers it has accepted before, and never remembers a refusal', () => {
    const fresh = createAuthenticator(settings);
    // More distinct accepted headers than are remembered (spacing and case of the scheme vary).
    const accepted = Array.from({ length: ACCEPTED_HEADERS_CACHED + 4 }, (_, i) => `${i % 2 === 0 ? 'Bearer' : 'bearer'}${' '.repeat(1 + i)}alice-token-0123456789`);
    for (let round = 0; round < 2; round++) {
      for (const header of accepted) expect(fresh.identify(header), header).to.deep.equal({ kind: 'operator', name: 'alice', role: 'responder' });
      expect(codeOf(() => fresh.identify('Bearer alice-token-012345678'))).to.equal('401 AUTH_INVALID');
      expect(fresh.identify(basic('am', 'basic-password-0123'))).to.deep.equal({ kind: 'webhook', name: 'alertmanager' });
      expect(codeOf(() => fresh.identify(basic('am', 'basic-password-012')))).to.equal('401 AUTH_INVALID');
    }
  });

  it('remembers webhook headers only: spellings of an operator token never crowd out the webhook header', () => {
    const fresh = createAuthenticator(settings);
    const spellings = Array.from({ length: ACCEPTED_HEADERS_CACHED + 4 }, (_, i) => `${i % 2 === 0 ? 'Bearer' : 'bearer'}${' '.repeat(1 + i)}grafana-token-0123456789`);
    for (const header of spellings) expect(fresh.identify(header)).to.deep.equal({ kind: 'operator', name: 'grafana', role: 'viewer' });
    expect(fresh.rememberedHeaders).to.equal(0);
    expect(fresh.identify('Bearer webhook-token-0123456789')).to.deep.equal({ kind: 'webhook', name: 'alertmanager' });
    expect(fresh.identify(basic('am', 'basic-password-0123'))).to.deep.equal({ kind: 'webhook', name: 'alertmanager' });
    expect(fresh.rememberedHeaders).to.equal(2);
    expect(codeOf(() => fresh.identify('Bearer webhook-token-012345678'))).to.equal('401 AUTH_INVALID');
    expect(fresh.rememberedHeaders).to.equal(2);
  });

  it('refuses basic auth when none is configured', () => {
    const bearerOnly = createAuthenticator({ ...settings, webhook: { token: 'webhook-token-0123456789' } });
    expect(codeOf(() => bearerOnly.identify(basic('am', 'basic-password-0123')))).to.equal('401 AUTH_INVALID');
  });

  it('lets everyone in as anonymous when authentication is disabled', () => {
    const open = createAuthenticator({ disabled: true, webhook: {}, apiTokens: [] });
    expect(open.identify(undefined)).to.deep.equal({ kind: 'anonymous', name: 'anonymous' });
    expect(open.identify('Bearer whatever')).to.deep.equal({ kind: 'anonymous', name: 'anonymous' });
  });

  it('rejects everything when no credential of a kind exists', () => {
    const none = createAuthenticator({ disabled: false, webhook: {}, apiTokens: [] });
    expect(codeOf(() => none.identify('Bearer '))).to.equal('401 AUTH_INVALID');
    expect(codeOf(() => none.identify('Bearer anything-at-all-000'))).to.equal('401 AUTH_INVALID');
  });
});
