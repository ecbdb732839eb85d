/** The console's building blocks: text is never markup, forms come from this origin, cookies are strict. */
import { expect } from 'chai';
import type { Request } from 'express';
import { html } from '../../../src/console/html.ts';
import { CONTENT_SECURITY_POLICY, sameOrigin } from '../../../src/console/security.ts';
import { csrfFor, readCookie } from '../../../src/console/sessions.ts';

function request(headers: Record<string, string>): Request {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { headers: lower, get: (name: string) => lower[name.toLowerCase()] } as unknown as Request;
}

describe('console building blocks', () => {
  it('escapes every interpolated value, and nests html templates as they are', () => {
    const label = '<img src=x onerror="alert(1)"> & \'quoted\'';
    const out = html`<td title="${label}">${label}</td>${html`<b>${'bold'}</b>`}${[1, null, false, undefined, 'x']}`;
    expect(out.value).to.equal('<td title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;quoted&#39;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;quoted&#39;</td><b>bold</b>1x');
  });

  it('accepts a form post from its own origin or with no origin headers, and refuses another site', () => {
    expect(sameOrigin(request({ host: 'fb.example.com', origin: 'https://fb.example.com' }))).to.equal(true);
    expect(sameOrigin(request({ host: 'fb.example.com', referer: 'https://fb.example.com/incidents/INC-1' }))).to.equal(true);
    expect(sameOrigin(request({ host: 'fb.example.com' }))).to.equal(true);
    expect(sameOrigin(request({ host: 'fb.example.com', origin: 'https://evil.example.net' }))).to.equal(false);
    expect(sameOrigin(request({ host: 'fb.example.com', origin: 'null' }))).to.equal(false);
    expect(sameOrigin(request({ host: 'fb.example.com', referer: 'not a url' }))).to.equal(false);
  });

  it('derives a CSRF token per session, and reads cookies by exact name', () => {
    expect(csrfFor('a'.repeat(43))).to.equal(csrfFor('a'.repeat(43)));
    expect(csrfFor('a'.repeat(43))).not.to.equal(csrfFor('b'.repeat(43)));
    expect(readCookie(request({ cookie: 'x_firebreak_session=1; firebreak_session=abc; other=2' }), 'firebreak_session')).to.equal('abc');
    expect(readCookie(request({ cookie: 'other=2' }), 'firebreak_session')).to.equal(undefined);
  });

  it('allows only this server\'s own scripts and styles', () => {
    expect(CONTENT_SECURITY_POLICY).to.contain("default-src 'none'").and.to.contain("script-src 'self'").and.to.contain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.to.contain('unsafe');
  });
});
