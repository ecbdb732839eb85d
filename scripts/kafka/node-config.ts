/**
 * Files and command line of one combined KRaft node (broker + controller) of a local cluster.
 * Pure functions of the node's layout, so a node can be restarted, or a cluster reattached,
 * from the state file alone.
 *
 * Layout of node N inside the cluster directory:
 *   node-N/server.properties   broker config
 *   node-N/log4j.properties    (3.x) or node-N/log4j2.properties (4.x)
 *   node-N/data/               log.dirs (topic partitions and the KRaft metadata log)
 *   node-N/logs/server.log     the broker's own log
 *   node-N/console.log         the JVM's stdout/stderr (startup failures before logging starts)
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { LoggingFlavor } from './classpath.ts';

/** Ports and id of one node; every node is a broker and a voter of the controller quorum. */
export interface NodePorts {
  nodeId: number;
  /** PLAINTEXT listener clients use. */
  port: number;
  /** CONTROLLER listener of the quorum; clients must never use it. */
  controllerPort: number;
  /** Where the JMX exporter agent serves `/metrics`; absent when the cluster runs without it. */
  metricsPort?: number;
}

/** The Prometheus JMX exporter agent attached to every node, with its rules file. */
export interface JmxExporter {
  agentJar: string;
  rulesFile: string;
}

export interface NodePaths {
  dir: string;
  properties: string;
  loggingConfig: string;
  data: string;
  logs: string;
  serverLog: string;
  consoleLog: string;
}

export function nodePaths(clusterDir: string, nodeId: number, logging: LoggingFlavor): NodePaths {
  const dir = join(clusterDir, `node-${nodeId}`);
  return {
    dir,
    properties: join(dir, 'server.properties'),
    loggingConfig: join(dir, logging === 'log4j1' ? 'log4j.properties' : 'log4j2.properties'),
    data: join(dir, 'data'),
    logs: join(dir, 'logs'),
    serverLog: join(dir, 'logs', 'server.log'),
    consoleLog: join(dir, 'console.log'),
  };
}

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding (what StorageTool expects).
 * Like Kafka's own Uuid.randomUuid(), never one starting with '-': StorageTool's argument parser
 * would read `-t -xyz...` as an option, and never the all-zero id.
 */
export function newClusterId(): string {
  for (;;) {
    const bytes = randomBytes(16);
    const id = bytes.toString('base64url');
    if (!id.startsWith('-') && bytes.some((b) => b !== 0)) return id;
  }
}

/** Escapes a value for a Java .properties file (backslashes are escapes there). */
function propValue(v: string | number | boolean): string {
  return String(v).replace(/\\/g, '\\\\');
}

/**
 * server.properties of one node. Internal topics get RF = min(3, nodes) so a 1-node cluster
 * works and a 3-node cluster survives one stopped broker; min ISR 1 keeps writes possible then.
 * `extra` lines replace the default of the same name or are added at the end.
 */
export function renderServerProperties(
  node: NodePorts,
  all: readonly NodePorts[],
  paths: NodePaths,
  extra: Readonly<Record<string, string | number | boolean>> = {},
): string {
  const rf = Math.min(3, all.length);
  const props: Array<[string, string | number | boolean]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', node.nodeId],
    // Static voters: every node knows the whole quorum up front, so storage needs no
    // --standalone/--initial-controllers formatting (accepted by 3.x and 4.x alike).
    ['controller.quorum.voters', all.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(',')],
    ['listeners', `PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://127.0.0.1:${node.port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['log.dirs', paths.data],
    ['num.partitions', 1],
    ['default.replication.factor', rf],
    ['min.insync.replicas', 1],
    ['offsets.topic.replication.factor', rf],
    // Fewer partitions than the default 50 so the first consumer group joins quickly.
    ['offsets.topic.num.partitions', 10],
    ['transaction.state.log.replication.factor', rf],
    ['transaction.state.log.min.isr', 1],
    ['transaction.state.log.num.partitions', 10],
    ['share.coordinator.state.topic.replication.factor', rf],
    ['share.coordinator.state.topic.min.isr', 1],
    ['group.initial.rebalance.delay.ms', 0],
    ['auto.create.topics.enable', false],
    // Retention changes take effect within seconds instead of minutes.
    ['log.retention.check.interval.ms', 1000],
    ['log.initial.task.delay.ms', 0],
  ];
  const merged = [...props.filter(([k]) => !(k in extra)), ...Object.entries(extra)];
  return merged.map(([k, v]) => `${k}=${propValue(v)}`).join('\n') + '\n';
}

/** Logging config: INFO to `logs/server.log` only, nothing on the console. */
export function renderLoggingConfig(logging: LoggingFlavor, paths: NodePaths): string {
  const file = propValue(paths.serverLog);
  if (logging === 'log4j1') {
    return [
      'log4j.rootLogger=INFO, file',
      'log4j.appender.file=org.apache.log4j.FileAppender',
      `log4j.appender.file.File=${file}`,
      'log4j.appender.file.Append=true',
      'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.kafka.request.logger=WARN',
      '',
    ].join('\n');
  }
  return [
    'status = warn',
    // Kafka logs its own shutdown from a JVM shutdown hook; log4j's hook must not close first.
    'shutdownHook = disable',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${file}`,
    'appender.file.append = true',
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = info',
    'rootLogger.appenderRef.file.ref = file',
    'logger.request.name = kafka.request.logger',
    'logger.request.level = warn',
    '',
  ].join('\n');
}

/**
 * Tuned for start-up on small machines, not throughput: a small heap so three nodes fit, and
 * the C1 compiler only with the serial collector, which spend far less CPU while three JVMs start
 * on two cores (measured: a 3-node start in roughly half the time). Test traffic is tiny.
 */
export const JVM_OPTIONS = [
  '-Xmx512m',
  '-Xms256m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

/**
 * JVM arguments (after `java`) that run `mainClass` with this node's logging config, and with the
 * JMX exporter agent serving on 127.0.0.1:`agent.port` when one is given.
 */
export function javaArgs(
  logging: LoggingFlavor,
  paths: NodePaths,
  mainClass: string,
  args: string[],
  agent?: JmxExporter & { port: number },
): string[] {
  const loggingProp =
    logging === 'log4j1'
      ? `-Dlog4j.configuration=file:${paths.loggingConfig}`
      : `-Dlog4j2.configurationFile=${paths.loggingConfig}`;
  const javaagent = agent === undefined ? [] : [`-javaagent:${agent.agentJar}=127.0.0.1:${agent.port}:${agent.rulesFile}`];
  return [...JVM_OPTIONS, ...javaagent, `-Dkafka.logs.dir=${paths.logs}`, loggingProp, mainClass, ...args];
}
