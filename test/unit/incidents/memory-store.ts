/** An in-memory SQLite store (no disk) migrated and ready, with the fake clock it stamps with. */
import { FakeClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store } from '../../../src/store/types.ts';
import type { Incident } from '../../../src/model/incident.ts';
import type { Logger } from '../../../src/core/logger.ts';

export interface MemoryStore {
  store: Store;
  clock: FakeClock;
  logger: Logger;
}

export async function openMemoryStore(start = '2026-03-01T10:01:00Z'): Promise<MemoryStore> {
  const clock = new FakeClock(start);
  const logger = silentLogger();
  const store = await openSqliteStore({ path: ':memory:', clock, logger });
  await store.migrate();
  return { store, clock, logger };
}

/** An open incident, opened at the memory store's start time, to create with `store.createIncident`. */
export function openIncidentFields(overrides: Partial<Omit<Incident, 'id' | 'updatedAt'>> = {}): Omit<Incident, 'id' | 'updatedAt'> {
  return {
    key: 'k',
    title: 'Lag',
    severity: 'warning',
    cluster: 'eu1',
    status: 'open',
    runbook: null,
    labels: {},
    startedAt: '2026-03-01T10:00:00.000Z',
    openedAt: '2026-03-01T10:01:00.000Z',
    containedAt: null,
    resolvedAt: null,
    recoveredAt: null,
    closedAt: null,
    ...overrides,
  };
}
