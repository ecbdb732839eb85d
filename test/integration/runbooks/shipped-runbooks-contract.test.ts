import { expect } from 'chai';
import { load as parseYaml } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { runCli } from '../../../src/cli/run.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { loadRunbooks } from '../../../src/runbooks/load.ts';
import { catalogFromRegistry } from '../../../src/runbooks/params.ts';
import { selectRunbook } from '../../../src/runbooks/select.ts';
import type { Runbook } from '../../../src/runbooks/types.ts';

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
}

/** Every alerting rule of alert-rules/kafka.rules.yml with the labels its alerts carry. */
function alertRules(): Array<{ alert: string; labels: Record<string, string>; by: string[] }> {
  const doc = parseYaml(readFileSync('alert-rules/kafka.rules.yml', 'utf8')) as { groups: Array<{ rules: Rule[] }> };
  return doc.groups.flatMap((g) =>
    g.rules
      .filter((r): r is Rule & { alert: string } => r.alert !== undefined)
      .map((r) => {
        // The first aggregation's `by (...)` is the alert's label set (see the rules file's header).
        const by = (/by \(([^)]*)\)/.exec(r.expr)?.[1] ?? '').split(',').map((l) => l.trim()).filter((l) => l !== '');
        const labels = { alertname: r.alert, ...Object.fromEntries(by.map((l) => [l, `${l}-value`])), ...r.labels };
        return { alert: r.alert, labels, by };
      }),
  );
}

/** Which shipped runbook answers which alert; the others open evidence-only incidents. */
const EXPECTED: Record<string, string | null> = {
  KafkaUnderReplicatedPartitions: 'under-replicated-partitions',
  KafkaUnderMinIsrPartitions: 'under-replicated-partitions',
  KafkaOfflinePartitions: null,
  KafkaOfflineLogDirectories: null,
  KafkaNoActiveController: null,
  KafkaConsumerGroupLagHigh: 'consumer-lag',
  KafkaConsumerGroupLagGrowing: 'consumer-lag',
  KafkaBrokerDiskUsageHigh: 'disk-usage',
  KafkaBrokerDiskFillingUp: 'disk-usage',
};

describe('the shipped runbooks and the shipped alert rules', () => {
  let runbooks: Runbook[];

  before(async () => {
    const loaded = await loadRunbooks(['runbooks'], { catalog: catalogFromRegistry(createActionRegistry()) });
    expect(loaded.diagnostics).to.deep.equal([]);
    runbooks = loaded.runbooks;
  });

  it('pass `firebreak validate runbooks/`', async () => {
    let out = '';
    const code = await runCli(['validate', 'runbooks/'], {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: () => undefined },
      env: {},
      readFile: (path) => readFileSync(path, 'utf8'),
      debug: false,
      logger: silentLogger(),
      clock: systemClock,
      actions: createActionRegistry(),
      connectKafka: async () => {
        throw new FirebreakError('KAFKA_UNREACHABLE', 'validate never connects');
      },
    });
    expect(out).to.equal('3 runbooks in 3 files: OK\n');
    expect(code).to.equal(0);
  });

  it('each answer the alerts they are meant for, and no other', () => {
    const rules = alertRules();
    expect(rules.map((r) => r.alert)).to.have.members([...Object.keys(EXPECTED), 'KafkaBrokerDiskUsageHigh']);
    for (const rule of rules) {
      expect(selectRunbook(runbooks, rule.labels)?.name ?? null, `${rule.alert} ${JSON.stringify(rule.labels)}`).to.equal(EXPECTED[rule.alert]);
    }
  });

  it('group only by labels the alerts they answer carry', () => {
    for (const rule of alertRules()) {
      const runbook = selectRunbook(runbooks, rule.labels);
      if (runbook === null) continue;
      for (const label of runbook.groupBy) expect(rule.by, `${runbook.name} groups by ${label}; ${rule.alert} has ${rule.by.join(', ')}`).to.include(label);
    }
  });

  it('read only labels in their templates that the alerts they answer carry', () => {
    for (const rule of alertRules()) {
      const runbook = selectRunbook(runbooks, rule.labels);
      if (runbook === null) continue;
      const text = JSON.stringify([runbook.steps.map((s) => [s.with, s.when]), runbook.followUps]);
      for (const [, label] of text.matchAll(/labels\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
        expect(Object.keys(rule.labels), `${runbook.name} reads labels.${label}; ${rule.alert} carries ${Object.keys(rule.labels).join(', ')}`).to.include(label);
      }
    }
  });
});
