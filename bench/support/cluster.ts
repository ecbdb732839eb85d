/**
 * The Kafka cluster a benchmark runs against: `--brokers host:port,...`, or `--dir` of a cluster
 * started with `npm run kafka -- start --dir <dir>`.
 */
import { attachCluster } from '../../scripts/kafka/cluster.ts';

export async function benchBootstrap(options: { brokers?: string | undefined; dir?: string | undefined }, script: string): Promise<string> {
  if (options.brokers !== undefined) return options.brokers;
  if (options.dir !== undefined) {
    const cluster = await attachCluster(options.dir);
    if (cluster === null) throw new Error(`no cluster state in ${options.dir}; start one with npm run kafka -- start --dir ${options.dir}`);
    return cluster.bootstrapServers;
  }
  throw new Error(`usage: node ${script} (--dir <cluster dir> | --brokers host:port,...) [--runs N]`);
}
