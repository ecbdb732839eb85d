import { expect } from 'chai';
import { createServer } from 'node:net';
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { useKafka } from '../../support/kafka.ts';

/** A 127.0.0.1 port nobody listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A listener that accepts connections and never answers: a hung broker. */
async function silentListener(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function failure(promise: Promise<unknown>): Promise<FirebreakError> {
  try {
    await promise;
  } catch (e) {
    expect(e).to.be.instanceOf(FirebreakError);
    return e as FirebreakError;
  }
  expect.fail('expected a FirebreakError');
}

describe('Kafka admin: unreachable brokers', () => {
  it('fails with retriable KAFKA_UNREACHABLE within the configured bound when nothing listens', async function () {
    this.timeout(30_000);
    const operationTimeoutMs = 3_000;
    const admin = createKafkaAdmin({ brokers: [`127.0.0.1:${await closedPort()}`, `127.0.0.1:${await closedPort()}`], operationTimeoutMs }, { logger: silentLogger() });
    try {
      for (const call of [() => admin.describeCluster(), () => admin.describeClientQuotas(), () => admin.consumerGroupLag('g')]) {
        const started = Date.now();
        const err = await failure(call());
        const elapsed = Date.now() - started;
        expect([err.code, err.retriable, err.statusCode]).to.deep.equal(['KAFKA_UNREACHABLE', true, 503]);
        expect(elapsed).to.be.below(operationTimeoutMs + 500);
      }
    } finally {
      await admin.close();
    }
  });

  it('fails with retriable KAFKA_TIMEOUT at the bound when a broker accepts connections but never answers', async function () {
    this.timeout(30_000);
    const hung = await silentListener();
    const operationTimeoutMs = 2_000;
    const admin = createKafkaAdmin({ brokers: [`127.0.0.1:${hung.port}`], operationTimeoutMs, connectionTimeoutMs: 5_000 }, { logger: silentLogger() });
    try {
      const started = Date.now();
      const err = await failure(admin.describeCluster());
      const elapsed = Date.now() - started;
      expect([err.code, err.retriable]).to.deep.equal(['KAFKA_TIMEOUT', true]);
      expect(elapsed).to.be.within(operationTimeoutMs - 50, operationTimeoutMs + 1_000);
    } finally {
      await admin.close();
      await hung.close();
    }
  });

  it('works when only some bootstrap addresses answer', async function () {
    this.timeout(300_000);
    const cluster = await useKafka();
    const brokers = [`127.0.0.1:${await closedPort()}`, ...cluster.bootstrapServers.split(',')];
    const admin = createKafkaAdmin({ brokers, operationTimeoutMs: 10_000 }, { logger: silentLogger() });
    try {
      expect((await admin.describeCluster()).clusterId).to.equal(cluster.clusterId);
    } finally {
      await admin.close();
    }
  });
});
