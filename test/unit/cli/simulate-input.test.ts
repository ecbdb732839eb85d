import { expect } from 'chai';
import { runCli } from '../../../src/cli/run.ts';
import { formatSimulation } from '../../../src/cli/commands/simulate-format.ts';
import { labelsFingerprint, notificationFromInput } from '../../../src/cli/commands/simulate-input.ts';
import type { Simulation } from '../../../src/engine/index.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { captureIo } from './cli-io.ts';

const NOW = '2026-01-01T00:00:00.000Z';
const labels = { alertname: 'KafkaConsumerGroupLagHigh', cluster: 'eu1', consumergroup: 'billing', topic: 'orders', severity: 'warning' };

describe('firebreak simulate: input and output', () => {
  it('takes a webhook payload as it is', () => {
    const payload = { version: '4', groupKey: 'g', status: 'firing', alerts: [{ labels }] };
    expect(notificationFromInput('n.json', JSON.stringify(payload), NOW)).to.deep.equal(payload);
  });

  it('wraps one alert the way Alertmanager would send it', () => {
    const out = notificationFromInput('a.json', JSON.stringify({ labels, annotations: { summary: 'lag' } }), NOW) as Record<string, unknown>;
    expect(out).to.deep.include({ version: '4', status: 'firing', groupKey: '{}:{alertname="KafkaConsumerGroupLagHigh"}', commonLabels: labels, truncatedAlerts: 0 });
    expect(out['alerts']).to.deep.equal([
      { status: 'firing', labels, annotations: { summary: 'lag' }, startsAt: NOW, endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: labelsFingerprint(labels) },
    ]);
  });

  it('reads an alert with an end in the past as resolved, and keeps a given status and fingerprint', () => {
    const ended = notificationFromInput('a.json', JSON.stringify({ labels, startsAt: '2025-12-31T23:00:00Z', endsAt: '2025-12-31T23:30:00Z' }), NOW) as { status: string };
    expect(ended.status).to.equal('resolved');
    const given = notificationFromInput('a.json', JSON.stringify([{ labels, status: 'resolved', fingerprint: 'abc' }, { labels: { ...labels, topic: 'refunds' } }]), NOW) as {
      status: string;
      commonLabels: Record<string, string>;
      alerts: Array<{ fingerprint: string; status: string }>;
    };
    expect(given.status).to.equal('firing');
    expect(given.alerts.map((a) => [a.status, a.fingerprint])).to.deep.equal([
      ['resolved', 'abc'],
      ['firing', labelsFingerprint({ ...labels, topic: 'refunds' })],
    ]);
    expect(given.commonLabels).to.not.have.property('topic');
  });

  it('gives fingerprints that do not depend on label order', () => {
    expect(labelsFingerprint({ a: '1', b: '2' })).to.equal(labelsFingerprint({ b: '2', a: '1' }));
    expect(labelsFingerprint({ a: '1', b: '2' })).to.not.equal(labelsFingerprint({ a: '1', b: '3' }));
  });

  it('refuses what is not JSON or has no labels, with SIMULATE_INPUT_INVALID naming the file', () => {
    for (const text of ['{', '{"annotations": {}}', '[]', '"text"']) {
      try {
        notificationFromInput('bad.json', text, NOW);
        expect.fail(`accepted ${text}`);
      } catch (err) {
        expect((err as FirebreakError).code, text).to.equal('SIMULATE_INPUT_INVALID');
        expect((err as FirebreakError).message).to.match(/^bad\.json: /);
      }
    }
  });

  it('exits 2 for a usage error, before reading anything', async () => {
    for (const argv of [['simulate'], ['simulate', 'a.json', 'b.json'], ['simulate', 'a.json', '--mode', 'yolo']]) {
      const io = captureIo();
      expect(await runCli(argv, io), argv.join(' ')).to.equal(2);
      expect(io.err()).to.match(/^error CLI_USAGE: /);
      expect(io.connections()).to.equal(0);
    }
  });

  it('prints each step with its params, plan, decision and reason, and what is undecided', () => {
    const step = {
      id: 'throttle',
      action: 'kafka.throttleProducers',
      phase: 'containment',
      on: 'firing',
      mutating: true,
      revert: 'on-resolve',
      approval: 'none' as const,
      status: 'dry-run',
      condition: null,
      params: { clientIds: ['orders-writer'], producerByteRate: 1048576 },
      decision: { verdict: 'dry-run' as const, reason: 'mode-dry-run' as const, detail: 'dry-run mode: planned, not executed' },
      plan: {
        summary: 'throttle producers orders-writer to 1048576 B/s',
        changes: [{ resource: 'quota:client-id=orders-writer', key: 'producer_byte_rate', from: null, to: 1048576 }],
        touches: { topics: [], clients: ['client-id=orders-writer'] },
      },
      planError: null,
      error: null,
      notGathered: null,
      dependsOn: [],
    };
    const sim: Simulation = {
      mode: 'dry-run',
      paused: false,
      groupKey: 'g',
      rejected: [],
      alerts: [
        {
          fingerprint: 'f',
          status: 'firing',
          labels,
          runbook: 'consumer-lag',
          matching: ['consumer-lag', 'catch-all'],
          incidentKey: 'consumer-lag{cluster="eu1",consumergroup="billing",topic="orders"}',
          incidentId: 'INC-1',
        },
      ],
      incidents: [
        {
          id: 'INC-1',
          key: 'consumer-lag{cluster="eu1",consumergroup="billing",topic="orders"}',
          title: 't',
          status: 'open',
          runbook: 'consumer-lag',
          runs: [
            {
              id: 1,
              trigger: 'firing',
              fingerprint: 'f',
              outcome: 'succeeded',
              detail: null,
              reverts: [],
              steps: [
                step,
                { ...step, id: 'again', status: 'failed', plan: null, decision: null, error: { code: 'RUNBOOK_TEMPLATE', message: 'when: got nil' }, dependsOn: [{ step: 'lag', reason: 'no brokers given' }] },
              ],
            },
          ],
          followUps: ['Review billing'],
          timeline: [],
        },
      ],
    };
    expect(formatSimulation(sim, '10.0.0.1:9092')).to.equal(
      [
        'mode: dry-run',
        'Kafka: 10.0.0.1:9092 (evidence and plans read live state, change nothing)',
        'nothing was changed and nothing was stored',
        '',
        'alert KafkaConsumerGroupLagHigh {cluster="eu1", consumergroup="billing", severity="warning", topic="orders"} firing',
        '  runbook: consumer-lag (also matching, lower in selection: catch-all)',
        '  incident key: consumer-lag{cluster="eu1",consumergroup="billing",topic="orders"}',
        '',
        'incident consumer-lag{cluster="eu1",consumergroup="billing",topic="orders"}: open, runbook consumer-lag',
        '  run (firing): undecided, it reads evidence this simulation did not gather; without it: succeeded',
        '  steps (firing):',
        '    1. throttle  containment  kafka.throttleProducers  (mutating, revert on-resolve)',
        '       params: {"clientIds":["orders-writer"],"producerByteRate":1048576}',
        '       plan: throttle producers orders-writer to 1048576 B/s',
        '         quota:client-id=orders-writer producer_byte_rate: null -> 1048576',
        '       decision: dry-run (mode-dry-run): dry-run mode: planned, not executed',
        '    2. again  containment  kafka.throttleProducers  (mutating, revert on-resolve)',
        '       undecided: reads steps.lag (no brokers given); with that evidence the verdict may differ',
        '       params: {"clientIds":["orders-writer"],"producerByteRate":1048576}',
        '       without it, error: RUNBOOK_TEMPLATE: when: got nil',
        '  follow-up: Review billing',
        '',
      ].join('\n'),
    );
  });
});
