/**
 * Contract: console sessions. Found by id hash until they expire, across a reopen (another
 * replica sees the same rows), ended by sign-out, expired ones pruned, a duplicate id refused.
 */
import { expect } from 'chai';
import type { ConsoleSession } from '../../../src/store/types.ts';
import { rejection, unique, type ContractContext } from './contract-fixtures.ts';

function session(overrides: Partial<ConsoleSession> = {}): ConsoleSession {
  return {
    idHash: unique('session-hash'),
    operator: 'alice',
    role: 'responder',
    tokenHash: 'f'.repeat(64),
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T12:00:00.000Z',
    ...overrides,
  };
}

export function sessionsContract(ctx: ContractContext): void {
  describe('console sessions', () => {
    it('finds a session until it expires, from a reopened store too', async () => {
      const store = await ctx.open();
      const s = session();
      await store.createSession(s);
      expect(await store.session(s.idHash, '2026-01-01T11:59:59.999Z')).to.deep.equal(s);
      expect(await store.session(s.idHash, '2026-01-01T12:00:00.000Z'), 'at its expiry').to.equal(null);
      expect(await store.session(unique('other'), '2026-01-01T01:00:00.000Z')).to.equal(null);
      await store.close();
      const reopened = await ctx.open();
      expect(await reopened.session(s.idHash, '2026-01-01T06:00:00.000Z')).to.deep.equal(s);
    });

    it('ends a session on sign-out, once', async () => {
      const store = await ctx.open();
      const s = session({ role: 'viewer', operator: 'grafana' });
      await store.createSession(s);
      expect(await store.deleteSession(s.idHash)).to.equal(true);
      expect(await store.session(s.idHash, '2026-01-01T01:00:00.000Z')).to.equal(null);
      expect(await store.deleteSession(s.idHash)).to.equal(false);
    });

    it('prunes expired sessions and keeps the others', async () => {
      const store = await ctx.open();
      const old = session({ expiresAt: '2020-01-01T00:00:00.000Z', createdAt: '2019-12-31T12:00:00.000Z' });
      const current = session({ expiresAt: '2999-01-01T00:00:00.000Z' });
      await store.createSession(old);
      await store.createSession(current);
      expect(await store.deleteExpiredSessions('2026-01-01T00:00:00.000Z')).to.be.at.least(1);
      expect(await store.session(current.idHash, '2026-01-01T00:00:00.000Z')).to.deep.equal(current);
      expect(await store.deleteSession(old.idHash)).to.equal(false);
    });

    it('refuses a second session with the same id hash', async () => {
      const store = await ctx.open();
      const s = session();
      await store.createSession(s);
      const error = await rejection(store.createSession({ ...s, operator: 'mallory' }), 'STORE_CONSTRAINT');
      expect(error.code).to.equal('STORE_CONSTRAINT');
      expect((await store.session(s.idHash, '2026-01-01T01:00:00.000Z'))?.operator).to.equal('alice');
    });
  });
}
