import { expect } from 'chai';
import { MATCH_DEFAULT, MATCH_EXACT } from '../../../src/actions/kafka/protocol/describe-client-quotas.ts';
import { describeFilter, entityFromWire, entityLabel, entityToWire } from '../../../src/actions/kafka/quotas.ts';

describe('quota entities', () => {
  it('turns user, client-id, both and default entities into wire components, user first', () => {
    expect(entityToWire({ 'client-id': 'app1' })).to.deep.equal([{ entityType: 'client-id', entityName: 'app1' }]);
    expect(entityToWire({ 'client-id': 'app1', user: 'alice' })).to.deep.equal([
      { entityType: 'user', entityName: 'alice' },
      { entityType: 'client-id', entityName: 'app1' },
    ]);
    expect(entityToWire({ user: null })).to.deep.equal([{ entityType: 'user', entityName: null }]);
  });

  it('reads wire components back, and refuses entity types outside the model', () => {
    expect(entityFromWire([{ entityType: 'user', entityName: null }, { entityType: 'client-id', entityName: 'x' }])).to.deep.equal({
      user: null,
      'client-id': 'x',
    });
    expect(Object.keys(entityFromWire([{ entityType: 'client-id', entityName: 'x' }, { entityType: 'user', entityName: 'u' }]) ?? {})).to.deep.equal([
      'user',
      'client-id',
    ]);
    expect(entityFromWire([{ entityType: 'ip', entityName: '10.0.0.1' }])).to.equal(null);
  });

  it('filters by exact name, or by the default entity for a null name', () => {
    expect(describeFilter({ entity: { user: 'alice', 'client-id': null }, strict: true })).to.deep.equal({
      components: [
        { entityType: 'user', matchType: MATCH_EXACT, match: 'alice' },
        { entityType: 'client-id', matchType: MATCH_DEFAULT, match: null },
      ],
      strict: true,
    });
    expect(describeFilter()).to.deep.equal({ components: [], strict: false });
  });

  it('labels entities for messages', () => {
    expect(entityLabel({ user: null, 'client-id': 'app1' })).to.equal('user=<default>,client-id=app1');
    expect(entityLabel({})).to.equal('<empty>');
  });
});
