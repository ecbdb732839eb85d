/**
 * Mocha global fixture for the integration suite (required by test/integration/.mocharc.json):
 * stops the run's shared Kafka cluster after all tests, if a test started it. Without this the
 * broker processes would keep mocha (which runs without --exit) alive.
 */
import { dropKafkajsNegativeTimeoutWarning } from '../../src/actions/kafka/warnings.ts';
import { stopKafka } from './kafka.ts';

// The same process-wide filter as src/main.ts: keeps kafkajs's known, harmless warning out of the test output.
dropKafkajsNegativeTimeoutWarning();

export async function mochaGlobalTeardown(): Promise<void> {
  await stopKafka();
}
