/**
 * `firebreak action` (in-process, with the real Kafka client) against a "broker" that accepts TCP
 * connections and never answers, as a host behind a firewall or a port that is not a Kafka
 * listener does: it fails well before its --timeout and says nothing was changed.
 */
import { expect } from 'chai';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import { runCli } from '../../../src/cli/run.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { captureIo } from '../../unit/cli/cli-io.ts';

describe('firebreak action with a broker that never answers', function () {
  this.timeout(120_000);
  let server: Server;
  let broker: string;
  const sockets = new Set<Socket>();

  before(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    broker = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function action(...argv: string[]): Promise<{ code: number; err: string }> {
    const io = captureIo({ connectKafka: async (options) => createKafkaAdmin(options, { logger: silentLogger() }) });
    const code = await runCli(['action', ...argv, '--brokers', broker], io);
    return { code, err: io.err() };
  }

  it('fails with KAFKA_UNREACHABLE long before a 60 s --timeout, for a read and for a change', async () => {
    const read = await action('kafka.describeCluster', '--timeout', '60000');
    expect(read.code).to.equal(1);
    expect(read.err).to.match(new RegExp(`^error KAFKA_UNREACHABLE: no Kafka broker answered at ${broker} \\(.+\\); nothing was sent that changes anything\\n`));
    expect(read.err).to.include('check --brokers');

    const change = await action('kafka.setClientQuota', '--with', '{"entity":{"client-id":"loadgen"},"producerByteRate":1048576}', '--timeout', '60000');
    expect(change.code).to.equal(1);
    expect(change.err).to.match(/^error KAFKA_UNREACHABLE: .*nothing was sent that changes anything\n/);
  });
});
