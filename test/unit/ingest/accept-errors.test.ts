/**
 * What a failed append answers: only a store that cannot write is a 503 WEBHOOK_NOT_STORED
 * (counted as a store error, retried by Alertmanager); a value the store refuses is a 400, and
 * an error that is not the store's is not turned into a 503.
 */
import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { acceptNotification } from '../../../src/ingest/accept.ts';
import type { Pipeline } from '../../../src/ingest/pipeline.ts';
import { createWebhookValidator } from '../../../src/ingest/validate.ts';
import { createMetrics } from '../../../src/metrics/metrics.ts';
import type { Store } from '../../../src/store/types.ts';
import { rejection } from '../../support/rejection.ts';
import groupedFiring from '../../fixtures/alertmanager/grouped-firing.json' with { type: 'json' };
import { openMemoryStore } from '../incidents/memory-store.ts';

const idlePipeline: Pipeline = { kick: () => undefined, pending: () => 0, idle: async () => undefined, close: async () => undefined };

describe('accepting a notification when the append fails', () => {
  let store: Store;
  beforeEach(async () => {
    ({ store } = await openMemoryStore());
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
  });

  async function accept(append: () => Promise<never>) {
    const metrics = createMetrics({ processMetrics: false });
    const failing: Store = Object.create(store, { appendNotification: { value: append } }) as Store;
    const deps = { store: failing, clock: new FakeClock('2026-03-02T09:20:00Z'), logger: silentLogger(), metrics, pipeline: idlePipeline, validate: createWebhookValidator() };
    const error = await rejection(acceptNotification(deps, structuredClone(groupedFiring)));
    const text = (await metrics.render()).body;
    return { error: error as FirebreakError, storeErrors: /firebreak_store_errors_total\{operation="appendNotification"\} (\d+)/.exec(text)?.[1] ?? '0' };
  }

  it('answers 503 WEBHOOK_NOT_STORED when the store cannot write', async () => {
    const { error, storeErrors } = await accept(async () => {
      throw new FirebreakError('STORE_UNAVAILABLE', 'database or disk is full', { retriable: true, statusCode: 503 });
    });
    expect(error).to.include({ code: 'WEBHOOK_NOT_STORED', statusCode: 503, retriable: true });
    expect(storeErrors).to.equal('1');
  });

  it('answers 503 for a closed store', async () => {
    await store.close();
    const metrics = createMetrics({ processMetrics: false });
    const deps = { store, clock: new FakeClock('2026-03-02T09:20:00Z'), logger: silentLogger(), metrics, pipeline: idlePipeline, validate: createWebhookValidator() };
    const error = (await rejection(acceptNotification(deps, structuredClone(groupedFiring)))) as FirebreakError;
    expect(error).to.include({ code: 'WEBHOOK_NOT_STORED', statusCode: 503 });
  });

  it('answers 400 WEBHOOK_INVALID_PAYLOAD when the store refuses the body as a value, not a 503', async () => {
    const { error, storeErrors } = await accept(async () => {
      throw new FirebreakError('STORE_INVALID_VALUE', 'notification payload cannot be serialised as JSON: Maximum call stack size exceeded', { statusCode: 400 });
    });
    expect(error).to.include({ code: 'WEBHOOK_INVALID_PAYLOAD', statusCode: 400, retriable: false });
    expect(storeErrors).to.equal('0');
  });

  it('does not turn an error that is not the store\'s into a 503', async () => {
    const { error, storeErrors } = await accept(async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    });
    expect(error.code).to.equal('INTERNAL');
    expect(error.statusCode).to.equal(500);
    expect(storeErrors).to.equal('0');
  });
});
