/**
 * Console sessions over HTTP, with two app instances on one SQLite file standing for two
 * replicas behind a load balancer: a session signed in on one works on the other, sign-out on one
 * ends it on both, a session expires after console.sessionTtlMs, a token withdrawn from the
 * configuration ends its sessions, and a form post without the session's CSRF token or from
 * another origin is refused.
 */
import { expect } from 'chai';
import { TEST_AUTH, TOKENS } from '../http/harness.ts';
import { cookieOf, replicas, signInResponse, SESSION_TTL_MS as TTL_MS, type Replica, type Replicas } from './replicas.ts';

describe('console sessions across replicas', () => {
  let r: Replicas;
  let clock: Replicas['clock'];
  const replica = (auth = TEST_AUTH) => r.start(auth);

  beforeEach(async () => {
    r = await replicas();
    clock = r.clock;
  });
  afterEach(async () => {
    await r.close();
  });

  /** Signs in through the form; returns the session cookie (`name=value`). */
  async function signIn(r: Replica, token: string): Promise<string> {
    const response = await signInResponse(r, token);
    expect(response.status).to.equal(303);
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('firebreak_session='))!;
    expect(setCookie).to.contain('HttpOnly').and.to.contain('SameSite=Strict').and.to.contain(`Max-Age=${TTL_MS / 1000}`).and.not.to.contain('Secure');
    return setCookie.split(';')[0]!;
  }

  const page = (r: Replica, cookie: string, path = '/') => fetch(`${r.url}${path}`, { redirect: 'manual', headers: { cookie } });

  async function csrf(r: Replica, cookie: string): Promise<string> {
    return /name="_csrf" value="([^"]+)"/.exec(await (await page(r, cookie)).text())![1]!;
  }

  it('works on any replica, and sign-out on one ends it on both', async () => {
    const a = await replica();
    const b = await replica();
    const cookie = await signIn(a, TOKENS.responder);
    const onB = await page(b, cookie);
    expect(onB.status).to.equal(200);
    expect(await onB.text()).to.contain('alice (responder)');
    const out = await fetch(`${b.url}/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: b.url },
      body: new URLSearchParams({ _csrf: await csrf(b, cookie) }),
    });
    expect([out.status, out.headers.get('location')]).to.deep.equal([303, '/sign-in?signedOut=1']);
    const onA = await page(a, cookie);
    expect([onA.status, onA.headers.get('location')]).to.deep.equal([303, '/sign-in?next=%2F']);
  });

  it('expires after the session lifetime', async () => {
    const a = await replica();
    const cookie = await signIn(a, TOKENS.viewer);
    clock.advance(TTL_MS - 1_000);
    expect((await page(a, cookie)).status).to.equal(200);
    clock.advance(1_000);
    expect((await page(a, cookie)).status).to.equal(303);
  });

  it('ends the sessions of a token withdrawn from the configuration', async () => {
    const a = await replica();
    const cookie = await signIn(a, TOKENS.responder);
    const withdrawn = await replica({ ...TEST_AUTH, apiTokens: TEST_AUTH.apiTokens.filter((t) => t.token !== TOKENS.responder) });
    expect((await page(withdrawn, cookie)).status).to.equal(303);
    expect((await page(a, cookie)).status, 'the session row is gone').to.equal(303);
  });

  it('refuses a form post without the CSRF token, or from another origin, and a wrong token at sign-in', async () => {
    const a = await replica();
    const cookie = await signIn(a, TOKENS.admin);
    const token = await csrf(a, cookie);
    const post = (headers: Record<string, string>, body: Record<string, string>) =>
      fetch(`${a.url}/sign-out`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers }, body: new URLSearchParams(body) });
    const missing = await post({ origin: a.url }, {});
    expect(missing.status).to.equal(403);
    expect(await missing.text()).to.contain('CONSOLE_CSRF');
    expect((await post({ origin: 'https://evil.example.net' }, { _csrf: token })).status).to.equal(403);
    expect((await page(a, cookie)).status, 'still signed in').to.equal(200);

    const form = await fetch(`${a.url}/sign-in`);
    const challenge = /name="_challenge" value="([^"]+)"/.exec(await form.text())![1]!;
    const wrong = await fetch(`${a.url}/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieOf(form, 'firebreak_sign_in')!, origin: a.url },
      body: new URLSearchParams({ _challenge: challenge, token: TOKENS.webhook }),
    });
    expect(wrong.status).to.equal(401);
    expect(wrong.headers.getSetCookie().some((c) => c.startsWith('firebreak_session=') && !c.startsWith('firebreak_session=;'))).to.equal(false);
    const noChallenge = await fetch(`${a.url}/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: a.url },
      body: new URLSearchParams({ token: TOKENS.admin }),
    });
    expect(noChallenge.status).to.equal(403);
  });

  it('serves every page with a strict Content-Security-Policy', async () => {
    const a = await replica();
    const signInPage = await fetch(`${a.url}/sign-in`);
    expect(signInPage.headers.get('content-security-policy')).to.contain("default-src 'none'");
    expect(signInPage.headers.get('x-frame-options')).to.equal('DENY');
    const html = await signInPage.text();
    expect(html).not.to.match(/<script(?![^>]*\bsrc=)/);
    expect(html).not.to.contain('style=');
  });
});
