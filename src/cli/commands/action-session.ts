/**
 * What `firebreak action` needs around an action call: the settings (brokers, limits, timeout)
 * from flags and config, the revert document, and an {@link ActionContext} with a connected
 * admin client that is closed afterwards, all under one deadline.
 */
import type { ActionContext, IntegrationSettings, SafetyLimits } from '../../actions/types.ts';
import type { KafkaAdmin } from '../../actions/kafka/types.ts';
import { loadConfig } from '../../config/load.ts';
import { FirebreakError } from '../../errors.ts';
import { usageError } from '../args.ts';
import type { CliIo } from '../types.ts';
import { CONTACT_MS, withFirstContact } from './kafka-contact.ts';

export interface ActionSettings {
  /** Empty when none is configured: only actions that talk to Kafka need them. */
  brokers: string[];
  clientId: string;
  limits: SafetyLimits;
  timeoutMs: number;
  /** Prometheus, Grafana, notify and http settings from the configuration. */
  integrations: IntegrationSettings;
}

const BROKER = /^(\[[0-9A-Fa-f:.]+\]|[^\s:,[\]]+):\d{1,5}$/;
const MAX_TIMEOUT_MS = 3_600_000;

/**
 * Brokers from `--brokers`, else from the configuration (file, then FIREBREAK_KAFKA_BROKERS);
 * safety limits from the configuration (so the CLI honours the same floors and protected topics
 * as the engine).
 */
export function resolveSettings(io: CliIo, flags: { brokers: string | undefined; config: string | undefined; timeout: string }): ActionSettings {
  if (!/^\d+$/.test(flags.timeout) || Number(flags.timeout) < 1 || Number(flags.timeout) > MAX_TIMEOUT_MS) {
    throw usageError('action', `--timeout must be a whole number of milliseconds between 1 and ${MAX_TIMEOUT_MS}`);
  }
  const config = loadConfig({ env: io.env, argv: flags.config === undefined ? [] : ['--config', flags.config], readFile: io.readFile });
  const brokers = flags.brokers === undefined ? [...config.kafka.brokers] : parseBrokerList(flags.brokers);
  return {
    brokers,
    clientId: config.kafka.clientId,
    limits: { ...config.safety, protectedTopics: [...config.safety.protectedTopics] },
    timeoutMs: Number(flags.timeout),
    integrations: { prometheus: config.prometheus, grafana: config.grafana, notify: config.notify, http: config.http },
  };
}

export function parseBrokerList(text: string): string[] {
  const brokers = text.split(',').map((b) => b.trim()).filter((b) => b !== '');
  const bad = brokers.filter((b) => !BROKER.test(b));
  if (brokers.length === 0 || bad.length > 0) {
    throw usageError('action', `--brokers must be host:port[,host:port...]${bad.length > 0 ? `, got ${bad.join(', ')}` : ''}`);
  }
  return brokers;
}

export interface RevertDocument {
  prior: unknown;
  applied: unknown;
  /** The params of the original run, when the document is a whole `action` output. */
  params?: unknown;
}

/** `--revert` takes a JSON object with `prior` and `applied` (extra keys are ignored). */
export function parseRevertDocument(text: string): RevertDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw usageError('action', `--revert is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('prior' in doc) || !('applied' in doc)) {
    throw usageError('action', '--revert must be a JSON object with "prior" and "applied" (the output of the run to undo)');
  }
  const d = doc as Record<string, unknown>;
  return { prior: d['prior'], applied: d['applied'], ...(d['params'] === undefined ? {} : { params: d['params'] }) };
}

/**
 * Stands in for the Kafka client when no brokers are configured, so actions that do not talk to
 * Kafka still run; the first Kafka call fails with a usage error saying how to name brokers.
 */
function brokersRequired(): KafkaAdmin {
  const fail = async (): Promise<never> => {
    throw usageError('action', 'no Kafka brokers: pass --brokers host:port[,host:port...], set FIREBREAK_KAFKA_BROKERS, or kafka.brokers in the config file');
  };
  return {
    describeCluster: fail,
    describeTopics: fail,
    describeClientQuotas: fail,
    alterClientQuotas: fail,
    describeConfigs: fail,
    incrementalAlterConfigs: fail,
    describeLogDirs: fail,
    describeGroup: fail,
    consumerGroupLag: fail,
    committedOffsets: fail,
    listPartitionReassignments: fail,
    topicOffsets: fail,
    offsetsForTimestamp: fail,
    listGroups: fail,
    close: async () => undefined,
  };
}

/**
 * Connects, runs `fn` with a full ActionContext, and closes the client, all within
 * `settings.timeoutMs`. The brokers must answer the first request within {@link CONTACT_MS}
 * (kafka-contact.ts): an unreachable cluster fails fast with KAFKA_UNREACHABLE. On timeout the
 * signal is aborted and `ACTION_TIMEOUT` thrown; its message says whether a change may have been
 * applied: never for a read-only action, nor before any broker answered.
 */
export async function withActionContext<T>(
  io: CliIo,
  action: string,
  settings: ActionSettings,
  fn: (ctx: ActionContext) => Promise<T>,
  options: { mutating?: boolean } = {},
): Promise<T> {
  const controller = new AbortController();
  const deadline = io.clock.now() + settings.timeoutMs;
  const logger = io.logger.child({ action });
  // Connection and request timeouts are the Kafka module's own (those serve uses); --timeout
  // bounds the whole call.
  const connecting: Promise<KafkaAdmin> = settings.brokers.length === 0 ? Promise.resolve(brokersRequired()) : io.connectKafka({
    brokers: settings.brokers,
    clientId: settings.clientId,
    operationTimeoutMs: settings.timeoutMs,
  });
  let contacted = (): boolean => false;
  // A kafka.* action changes nothing but through Kafka: before a broker answered, nothing changed.
  const mayHaveChanged = (): boolean => options.mutating === true && (!action.startsWith('kafka.') || contacted());
  const expired = (): FirebreakError => timeoutError(action, settings.timeoutMs, mayHaveChanged());
  let admin: KafkaAdmin;
  try {
    admin = await within(connecting, deadline - io.clock.now(), controller, expired);
  } catch (err) {
    // A connection that completes after the deadline must still be closed, or it keeps the process alive.
    connecting.then((late) => late.close(), () => undefined).catch(() => undefined);
    throw err;
  }
  try {
    const contact = settings.brokers.length === 0 ? { admin, contacted } : withFirstContact(admin, settings.brokers, Math.min(CONTACT_MS, settings.timeoutMs));
    contacted = contact.contacted;
    const ctx: ActionContext = { kafka: contact.admin, clock: io.clock, logger, limits: settings.limits, signal: controller.signal, integrations: settings.integrations };
    return await within(fn(ctx), deadline - io.clock.now(), controller, expired);
  } finally {
    await admin.close().catch((err: unknown) => logger.warn({ err }, 'closing the Kafka client failed'));
  }
}

/** ACTION_TIMEOUT, saying whether a change may have been applied by then. */
function timeoutError(action: string, timeoutMs: number, mayHaveChanged: boolean): FirebreakError {
  const outcome = mayHaveChanged ? 'a change may or may not have been applied (check with --dry-run)' : 'nothing was changed';
  return new FirebreakError('ACTION_TIMEOUT', `${action} did not finish within ${timeoutMs} ms; ${outcome}`, {
    retriable: true,
    statusCode: 504,
    details: { action, timeoutMs },
  });
}

async function within<T>(work: Promise<T>, ms: number, controller: AbortController, expired: () => FirebreakError): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(expired());
    }, Math.max(ms, 0));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
