/**
 * `firebreak simulate` without brokers, on the shipped runbooks: no runbook looks broken. A step
 * whose verdict reads Kafka evidence that was not gathered says so (undecided, naming the step
 * it reads) instead of an error or "skip, condition false", and the command exits 0. A runbook
 * that would fail whatever the evidence still exits 1.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { runCli } from '../../../src/cli/run.ts';
import type { Simulation } from '../../../src/engine/index.ts';
import { captureIo } from './cli-io.ts';

const REPO = join(import.meta.dirname, '../../..');
/** One catalogue for every simulation of this file: compiling every action schema takes a while. */
const ACTIONS = createActionRegistry();

async function simulate(labels: Record<string, string>, runbooks = join(REPO, 'runbooks'), json = true) {
  const alertFile = '/alert.json';
  const io = captureIo({
    actions: ACTIONS,
    readFile: (path) => (path === alertFile ? JSON.stringify({ labels, status: 'firing' }) : readFileSync(path, 'utf8')),
  });
  const code = await runCli(['simulate', alertFile, '--runbooks', runbooks, ...(json ? ['--json'] : [])], io);
  return { code, out: io.out(), err: io.err(), connections: io.connections() };
}

function stepsOf(out: string) {
  const sim = JSON.parse(out) as Simulation;
  return Object.fromEntries((sim.incidents[0]?.runs[0]?.steps ?? []).map((s) => [s.id, s]));
}

describe('firebreak simulate without brokers on the shipped runbooks', function () {
  // Each case runs the engine on a fresh in-memory store, twice for some: generous on a loaded machine.
  this.timeout(30_000);
  it('disk-usage: the retention cut reads the usage evidence, so it is undecided, not invalid', async () => {
    const { code, out, err, connections } = await simulate({ alertname: 'KafkaBrokerDiskUsageHigh', cluster: 'prod', severity: 'critical' });
    expect({ code, err, connections }).to.deep.equal({ code: 0, err: '', connections: 0 });
    const steps = stepsOf(out);
    expect(steps['usage']?.notGathered).to.equal('no brokers given');
    expect(steps['cut']?.dependsOn).to.deep.equal([{ step: 'usage', reason: 'no brokers given' }]);
  });

  it('under-replicated-partitions: the throttle reads the reassignment evidence, so it is undecided', async () => {
    const { code, out } = await simulate({ alertname: 'KafkaUnderReplicatedPartitions', cluster: 'prod', severity: 'critical' });
    expect(code).to.equal(0);
    const throttle = stepsOf(out)['throttle'];
    expect(throttle?.dependsOn.map((d) => d.step)).to.deep.equal(['moves']);
    expect(throttle?.decision?.reason).not.to.equal('condition-false');
    const text = await simulate({ alertname: 'KafkaUnderReplicatedPartitions', cluster: 'prod', severity: 'critical' }, undefined, false);
    expect(text.out).to.contain('       undecided: reads steps.moves (no brokers given); with that evidence the verdict may differ\n');
    expect(text.out).not.to.match(/^\s+decision: skip \(condition-false\)/m);
  });

  it('consumer-lag: whether to throttle reads the lag classification, so it is undecided, not "skip, condition false"', async () => {
    const labels = { alertname: 'KafkaConsumerGroupLagHigh', cluster: 'prod', consumergroup: 'billing', topic: 'orders', severity: 'warning' };
    const { code, out } = await simulate(labels);
    expect(code).to.equal(0);
    expect(stepsOf(out)['throttle']?.dependsOn.map((d) => d.step)).to.deep.equal(['lag']);
    const text = await simulate(labels, undefined, false);
    expect(text.out).to.contain('       without it, decision: skip (condition-false)');
    expect(text.out).not.to.match(/^\s+decision: skip \(condition-false\)/m);
  });

  it('exits 1 when a step would fail with a runbook error that evidence cannot explain', async () => {
    const { code, err } = await simulate({ alertname: 'GroupLag', cluster: 'prod' }, join(REPO, 'test/fixtures/runbooks/simulate'));
    expect(code).to.equal(1);
    expect(err).to.match(/^error RUNBOOK_TEMPLATE: step lag would fail: .*undefined variable labels\.consumergroup/);
  });
});
