/**
 * Whether client quotas can act on this cluster. A broker started with a custom
 * `client.quota.callback.class` (KIP-257; for example the Strimzi quota plugin, common in managed
 * Kafka services) hands every quota decision to that class: quotas written with
 * AlterClientQuotas are stored and reported, and change nothing. Only one callback can be active
 * per broker.
 *
 * The quota actions ask {@link assertQuotasCanAct} in `plan` and `execute` (never in `revert`:
 * restoring the prior state is always allowed), so the refusal shows in plan, dry-run, enforce
 * and `firebreak action` alike, naming the class; the engine turns it into the guard reason
 * `quota-callback`.
 */
import type { ActionContext } from '../../types.ts';
import { actionError } from '../../errors.ts';

export const QUOTA_CALLBACK_KEY = 'client.quota.callback.class';

/** A broker that runs a custom quota callback. */
export interface QuotaCallback {
  brokerId: number;
  className: string;
}

/**
 * The brokers that run a custom quota callback (each broker asked for its own config, in
 * parallel); empty when every broker uses Kafka's built-in quotas.
 */
export async function quotaCallbacks(ctx: ActionContext): Promise<QuotaCallback[]> {
  // The brokers the client already knows are asked while the broker list is fetched afresh (one
  // round trip instead of two); a broker only the fresh list names is asked once it is known.
  const early = (ctx.kafka.knownBrokerIds?.() ?? Promise.resolve([])).then(
    (ids) => new Map(ids.map((id) => [id, settled(callbackOf(ctx, id))])),
    () => new Map<number, Promise<Settled<QuotaCallback | null>>>(),
  );
  const { brokers } = await ctx.kafka.describeCluster();
  const asked = await early;
  const found = await Promise.all(
    brokers.map(async ({ nodeId }) => {
      const answer = asked.get(nodeId);
      if (answer === undefined) return callbackOf(ctx, nodeId);
      const outcome = await answer;
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    }),
  );
  return found.filter((c): c is QuotaCallback => c !== null);
}

/** The custom quota callback one broker runs, or null. */
async function callbackOf(ctx: ActionContext, nodeId: number): Promise<QuotaCallback | null> {
  const entries = await ctx.kafka.describeConfigs({ type: 'broker', name: String(nodeId) }, [QUOTA_CALLBACK_KEY]);
  const value = entries.find((e) => e.name === QUOTA_CALLBACK_KEY)?.value ?? null;
  return value === null || value.trim() === '' ? null : { brokerId: nodeId, className: value.trim() };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise that never rejects: a broker asked early may have left the cluster, and its failure then does not count. */
function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/**
 * Throws `ACTION_QUOTA_CALLBACK` (409) when any broker runs a custom quota callback: a quota
 * firebreak set would be a silent no-op there. `resource` names the quota for the message.
 */
export async function assertQuotasCanAct(ctx: ActionContext, resource: string): Promise<void> {
  const callbacks = await quotaCallbacks(ctx);
  const first = callbacks[0];
  if (first === undefined) return;
  const classes = [...new Set(callbacks.map((c) => c.className))];
  throw actionError(
    'ACTION_QUOTA_CALLBACK',
    `${resource}: broker${callbacks.length > 1 ? 's' : ''} ${callbacks.map((c) => c.brokerId).join(', ')} run${callbacks.length > 1 ? '' : 's'} the custom quota callback ${classes.join(', ')} (${QUOTA_CALLBACK_KEY}); client quotas set through the admin API have no effect there, so firebreak does not set them`,
    {
      details: { resource, quotaCallbackClass: first.className, brokers: callbacks },
    },
  );
}
