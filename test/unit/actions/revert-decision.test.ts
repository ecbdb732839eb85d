import { expect } from 'chai';
import { decideRevert, revertOutcome } from '../../../src/actions/kafka/actions/revert-decision.ts';

const item = (key: string, prior: string | null, applied: string | null, live: string | null) => ({ resource: 'topic:orders', key, prior, applied, live });

describe('revert decision', () => {
  it('restores the prior value where firebreak\'s change is still live', () => {
    const d = decideRevert([item('retention.ms', '604800000', '3600000', '3600000')]);
    expect(d.restore).to.deep.equal([{ resource: 'topic:orders', key: 'retention.ms', from: '3600000', to: '604800000' }]);
    expect(revertOutcome(d)).to.deep.equal({ status: 'reverted', changes: d.restore });
  });

  it('restores "not set" as null, so the key is removed rather than written', () => {
    const d = decideRevert([item('retention.ms', null, '3600000', '3600000')]);
    expect(d.restore[0]?.to).to.equal(null);
  });

  it('reports already-reverted when every key is back at its prior value', () => {
    expect(revertOutcome(decideRevert([item('a', null, '1', null), item('b', '5', '1', '5')]))).to.deep.equal({ status: 'already-reverted' });
  });

  it('does nothing for a change that changed nothing (prior equals applied)', () => {
    expect(revertOutcome(decideRevert([item('a', '1', '1', '1')]))).to.deep.equal({ status: 'already-reverted' });
  });

  it('leaves a value changed behind its back alone and reports the conflict, restoring the other keys', () => {
    const d = decideRevert([item('a', null, '1', '2'), item('b', '7', '1', '1')]);
    expect(d.conflicts).to.deep.equal([{ resource: 'topic:orders', key: 'a', expected: '1', actual: '2' }]);
    expect(d.restore.map((c) => c.key)).to.deep.equal(['b']);
    const outcome = revertOutcome(d);
    expect(outcome.status).to.equal('conflict');
    expect(outcome).to.have.property('changes').that.deep.equals(d.restore);
  });

  it('treats a removed value as a conflict when firebreak had set one', () => {
    expect(decideRevert([item('a', '5', '1', null)]).conflicts).to.have.length(1);
  });
});
