/**
 * `npm run kafka -- <command>`: a local Kafka cluster for development.
 *
 *   start [--brokers 1|3] [--version X.Y.Z] [--dir D]   start, print bootstrap servers LAST on stdout
 *   stop [--dir D]                                      stop every node, wait until all have exited
 *   status [--dir D]                                    show nodes; exit 0 running, 3 not running
 *   stop-broker <id> [--dir D] [--kill]                 stop one node (SIGTERM, or SIGKILL with --kill)
 *   start-broker <id> [--dir D]                         restart a stopped node with its storage
 *   fetch [--version X.Y.Z]... [--with G:A:V]... [--cache-dir D]
 *                                                       resolve and cache jars only (CI prefetch);
 *                                                       --with also caches the broker plus that artifact;
 *                                                       always: the broker with Kafka's tools, the JMX exporter agent
 *
 * Progress goes to stderr so `$(npm run -s kafka -- start | tail -1)` is the bootstrap list.
 */
import { parseArgs } from 'node:util';
import { isFirebreakError } from '../../src/errors.ts';
import { checkJava, kafkaToolsArtifact, parseKafkaVersion, resolveClasspath, resolveJmxExporterAgent } from './classpath.ts';
import { attachCluster, DEFAULT_KAFKA_VERSION, startCluster, type Cluster, type ClusterLogger } from './cluster.ts';

const USAGE = `usage: npm run kafka -- <command> [options]
  start [--brokers 1|3] [--version X.Y.Z] [--dir D]   start a local cluster (default 1 node, ${DEFAULT_KAFKA_VERSION}, .kafka/)
  stop [--dir D]                                      stop it; no process or port is left behind
  status [--dir D]                                    show its nodes (exit 3 if not running)
  stop-broker <id> [--kill] [--dir D]                 stop one node (clean shutdown; --kill to crash it)
  start-broker <id> [--dir D]                         restart a stopped node
  fetch [--version X.Y.Z]... [--with G:A:V]... [--cache-dir D]
                                                      download and cache a version's jars only (default .cache/kafka/);
                                                      --with: also the broker with that extra artifact (a broker plugin);
                                                      always also Kafka's tools and the JMX exporter agent`;

const err: ClusterLogger = { info: (msg) => process.stderr.write(`kafka: ${msg}\n`) };

async function requireCluster(dir: string): Promise<Cluster> {
  const cluster = await attachCluster(dir, { logger: err });
  if (cluster === null || cluster.brokers.every((b) => b.pid === null)) {
    err.info(`no cluster is running from ${dir}`);
    process.exit(3);
  }
  return cluster;
}

function nodeIdArg(positionals: string[]): number {
  const id = Number(positionals[1]);
  if (!Number.isInteger(id)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  return id;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      brokers: { type: 'string', default: '1' },
      version: { type: 'string', multiple: true },
      dir: { type: 'string', default: '.kafka' },
      'cache-dir': { type: 'string' },
      with: { type: 'string', multiple: true },
      kill: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0];
  const dir = values.dir;
  const version = values.version?.at(-1) ?? DEFAULT_KAFKA_VERSION;
  switch (values.help ? 'help' : command) {
    case 'start': {
      const existing = await attachCluster(dir);
      if (existing !== null && existing.brokers.some((b) => b.pid !== null)) {
        err.info(`already running: Kafka ${existing.version}, ${existing.brokers.length} node(s), from ${dir}`);
        process.stdout.write(`${existing.bootstrapServers}\n`);
        return 0;
      }
      const cluster = await startCluster({
        dir,
        version,
        brokers: Number(values.brokers),
        persistent: true,
        logger: err,
      });
      err.info(`stop it with: npm run kafka -- stop${dir === '.kafka' ? '' : ` --dir ${dir}`}`);
      process.stdout.write(`${cluster.bootstrapServers}\n`);
      return 0;
    }
    case 'stop': {
      const cluster = await attachCluster(dir, { logger: err });
      if (cluster === null) {
        err.info(`no cluster state in ${dir}: nothing to stop`);
        return 0;
      }
      await cluster.stop();
      err.info(`stopped Kafka ${cluster.version} (${cluster.brokers.length} node(s))`);
      return 0;
    }
    case 'status': {
      const cluster = await attachCluster(dir);
      if (cluster === null || cluster.brokers.every((b) => b.pid === null)) {
        process.stdout.write(`not running (${dir})\n`);
        return 3;
      }
      process.stdout.write(`Kafka ${cluster.version}, cluster id ${cluster.clusterId}, dir ${dir}\n`);
      for (const b of cluster.brokers) {
        const state = b.pid === null ? 'stopped' : `pid ${b.pid}`;
        process.stdout.write(`  node ${b.nodeId}  127.0.0.1:${b.port}  (controller :${b.controllerPort})  ${state}\n`);
      }
      process.stdout.write(`${cluster.bootstrapServers}\n`);
      return 0;
    }
    case 'stop-broker': {
      const id = nodeIdArg(positionals);
      await (await requireCluster(dir)).stopBroker(id, { signal: values.kill ? 'SIGKILL' : 'SIGTERM' });
      err.info(`node ${id} stopped`);
      return 0;
    }
    case 'start-broker': {
      const id = nodeIdArg(positionals);
      await (await requireCluster(dir)).startBroker(id);
      err.info(`node ${id} serving`);
      return 0;
    }
    case 'fetch': {
      await checkJava();
      for (const v of values.version ?? [DEFAULT_KAFKA_VERSION]) {
        const { entries } = await resolveClasspath(parseKafkaVersion(v), { cacheDir: values['cache-dir'], log: (m) => err.info(m) });
        err.info(`Kafka ${v}: ${entries.length} jars cached`);
        for (const extra of [kafkaToolsArtifact(parseKafkaVersion(v)), ...(values.with ?? [])]) {
          const withExtra = await resolveClasspath(parseKafkaVersion(v), { cacheDir: values['cache-dir'], log: (m) => err.info(m), extras: [extra] });
          err.info(`Kafka ${v} with ${extra}: ${withExtra.entries.length} jars cached`);
        }
      }
      err.info(`JMX exporter agent: ${await resolveJmxExporterAgent({ cacheDir: values['cache-dir'], log: (m) => err.info(m) })}`);
      return 0;
    }
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (isFirebreakError(error)) process.stderr.write(`kafka: ${error.code}: ${error.message}\n`);
    else process.stderr.write(`kafka: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
