/**
 * An ActionContext for the HTTP integration actions (Prometheus, Grafana, notify, http.request,
 * wait) in tests. Those actions never use `ctx.kafka`, so the context has none: any use would
 * fail loudly with a TypeError rather than pass against a stand-in. Fake clock by default.
 */
import type { ActionContext, IntegrationSettings } from '../../src/actions/types.ts';
import { FakeClock, type Clock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/logger.ts';

export function integrationContext(integrations: IntegrationSettings, extra: { clock?: Clock; signal?: AbortSignal } = {}): ActionContext {
  const ctx: Omit<ActionContext, 'kafka'> = {
    clock: extra.clock ?? new FakeClock(),
    logger: silentLogger(),
    limits: { minQuotaByteRate: 1, minRetentionMs: 60_000, protectedTopics: [] },
    integrations,
    ...(extra.signal === undefined ? {} : { signal: extra.signal }),
  };
  return ctx as ActionContext;
}
