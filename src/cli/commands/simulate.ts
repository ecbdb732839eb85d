/**
 * `firebreak simulate <notification-or-alert.json>`: what firebreak would do with an alert,
 * changing nothing and storing nothing. It loads the runbooks and the configuration as `serve`
 * does and runs the real engine on a private in-memory store with actions that plan instead of
 * act (src/engine/simulate.ts), as if the incident were new (no earlier run, change or
 * approval): read-only Kafka steps and plans read the live cluster when brokers are given. This
 * module reads the input, prints the result and chooses the exit status: 1 when a step would
 * fail with a runbook error (template, parameters) that missing evidence does not explain.
 */
import type { KafkaAdmin } from '../../actions/kafka/types.ts';
import { loadConfig } from '../../config/load.ts';
import { toIso } from '../../incidents/normalize.ts';
import { runbookLoadError } from '../../runbooks/diagnostics.ts';
import { loadRunbooks } from '../../runbooks/load.ts';
import { catalogFromRegistry } from '../../runbooks/params.ts';
import { parseCommandArgs, usageError } from '../args.ts';
import { writeJson } from '../output.ts';
import { EXIT, type CliIo, type Command } from '../types.ts';
import { formatSimulation, undecided } from './simulate-format.ts';
import { notificationFromInput } from './simulate-input.ts';
import { MODES, type Mode } from '../../model/engine.ts';
import { isOneOf } from '../../core/vocabulary.ts';
import { cliError } from '../errors.ts';

const USAGE = `Usage: firebreak simulate <file.json> [--runbooks <path>] [--brokers <list>] [--json] [options]

Shows what firebreak would do with an alert, without doing it: which runbook matches, the
incident key, and for each step the when: result, the rendered parameters, the planned
changes (from -> to) and the guards' decision with its reason. Nothing is changed and
nothing is stored; with brokers, read-only Kafka steps and plans read the live cluster.

<file.json> is an Alertmanager webhook payload, or one alert object ({"labels": {...},
"annotations": {...}, "status": "firing"}), or a list of alert objects.

Options:
  --runbooks <path>   runbook file or directory (default: runbooks: in the config, ./runbooks)
  --brokers <list>    Kafka bootstrap brokers, host:port[,host:port...], to plan Kafka changes
                      (default: kafka.brokers in the config, FIREBREAK_KAFKA_BROKERS; none: not planned)
  --mode <mode>       dry-run or enforce (default: the configured mode)
  --paused            decide as if automation were paused
  --no-evidence       with brokers: do not run the read-only Kafka steps (by default they run,
                      reading the cluster, so later steps are rendered with their real output)
  --json              print the simulation as JSON
  -c, --config <file> config file (default: FIREBREAK_CONFIG): mode, safety limits, engine limits

Steps whose verdict reads evidence the simulation did not gather (no brokers, --no-evidence,
or a Prometheus check, notification or wait, which a simulation never executes) are shown as
undecided, naming the step they read.

Exit codes: 0 simulated, 1 failed (invalid input, runbooks with problems, or a step that would
fail with RUNBOOK_TEMPLATE / RUNBOOK_INVALID_PARAMS whatever the evidence), 2 usage error.
`;

const BROKER = /^(\[[0-9A-Fa-f:.]+\]|[^\s:,[\]]+):\d{1,5}$/;
/** Bound of each Kafka call a plan makes. */
const KAFKA_TIMEOUT_MS = 10_000;

/** A read-only Kafka action: it reads the cluster and nothing else. */
function isKafkaEvidence(io: CliIo, action: string): boolean {
  return action.startsWith('kafka.') && io.actions.has(action) && !io.actions.get(action).mutating;
}

