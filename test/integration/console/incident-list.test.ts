/**
 * The console's incident list over HTTP against a real SQLite store holding more incidents than
 * one page: the cluster and severity filters find incidents older than the newest page (the
 * store filters before the page is cut), the pager walks every incident once, and a page costs
 * the same few store reads whatever the number of incidents on it.
 */
import { expect } from 'chai';
import type { Incident } from '../../../src/model/incident.ts';
import type { Store } from '../../../src/store/types.ts';
import { TOKENS } from '../http/harness.ts';
import { newIncident } from '../store/contract-fixtures.ts';
import { replicas, signIn, type Replica, type Replicas } from './replicas.ts';

/** Counts the store calls made through it, by method. */
function counting(store: Store, calls: Map<string, number>): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        calls.set(property, (calls.get(property) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const idsOn = (html: string): string[] => [...html.matchAll(/<a href="\/incidents\/([A-Za-z0-9_-]+)">/g)].map((m) => m[1] ?? '');
const olderLink = (html: string) => /<a href="(\/\?[^"]*cursor=[^"]+)">Older incidents<\/a>/.exec(html)?.[1]?.replaceAll('&amp;', '&');

describe('console incident list', () => {
  let r: Replicas;
  let a: Replica;
  let cookie: string;
  const calls = new Map<string, number>();
  const made: Incident[] = [];

  before(async () => {
    r = await replicas();
    a = await r.start(undefined, { wrap: (store) => counting(store, calls) });
    // 30 old incidents of a rare cluster, then 230 newer ones elsewhere: the rare ones are far
    // beyond the newest page.
    for (let i = 0; i < 260; i++) {
      const rare = i < 30;
      made.push(
        await a.store.createIncident(
          newIncident({ cluster: rare ? 'rare-cluster' : 'main', severity: rare && i % 2 === 0 ? 'critical' : 'warning', openedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString() }),
        ),
      );
    }
    cookie = await signIn(a, TOKENS.viewer);
  });
  after(async () => {
    await r.close();
  });

  const get = async (path: string) => {
    const response = await fetch(`${a.url}${path}`, { headers: { cookie } });
    expect(response.status, path).to.equal(200);
    return response.text();
  };

  it('finds incidents older than the newest page by cluster and severity', async () => {
    const rare = await get('/?cluster=rare-cluster');
    expect(idsOn(rare)).to.have.members(made.slice(0, 30).map((i) => i.id));
    expect(olderLink(rare)).to.equal(undefined);
    const critical = await get('/?cluster=rare-cluster&severity=critical');
    expect(idsOn(critical)).to.have.members(made.slice(0, 30).filter((_, i) => i % 2 === 0).map((i) => i.id));
    const either = await get(`/?cluster=${encodeURIComponent('rare-cluster, nowhere')}&severity=critical`);
    expect(idsOn(either)).to.have.length(15);
    expect(either).to.contain('value="rare-cluster, nowhere"');
    expect(await get('/?cluster=nowhere')).to.contain('No incidents match these filters.');
  });

  it('pages through every incident once, filters kept on every page', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/';
    for (let pages = 0; path !== undefined && pages < 10; pages++) {
      const html = await get(path);
      seen.push(...idsOn(html));
      path = olderLink(html);
    }
    expect(seen).to.have.length(made.length);
    expect(new Set(seen)).to.deep.equal(new Set(made.map((i) => i.id)));

    const first = await get('/?severity=warning');
    const next = olderLink(first);
    expect(next).to.match(/^\/\?severity=warning&cursor=/);
    const second = await get(next!);
    expect(idsOn(second).every((id) => made.find((i) => i.id === id)?.severity === 'warning')).to.equal(true);
    expect(second).to.contain('Newest incidents');
    const refused = await fetch(`${a.url}/?cursor=not-a-cursor`, { headers: { cookie } });
    expect(refused.status).to.equal(400);
    expect(await refused.text()).to.contain('CONSOLE_INVALID_FORM');
  });

  it('costs a few store reads per page, not reads per incident', async () => {
    calls.clear();
    const html = await get('/');
    expect(idsOn(html)).to.have.length(100);
    const total = [...calls.values()].reduce((sum, n) => sum + n, 0);
    expect(Object.fromEntries(calls), 'store calls of one page load').to.include({ incidentSummaries: 1 });
    expect(calls.get('stepClaims') ?? 0).to.equal(0);
    expect(calls.get('approvals') ?? 0).to.be.at.most(1);
    expect(total).to.be.at.most(6);
  });
});
