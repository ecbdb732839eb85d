import { expect } from 'chai';
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirebreakError } from '../../../src/errors.ts';
import { startCluster } from '../../../scripts/kafka/cluster.ts';

async function startError(options: Parameters<typeof startCluster>[0]): Promise<FirebreakError> {
  const outcome = await startCluster(options).then(
    async (cluster) => {
      await cluster.stop();
      return new Error('the cluster started');
    },
    (err: unknown) => err,
  );
  expect(outcome).to.be.instanceOf(FirebreakError);
  return outcome as FirebreakError;
}

describe('Kafka version selection', function () {
  this.timeout(120_000);
  let dir: string;
  let cacheDir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-cluster-'));
    cacheDir = await mkdtemp(join(tmpdir(), 'firebreak-kafka-cache-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('fails with KAFKA_LOCAL_VERSION_NOT_FOUND for an unpublished version, before starting anything', async () => {
    const err = await startError({ dir, version: '3.9.99', cacheDir });
    expect(err.code).to.equal('KAFKA_LOCAL_VERSION_NOT_FOUND');
    expect(err.retriable).to.equal(false);
    expect(err.message).to.contain('3.9.99');
    expect(err.details).to.include({ version: '3.9.99' });
    // Resolution comes first: no node was formatted or started.
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('rejects a malformed or pre-KRaft version without asking Maven', async () => {
    for (const version of ['latest', '3.9', '2.8.2', '3.2.3']) {
      const err = await startError({ dir, version, cacheDir });
      expect(err.code, version).to.equal('KAFKA_LOCAL_VERSION_INVALID');
      expect(err.message, version).to.contain(version);
    }
    expect(await readdir(cacheDir)).to.deep.equal([]);
  });

  it('rejects a broker count outside 1 to 5', async () => {
    for (const brokers of [0, 6, 1.5]) {
      const err = await startError({ dir, brokers, cacheDir });
      expect(err.code, String(brokers)).to.equal('KAFKA_LOCAL_BAD_OPTIONS');
    }
  });
});
