/**
 * `firebreak simulate <notification-or-alert.json>`: what firebreak would do with an alert,
 * executing nothing and storing nothing. It loads the runbooks and the configuration as `serve`
 * does, renders every step of the matching runbook for the alert's status, plans the changes
 * against the live cluster when brokers are given (plans only read), and asks the guards, as if
 * the incident were new (no earlier run, change or approval). The engine's
 * `simulateNotification` (src/engine/simulate.ts) does the work; this module reads the input and
 * prints the result.
 */
import { FirebreakError } from '../../errors.ts';
import type { KafkaAdmin } from '../../actions/kafka/types.ts';
import { loadConfig } from '../../config/load.ts';
import { simulateNotification } from '../../engine/index.ts';
import { toIso } from '../../incidents/normalize.ts';
import { runbookLoadError } from '../../runbooks/diagnostics.ts';
import { loadRunbooks } from '../../runbooks/load.ts';
import { catalogFromRegistry } from '../../runbooks/params.ts';
import { parseCommandArgs, usageError } from '../args.ts';
import { writeJson } from '../output.ts';
import { EXIT, type CliIo, type Command } from '../types.ts';
import { formatSimulation } from './simulate-format.ts';
import { notificationFromInput } from './simulate-input.ts';

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

Exit codes: 0 simulated, 1 failed (invalid input, runbooks with problems), 2 usage error.
`;

const BROKER = /^(\[[0-9A-Fa-f:.]+\]|[^\s:,[\]]+):\d{1,5}$/;
/** Bound of each Kafka call a plan makes. */
const KAFKA_TIMEOUT_MS = 10_000;

/**
 * The cluster when no brokers are given: Kafka calls fail with SIMULATE_NO_KAFKA, so steps that
 * change Kafka show why they have no plan, while plans that need no Kafka (http.request,
 * grafana.annotate) are still made.
 */
function noKafka(): KafkaAdmin {
  const fail = async (): Promise<never> => {
    throw new FirebreakError('SIMULATE_NO_KAFKA', 'no Kafka brokers given (--brokers, kafka.brokers): the change was not planned, so floors, caps and protected topics were not checked', {
      statusCode: 400,
    });
  };
  return new Proxy({} as KafkaAdmin, { get: (_target, property) => (property === 'close' ? async () => undefined : fail) });
}

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
    if (values.mode !== undefined && values.mode !== 'dry-run' && values.mode !== 'enforce') throw usageError('simulate', '--mode must be dry-run or enforce');

    const config = loadConfig({ env: io.env, argv: values.config === undefined ? [] : ['--config', values.config], readFile: io.readFile });
    let text: string;
    try {
      text = io.readFile(file);
    } catch (err) {
      throw new FirebreakError('SIMULATE_INPUT_INVALID', `cannot read ${file}`, { statusCode: 400, cause: err, details: { file } });
    }
    const now = io.clock.now();
    const payload = notificationFromInput(file, text, toIso(now));

    const loaded = await loadRunbooks([values.runbooks ?? config.runbooks], { catalog: catalogFromRegistry(io.actions) });
    if (loaded.diagnostics.length > 0) throw runbookLoadError(loaded.diagnostics);

    const brokers = values.brokers === undefined ? [...config.kafka.brokers] : brokerList(values.brokers);
    let kafka: KafkaAdmin | null = null;
    if (brokers.length > 0) {
      kafka = await io.connectKafka({ brokers, clientId: config.kafka.clientId, connectionTimeoutMs: Math.min(KAFKA_TIMEOUT_MS, 5_000), operationTimeoutMs: KAFKA_TIMEOUT_MS });
    }
    try {
      const simulation = await simulateNotification(
        {
          runbooks: loaded.runbooks,
          registry: io.actions,
          kafka: kafka ?? noKafka(),
          config: { ...config, mode: (values.mode as 'dry-run' | 'enforce' | undefined) ?? config.mode },
          now,
          paused: values.paused === true,
          clock: io.clock,
          logger: io.logger,
          actionContext: { integrations: { prometheus: config.prometheus, grafana: config.grafana, notify: config.notify, http: config.http } },
          // Kafka evidence only reads: run it, so steps that act on its output (the largest topics,
          // the moving replicas) are rendered and planned with real values.
          ...(kafka === null || values['no-evidence'] === true ? {} : { gatherEvidence: (action: string) => isKafkaEvidence(io, action) }),
        },
        payload,
      );
      if (values.json === true) writeJson(io.stdout, simulation);
      else io.stdout.write(formatSimulation(simulation, kafka === null ? null : brokers.join(',')));
      return EXIT.ok;
    } finally {
      await kafka?.close().catch((err: unknown) => io.logger.warn({ err }, 'closing the Kafka client failed'));
    }
  },
};
