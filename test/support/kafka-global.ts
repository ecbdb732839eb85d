/**
 * Mocha global fixture for the integration suite (required by test/integration/.mocharc.json):
 * stops the run's shared Kafka cluster after all tests, if a test started it. Without this the
 * broker processes would keep mocha (which runs without --exit) alive.
 */
import { stopKafka } from './kafka.ts';

export async function mochaGlobalTeardown(): Promise<void> {
  await stopKafka();
}
