/** An in-memory CliIo for running CLI commands in-process: captured output, no network, no disk. */
import { registerKafkaActions } from '../../../src/actions/kafka/index.ts';
import { ActionRegistry } from '../../../src/actions/registry.ts';
import type { CliIo } from '../../../src/cli/types.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { FirebreakError } from '../../../src/errors.ts';

export interface CapturedIo extends CliIo {
  out: () => string;
  err: () => string;
  /** How many times a command asked for a Kafka connection. */
  connections: () => number;
}

/**
 * `connectKafka` refuses: unit tests have no cluster, and every path tested here must fail or
 * finish before connecting (the count proves it).
 */
export function captureIo(overrides: Partial<CliIo> = {}): CapturedIo {
  let out = '';
  let err = '';
  let connections = 0;
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env: {},
    readFile: (path) => {
      throw new Error(`no files in unit tests: ${path}`);
    },
    debug: false,
    logger: silentLogger(),
    clock: new FakeClock(),
    actions: registerKafkaActions(new ActionRegistry()),
    connectKafka: async () => {
      connections += 1;
      throw new FirebreakError('KAFKA_UNREACHABLE', 'no Kafka in unit tests', { retriable: true });
    },
    ...overrides,
    out: () => out,
    err: () => err,
    connections: () => connections,
  };
}
