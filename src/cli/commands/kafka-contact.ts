/**
 * First contact with Kafka for a command run by hand. Before the first call an action makes, the
 * brokers must answer a metadata request within {@link CONTACT_MS}: a wrong address, a host that
 * drops packets or a port that is not a Kafka listener then fails in seconds, with a message that
 * says so and that nothing was changed, instead of waiting out the whole `--timeout` and leaving
 * the person unsure whether a change went through.
 */
import type { KafkaAdmin } from '../../actions/kafka/types.ts';
import { toFirebreakError } from '../../errors.ts';
import { kafkaError } from '../../actions/kafka/errors.ts';

/** How long the brokers have to answer the first request. */
export const CONTACT_MS = 10_000;

/** Errors that mean "no broker talked to us", as opposed to a broker's own answer. */
const NO_CONTACT = new Set(['KAFKA_UNREACHABLE', 'KAFKA_TIMEOUT', 'KAFKA_CLIENT', 'KAFKA_CLOSED']);

export interface ContactedAdmin {
  admin: KafkaAdmin;
  /** True once a broker answered: from then on a change may have reached the cluster. */
  contacted(): boolean;
}

/**
 * Wraps `admin` so that its first call (any method but `close`) waits for a broker's answer to
 * `describeCluster`, within `boundMs`. Fails with `KAFKA_UNREACHABLE` naming the brokers.
 */
export function withFirstContact(admin: KafkaAdmin, brokers: string[], boundMs: number): ContactedAdmin {
  let contact: Promise<void> | undefined;
  let contacted = false;
  const ensure = (): Promise<void> => {
    contact ??= probe(admin, brokers, boundMs).then(() => {
      contacted = true;
    });
    return contact;
  };
  const wrapped = new Proxy(admin, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'close' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await ensure();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { admin: wrapped, contacted: () => contacted };
}

async function probe(admin: KafkaAdmin, brokers: string[], boundMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(kafkaError('KAFKA_TIMEOUT', `no answer within ${Math.round(boundMs / 100) / 10} s`)), boundMs);
  });
  try {
    await Promise.race([admin.describeCluster(), late]);
  } catch (err) {
    const e = toFirebreakError(err);
    if (!NO_CONTACT.has(e.code)) throw e;
    throw kafkaError(
      'KAFKA_UNREACHABLE',
      `no Kafka broker answered at ${brokers.join(',')} (${e.message}); nothing was sent that changes anything`,
      {
        cause: err,
        details: { brokers, hint: 'check --brokers (or kafka.brokers): host:port of a broker listener that clients use, reachable from here' },
      },
    );
  } finally {
    clearTimeout(timer);
  }
}
