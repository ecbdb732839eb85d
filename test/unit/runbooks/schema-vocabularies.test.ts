import { expect } from 'chai';
import { REVERT_MODES } from '../../../src/model/action.ts';
import { RELEASE_MODES } from '../../../src/model/engine.ts';
import { ALERT_STATUSES, STEP_PHASES } from '../../../src/model/incident.ts';
import { RUNBOOK_SCHEMA } from '../../../src/runbooks/schema.ts';

// runbooks/schema.json is plain JSON for editors' tooling, so it spells the vocabularies a step
// uses instead of importing them; these keep its enums equal to the lists the code declares.

type Node = { enum?: string[]; properties?: Record<string, Node>; definitions?: Record<string, Node> };

const step = (RUNBOOK_SCHEMA as Node).definitions?.step?.properties ?? {};

describe('runbook schema vocabularies', () => {
  it('a step phase, trigger and revert mode are the declared lists', () => {
    expect(step.phase?.enum).to.deep.equal([...STEP_PHASES]);
    expect(step.on?.enum).to.deep.equal([...ALERT_STATUSES]);
    expect(step.revert?.enum).to.deep.equal([...REVERT_MODES]);
  });

  it('a release mode a runbook may write is a release mode of the engine', () => {
    const written = step.release?.properties?.mode?.enum ?? [];
    expect(written).to.not.deep.equal([]);
    expect([...RELEASE_MODES]).to.include.members(written);
  });
});
