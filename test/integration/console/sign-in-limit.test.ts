/**
 * The limit on failed operator tokens over HTTP, with a fake clock: a client address that keeps
 * failing at the console's sign-in (or with a bearer token on the API) is refused with 429
 * AUTH_RATE_LIMITED, a clear message and Retry-After, even when it then sends a right token;
 * other addresses are not; guessing from many addresses refuses those that failed, never one
 * that did not; the webhook is never limited; the window frees them again. Client addresses
 * come through X-Forwarded-For from a trusted proxy (127.0.0.1 here).
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKENS, postAlerts } from '../http/harness.ts';
import { cookieOf, replicas, signInResponse, type Replica, type Replicas } from './replicas.ts';

const LIMIT = { perClient: 3, total: 5, windowMs: 600_000 };

describe('failed sign-in limit', () => {
  let r: Replicas;
  let a: Replica;

  beforeEach(async () => {
    r = await replicas();
    a = await r.start(undefined, { config: { auth: { failures: LIMIT }, trustedProxies: ['127.0.0.1'] } });
  });
  afterEach(async () => {
    await r.close();
  });

  const from = (client: string) => ({ 'x-forwarded-for': client });
  const signInFrom = (client: string, token: string) => signInResponse(a, token, from(client));
  const apiFrom = (client: string, token: string) => fetch(`${a.url}/api/v1/incidents`, { headers: { ...from(client), authorization: `Bearer ${token}` } });

  it('refuses a client after its failures, with Retry-After and a message saying when, even with a right token', async () => {
    for (let i = 1; i < LIMIT.perClient; i++) expect((await signInFrom('203.0.113.7', 'wrong-token-0123456789')).status).to.equal(401);
    const last = await signInFrom('203.0.113.7', 'wrong-token-0123456789');
    expect(last.status).to.equal(429);
    expect(await last.text()).to.contain('That is not an operator token of this server.').and.to.contain('Sign-in refused from now on: too many failed attempts with an operator token from your address (3 within 10m): try again in 10m');

    r.clock.advance(60_000);
    const right = await signInFrom('203.0.113.7', TOKENS.responder);
    expect(right.status).to.equal(429);
    expect(right.headers.get('retry-after')).to.equal('540');
    expect(cookieOf(right, 'firebreak_session')).to.equal(undefined);
    expect(await right.text()).to.contain('Sign-in refused: too many failed attempts with an operator token from your address (3 within 10m): try again in 9m');
    // The API counts the same failures for that address; another address is not refused.
    const api = await apiFrom('203.0.113.7', TOKENS.viewer);
    expect(api.status).to.equal(429);
    expect(api.headers.get('retry-after')).to.equal('540');
    expect(await api.json()).to.deep.include({ statusCode: 429, code: 'AUTH_RATE_LIMITED', details: { retryAfterSeconds: 540, scope: 'client' } });
    expect((await signInFrom('198.51.100.1', TOKENS.responder)).status).to.equal(303);

    // Once its first failure has left the window, it may try again.
    r.clock.advance(540_000);
    expect((await signInFrom('203.0.113.7', TOKENS.responder)).status).to.equal(303);
  });

  it('counts wrong bearer tokens on the API, not missing ones, and never limits the webhook', async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${a.url}/api/v1/incidents`, { headers: from('192.0.2.1') })).status).to.equal(401);
    expect((await apiFrom('192.0.2.1', TOKENS.viewer)).status, 'a missing token is no guess').to.equal(200);
    for (let i = 0; i < LIMIT.perClient; i++) expect((await apiFrom('192.0.2.1', 'wrong-token-0123456789')).status).to.equal(401);
    expect((await apiFrom('192.0.2.1', TOKENS.viewer)).status).to.equal(429);
    for (let i = 0; i < 5; i++) {
      const webhook = await fetch(`${a.url}/api/v1/alerts`, { method: 'POST', headers: { ...from('192.0.2.1'), authorization: 'Bearer wrong-webhook-token-0123', 'content-type': 'application/json' }, body: '{}' });
      expect(webhook.status).to.equal(401);
    }
    const accepted = await postAlerts(a.url, readFileSync(join(import.meta.dirname, '../../fixtures/alertmanager/grouped-firing.json'), 'utf8'), from('192.0.2.1'));
    expect(accepted.status).to.equal(200);
  });

  it('refuses the addresses that failed once many addresses failed, never one that did not', async () => {
    for (let i = 1; i < LIMIT.total; i++) expect((await signInFrom(`203.0.113.${i}`, 'wrong-token-0123456789')).status).to.equal(401);
    expect((await signInFrom(`203.0.113.${LIMIT.total}`, 'wrong-token-0123456789')).status, 'the failure that reaches the total').to.equal(429);
    const again = await signInFrom('203.0.113.1', TOKENS.responder);
    expect(again.status).to.equal(429);
    expect(await again.text()).to.contain('from many addresses (5 within 10m), yours among them');
    expect((await signInFrom('198.51.100.9', TOKENS.responder)).status, 'a person who has not failed gets in').to.equal(303);
    r.clock.advance(LIMIT.windowMs);
    expect((await signInFrom('203.0.113.1', TOKENS.responder)).status).to.equal(303);
  });
});
