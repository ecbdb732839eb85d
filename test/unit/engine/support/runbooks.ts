/** Runbooks for engine tests, loaded from YAML text in memory against a test registry. */
import { expect } from 'chai';
import type { ActionRegistry } from '../../../../src/actions/registry.ts';
import { loadRunbookSources } from '../../../../src/runbooks/load.ts';
import { catalogFromRegistry } from '../../../../src/runbooks/params.ts';
import { RunbookSet } from '../../../../src/runbooks/set.ts';
import type { Runbook } from '../../../../src/runbooks/types.ts';

/** Loads runbooks from YAML documents and fails the test on any diagnostic. */
export function loadTestRunbooks(registry: ActionRegistry, ...texts: string[]): Runbook[] {
  const result = loadRunbookSources(
    texts.map((text, i) => ({ file: `test-${i}.yaml`, text })),
    { catalog: catalogFromRegistry(registry) },
  );
  expect(result.diagnostics, 'runbook diagnostics').to.deep.equal([]);
  return result.runbooks;
}

/** A RunbookSet whose loader returns the current `texts` (change them and reload). */
export async function testRunbookSet(registry: ActionRegistry, texts: { current: string[] }): Promise<RunbookSet> {
  const set = new RunbookSet(async () =>
    loadRunbookSources(
      texts.current.map((text, i) => ({ file: `test-${i}.yaml`, text })),
      { catalog: catalogFromRegistry(registry) },
    ),
  );
  const outcome = await set.reload();
  expect(outcome.diagnostics, 'runbook diagnostics').to.deep.equal([]);
  return set;
}

/** The consumer-lag style runbook most engine tests use: evidence, a quota, a recovery check. */
export const THROTTLE_RUNBOOK = `
name: throttle
description: Throttle the producer of a lagging group.
match: ['alertname="Lag"']
groupBy: [cluster, group]
params: { rate: 1048576 }
policy: { cooldown: 15m, maxRunsPerHour: 4 }
steps:
  - id: lag
    phase: identification
    action: test.read
    with: { key: "lag:{{ labels.group }}" }
  - id: throttle
    phase: containment
    action: test.quota
    with: { client: "{{ labels.client }}", rate: "{{ params.rate }}" }
  - id: recheck
    phase: recovery
    on: resolved
    action: test.read
    with: { key: "lag:{{ labels.group }}" }
followUps:
  - "Review the capacity of {{ labels.group }}"
`;
