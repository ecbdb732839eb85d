import { expect } from 'chai';
import { parseNote } from '../../../src/incidents/notes.ts';

describe('note tags', () => {
  it('reads the documented tags, case-insensitively, and strips them', () => {
    expect(parseNote('why: producers doubled their rate')).to.deep.equal({ tag: 'why', whyIndex: null, text: 'producers doubled their rate' });
    expect(parseNote('Why 3:  a deploy')).to.deep.equal({ tag: 'why', whyIndex: 3, text: 'a deploy' });
    expect(parseNote('why #5: no review')).to.deep.equal({ tag: 'why', whyIndex: 5, text: 'no review' });
    expect(parseNote('ROOT-CAUSE: missing quota')).to.deep.equal({ tag: 'root-cause', whyIndex: null, text: 'missing quota' });
    expect(parseNote('root cause: missing quota').tag).to.equal('root-cause');
    expect(parseNote('rootcause: missing quota').tag).to.equal('root-cause');
    expect(parseNote('lesson: alert earlier\nsecond line')).to.deep.equal({ tag: 'lesson', whyIndex: null, text: 'alert earlier\nsecond line' });
    expect(parseNote('impact: invoices late')).to.deep.equal({ tag: 'impact', whyIndex: null, text: 'invoices late' });
  });

  it('leaves other notes untagged, including tags it does not know and whys beyond five', () => {
    expect(parseNote('  looked at the dashboard ')).to.deep.equal({ tag: null, whyIndex: null, text: 'looked at the dashboard' });
    expect(parseNote('todo: check quotas').tag).to.equal(null);
    expect(parseNote('why 6: too deep').tag).to.equal(null);
    expect(parseNote('whyever: x').tag).to.equal(null);
  });
});