function brokerList(text: string): string[] {
  const brokers = text.split(',').map((b) => b.trim()).filter((b) => b !== '');
  const bad = brokers.filter((b) => !BROKER.test(b));
  if (brokers.length === 0 || bad.length > 0) {
    throw usageError('simulate', `--brokers must be host:port[,host:port...]${bad.length > 0 ? `, got ${bad.join(', ')}` : ''}`);
  }
  return brokers;
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'Show what an alert would trigger (runbook, steps, params, plans, guard decisions); run nothing',
  usage: USAGE,

  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs('simulate', argv, {
      runbooks: { type: 'string' },
      brokers: { type: 'string' },
      mode: { type: 'string' },
      paused: { type: 'boolean' },
      json: { type: 'boolean' },
      'no-evidence': { type: 'boolean' },
      config: { type: 'string', short: 'c' },
    });
    if (positionals.length !== 1) throw usageError('simulate', 'give exactly one file: a webhook payload or an alert as JSON');
    const file = positionals[0] as string;
    if (values.mode !== undefined && !isOneOf(MODES, values.mode)) throw usageError('simulate', `--mode must be ${MODES.join(' or ')}`);

    const config = loadConfig({ env: io.env, argv: values.config === undefined ? [] : ['--config', values.config], readFile: io.readFile });
    let text: string;
    try {
      text = io.readFile(file);
    } catch (err) {
      throw cliError('SIMULATE_INPUT_INVALID', `cannot read ${file}`, { cause: err, details: { file } });
    }
    const now = io.clock.now();
    const payload = notificationFromInput(file, text, toIso(now));

    const loaded = await loadRunbooks([values.runbooks ?? config.runbooks], { catalog: catalogFromRegistry(io.actions), limits: config.safety });
    if (loaded.diagnostics.length > 0) throw runbookLoadError(loaded.diagnostics);

    const brokers = values.brokers === undefined ? [...config.kafka.brokers] : brokerList(values.brokers);
    let kafka: KafkaAdmin | null = null;
    if (brokers.length > 0) {
      kafka = await io.connectKafka({ brokers, clientId: config.kafka.clientId, connectionTimeoutMs: Math.min(KAFKA_TIMEOUT_MS, 5_000), operationTimeoutMs: KAFKA_TIMEOUT_MS });
    }
    const gathering = kafka !== null && values['no-evidence'] !== true;
    try {
      // The engine (and the store and metrics it brings) is loaded only when this command runs.
      const { simulateNotification } = await import('../../engine/index.ts');
      const simulation = await simulateNotification(
        {
          runbooks: loaded.runbooks,
          registry: io.actions,
          kafka,
          config: { ...config, mode: (values.mode as Mode | undefined) ?? config.mode },
          now,
          paused: values.paused === true,
          logger: io.logger,
          actionContext: { integrations: { prometheus: config.prometheus, grafana: config.grafana, notify: config.notify, http: config.http } },
          // Kafka evidence only reads: run it, so steps that act on its output (the largest topics,
          // the moving replicas) are rendered and planned with real values.
          ...(gathering ? { gatherEvidence: (action: string) => isKafkaEvidence(io, action) } : {}),
          notGatheredReason: (action: string) =>
            !isKafkaEvidence(io, action) ? 'a simulation executes only Kafka reads' : kafka === null ? 'no brokers given' : '--no-evidence',
        },
        payload,
      );
      if (values.json === true) writeJson(io.stdout, simulation);
      else io.stdout.write(formatSimulation(simulation, kafka === null ? null : brokers.join(',')));
      const broken = simulation.incidents.flatMap((i) => i.runs.flatMap((r) => r.steps)).filter((s) => s.error?.code.startsWith('RUNBOOK_') === true && !undecided(s));
      for (const step of broken) io.stderr.write(`error ${step.error?.code}: step ${step.id} would fail: ${step.error?.message}\n`);
      return broken.length === 0 ? EXIT.ok : EXIT.failed;
    } finally {
      await kafka?.close().catch((err: unknown) => io.logger.warn({ err }, 'closing the Kafka client failed'));
    }
  },
};
