/**
 * A firing run is taken, its incident's releases under way stopped and its episode settled in
 * one transaction: between the commit that asks for the run and the commit of its first step's
 * claim there is one commit, not three (each is an fsync the containment waits for).
 */
import { expect } from 'chai';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';
import { observeTransactions } from './support/observe-store.ts';
import { THROTTLE_RUNBOOK } from './support/runbooks.ts';

describe('engine: one commit takes a firing run', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  it('takes the run, stops releases and settles the episode in the commit before the first claim', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    const transactions: string[][] = [];
    observeTransactions(env.store, (methods) => transactions.push(methods));
    await env.deliver(lagNotification());
    const asked = transactions.findIndex((m) => m.includes('createRun'));
    const claimed = transactions.findIndex((m) => m.includes('claimStep'));
    expect(asked, 'the run request').to.be.at.least(0);
    const between = transactions.slice(asked + 1, claimed);
    expect(between, JSON.stringify(between)).to.have.length(1);
    expect(between[0]).to.include.members(['updateRun', 'cancelTimers', 'stepClaims']);
    const id = await onlyIncident(env.store);
    expect((await env.store.runs({ incidentId: id })).map((r) => r.status)).to.deep.equal(['succeeded']);
  });

});
