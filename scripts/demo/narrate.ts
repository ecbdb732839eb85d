/**
 * Prints a running incident for a person: every new timeline entry of every incident as firebreak
 * records it, and every 10 seconds (or when something changes) one line with the lag Prometheus
 * sees, the producer's and consumer's rates, the quota in force on the broker and the lag alert's
 * state.
 */
import type { Pipeline } from '../pipeline/pipeline.ts';
import { SCENARIO, type Load } from '../pipeline/scenario.ts';

export interface IncidentSummary {
  id: string;
  status: string;
  runbook: string | null;
  title: string;
}

interface Entry {
  id: number;
  at: string;
  kind: string;
  actor: string;
  summary: string;
}

/** What the narrator saw at its last look. */
export interface Snapshot {
  /** The latest consumer-lag incident. */
  incident: IncidentSummary | undefined;
  incidents: IncidentSummary[];
  quota: number | undefined;
  lag: number | undefined;
  /** `alertname: state` of the consumer lag alerts in Prometheus. */
  alerts: string[];
}

export interface Narrator {
  token: string;
  /** Narrates until `done` holds (resolves with the incident then) or rejects after `timeoutMs`. */
  until(what: string, done: (s: Snapshot) => boolean, timeoutMs: number): Promise<IncidentSummary>;
  /** Narrates for `ms`. */
  watch(ms: number): Promise<void>;
  incidents(): IncidentSummary[];
}

const TICK_MS = 2_000;
const STATUS_EVERY_MS = 10_000;

const clock = (at: number | string = Date.now()) => new Date(at).toISOString().slice(11, 19);
const count = (n: number) => Math.round(n).toLocaleString('en-US');
const rate = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB/s` : `${Math.round(bytes / 1024)} KiB/s`);

export function createNarrator(pipeline: Pipeline, load: Load, say: (line: string) => void): Narrator {
  const seen = new Map<string, number>();
  let snapshot: Snapshot = { incident: undefined, incidents: [], quota: undefined, lag: undefined, alerts: [] };
  let lastStatus = 0;
  let lastLine = '';
  let consumed = load.consumer.processed();
  let consumedAt = Date.now();

  async function look(): Promise<void> {
    const incidents = (await pipeline.firebreak.get<{ items: IncidentSummary[] }>('/api/v1/incidents?limit=100')).items.slice().reverse();
    for (const incident of incidents) {
      const entries = await pipeline.firebreak.timeline<Entry>(incident.id, seen.get(incident.id));
      for (const e of entries) say(`${clock(e.at)}  ${incident.id.slice(-6)}  [${e.kind}] ${e.summary}${e.actor === 'engine' || e.actor === 'alertmanager' ? '' : ` (by ${e.actor})`}`);
      const last = entries.at(-1);
      if (last !== undefined) seen.set(incident.id, last.id);
    }
    const [quota, lag, alerts] = await Promise.all([
      pipeline.quota().catch(() => undefined),
      pipeline.lag().catch(() => undefined),
      pipeline.prometheus.query('ALERTS{alertname=~"KafkaConsumerGroupLag.*"}').catch(() => []),
    ]);
    const lagIncidents = incidents.filter((i) => i.runbook === 'consumer-lag');
    snapshot = {
      incident: lagIncidents.at(-1),
      incidents: lagIncidents,
      quota,
      lag,
      alerts: alerts.map((a) => `${a.metric['alertname']}: ${a.metric['alertstate']}`).sort(),
    };
    status();
  }

  function status(): void {
    const now = Date.now();
    const processed = load.consumer.processed();
    const consumerRate = ((processed - consumed) / Math.max(1, now - consumedAt)) * 1000;
    const producer = load.producer.last();
    const state = [
      snapshot.quota === undefined ? `no quota on ${SCENARIO.producerClientId}` : `quota on ${SCENARIO.producerClientId}: ${rate(snapshot.quota)}`,
      snapshot.alerts.length === 0 ? 'no lag alert' : snapshot.alerts.join(', '),
    ].join(' | ');
    if (now - lastStatus < STATUS_EVERY_MS && state === lastLine) return;
    say(
      `${clock(now)}  lag ${snapshot.lag === undefined ? '(not scraped yet)' : count(snapshot.lag)} | producer ${producer === undefined ? '?' : count(producer.recordsPerSecond)} rec/s | ` +
        `consumer ${count(consumerRate)} msg/s | ${state}`,
    );
    lastStatus = now;
    lastLine = state;
    consumed = processed;
    consumedAt = now;
  }

  const tick = () => new Promise((resolve) => setTimeout(resolve, TICK_MS));

  return {
    token: pipeline.firebreak.viewerToken,
    incidents: () => snapshot.incidents,
    async until(what, done, timeoutMs) {
      say(`--- waiting until ${what}`);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await look();
        if (done(snapshot) && snapshot.incident !== undefined) return snapshot.incident;
        if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`);
        await tick();
      }
    },
    async watch(ms) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        await look();
        await tick();
      }
    },
  };
}
