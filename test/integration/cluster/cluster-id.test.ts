import { expect } from 'chai';
import { newClusterId } from '../../../scripts/kafka/node-config.ts';

describe('KRaft cluster ids', () => {
  it('are 16 random bytes in base64url that never start with "-" (StorageTool would read an option)', () => {
    // One raw id in 64 starts with '-': 5000 draws would meet hundreds of them.
    const ids = Array.from({ length: 5000 }, () => newClusterId());
    for (const id of ids) {
      expect(id).to.match(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).to.have.length(16);
    }
    expect(new Set(ids).size).to.equal(ids.length);
  });
});
