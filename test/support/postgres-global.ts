/**
 * Mocha global fixture (required by the integration and e2e .mocharc.json files): stops the run's
 * PostgreSQL server after all tests, if a test started it.
 */
import { stopPostgres } from './postgres.ts';

export async function mochaGlobalTeardown(): Promise<void> {
  await stopPostgres();
}
