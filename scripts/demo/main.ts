/**
 * `npm run demo`: a natural consumer lag incident, end to end, on this machine. Starts Kafka with
 * the JMX exporter agent, the consumer lag exporter, Prometheus with the shipped alert rules,
 * Alertmanager routed as docs/alertmanager.md recommends, and firebreak in enforce mode with the
 * shipped runbooks (scripts/pipeline); then a producer that outruns its consumer. Prints the
 * incident as it unfolds, scales the consumer once the alert has resolved, and ends with the
 * post-mortem. Ctrl-C stops everything at any time.
 *
 *   npm run demo [-- --kafka-version 4.1.2] [-- --keep]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_KAFKA_VERSION } from '../kafka/cluster.ts';
import { SHORT_TIMINGS } from '../pipeline/config.ts';
import { startPipeline, type Pipeline } from '../pipeline/pipeline.ts';
import { SCENARIO, scenarioPipelineOptions, startScenarioLoad, type Load } from '../pipeline/scenario.ts';
import { createNarrator, type Narrator } from './narrate.ts';

const USAGE = `usage: npm run demo [-- --kafka-version X.Y.Z] [-- --keep]
  --kafka-version   Kafka release to run (default ${DEFAULT_KAFKA_VERSION}; 4.1.2 is tested too)
  --keep            keep everything running after the incident recovered, until Ctrl-C`;

const { values } = parseArgs({
  options: {
    'kafka-version': { type: 'string', default: DEFAULT_KAFKA_VERSION },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const say = (text = '') => process.stdout.write(`${text}\n`);
let pipeline: Pipeline | undefined;
let load: Load | undefined;
let dir: string | undefined;
let stopping: Promise<void> | undefined;
/** The start in progress: a stop waits for it, then stops what it started. */
let starting: Promise<unknown> = Promise.resolve();

function track<T>(start: Promise<T>): Promise<T> {
  starting = start.catch(() => undefined);
  return start;
}

/** Stops the load and every component, once, whoever asks. */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    say('\nstopping: producer, consumer, Prometheus, Alertmanager, firebreak, lag exporter, Kafka...');
    await starting;
    await load?.stop().catch(() => undefined);
    await pipeline?.stop();
    if (dir !== undefined) await rm(join(dir, 'kafka'), { recursive: true, force: true });
    say('stopped; nothing left running.');
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void stopAll().then(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  say('firebreak demo: a consumer that falls behind its producer, answered by the real pipeline.');
  say(`Short intervals so it takes minutes: Prometheus scrapes and evaluates every ${SHORT_TIMINGS.scrapeInterval}, the alert rules' for: is ${SHORT_TIMINGS.ruleFor},`);
  say(`Alertmanager group_wait ${SHORT_TIMINGS.groupWait} and group_interval ${SHORT_TIMINGS.groupInterval}, the lag exporter scans every ${SHORT_TIMINGS.lagScanSeconds} s.`);
  say('');
  dir = await mkdtemp(join(tmpdir(), 'firebreak-demo-'));
  const started = Date.now();
  pipeline = await track(startPipeline({
    dir,
    kafkaVersion: values['kafka-version'],
    ...scenarioPipelineOptions(),
    log: (msg) => say(`  starting: ${msg}`),
  }));
  if (stopping !== undefined) return;
  say(`  everything up in ${((Date.now() - started) / 1000).toFixed(0)} s:`);
  say(`    firebreak     ${pipeline.firebreak.url}  (enforce mode, runbooks/consumer-lag.yaml with params.producers = ${SCENARIO.producerClientId})`);
  say(`    Prometheus    ${pipeline.prometheus.url}`);
  say(`    Alertmanager  ${pipeline.alertmanager.url}`);
  say(`    Kafka ${pipeline.kafka.version}     ${pipeline.kafka.bootstrapServers}`);
  say('');
  load = await track(startScenarioLoad(pipeline, dir));
  if (stopping !== undefined) return;
  say(`The producer ${SCENARIO.producerClientId} writes ${SCENARIO.producerRecordsPerSecond} records/s to ${SCENARIO.topic}; the consumer group ${SCENARIO.group} processes ${SCENARIO.slowConsumerPerSecond}/s.`);
  say('Its lag grows by about 400 messages a second; KafkaConsumerGroupLagHigh fires above 10,000.');
  say('');

  const narrator = createNarrator(pipeline, load, say);
  const incident = await narrator.until('the incident is contained', (s) => s.incident?.status === 'contained', 5 * 60_000);
  await narrator.until('the alert resolves: the throttled producer let the consumer catch up', (s) => s.incident !== undefined && s.incident.status !== 'contained', 5 * 60_000);
  say('\n>>> The alert resolved, but the consumer is still slower than the unthrottled producer. Watching for a minute...\n');
  await narrator.watch(60_000);
  say(`\n>>> The on-call scales the consumer group ${SCENARIO.group}: ${SCENARIO.fastConsumerPerSecond} messages/s.\n`);
  load.consumer.setRate(SCENARIO.fastConsumerPerSecond);
  await narrator.until(
    'recovered: no quota left and the lag stays low',
    (s) => s.quota === undefined && s.incidents.every((i) => i.status === 'recovered' || i.status === 'closed') && s.incidents.length > 0,
    6 * 60_000,
  );
  await writePostmortems(narrator, incident.id);
  if (values.keep) {
    say('\n--keep: everything stays up; Ctrl-C to stop.');
    await new Promise(() => undefined);
  }
}

async function writePostmortems(narrator: Narrator, firstIncident: string): Promise<void> {
  say('');
  for (const incident of narrator.incidents()) {
    const markdown = await fetch(`${pipeline!.firebreak.url}/api/v1/incidents/${incident.id}/postmortem?format=markdown`, {
      headers: { authorization: `Bearer ${narrator.token}` },
    }).then((r) => r.text());
    const file = join(dir!, `postmortem-${incident.id}.md`);
    await writeFile(file, markdown);
    say(`Post-mortem of ${incident.id}${incident.id === firstIncident ? '' : ' (a later incident)'}: ${file}`);
  }
  say(`  (also GET ${pipeline!.firebreak.url}/api/v1/incidents/<id>/postmortem while it runs; files stay in ${dir})`);
}

main().then(
  () => stopAll().then(() => process.exit(0)),
  (error: unknown) => {
    // Once stopping, what fails is only the narration of components going away.
    if (stopping !== undefined) return;
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    void stopAll().then(() => process.exit(1));
  },
);
