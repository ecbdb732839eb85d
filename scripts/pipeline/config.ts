/**
 * The configuration files of the monitoring pipeline, rendered from what the project ships:
 * the alert rules of alert-rules/ (with shorter `for:` durations when asked), the Prometheus
 * scrape configuration docs/alert-rules.md describes, the Alertmanager route and webhook receiver
 * docs/alertmanager.md recommends, and the shipped runbooks with their params filled in.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { REPO_ROOT } from '../kafka/classpath.ts';

/** The intervals of the pipeline. The shipped rules' `for:` and the recommended route timers are minutes; a demo uses seconds. */
export interface PipelineTimings {
  /** Prometheus scrape and rule evaluation interval, e.g. "2s". */
  scrapeInterval: string;
  /** Replaces the `for:` of every Kafka alert rule; undefined keeps the shipped durations. */
  ruleFor?: string;
  /** Alertmanager route timers (docs/alertmanager.md). */
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  /** Seconds between two scans of the consumer lag exporter (10 at least). */
  lagScanSeconds: number;
}

/** The route timers docs/alertmanager.md recommends for firebreak, with the shipped rules. */
export const RECOMMENDED_TIMINGS: PipelineTimings = {
  scrapeInterval: '15s',
  groupWait: '10s',
  groupInterval: '1m',
  repeatInterval: '1h',
  lagScanSeconds: 30,
};

/** Seconds instead of minutes, for the demo and the end-to-end test. */
export const SHORT_TIMINGS: PipelineTimings = {
  scrapeInterval: '2s',
  ruleFor: '20s',
  groupWait: '2s',
  groupInterval: '10s',
  repeatInterval: '1h',
  lagScanSeconds: 10,
};

/** Labels firebreak's shipped runbooks group incidents by: the recommended Alertmanager `group_by`. */
export const FIREBREAK_GROUP_BY = ['alertname', 'cluster', 'consumergroup', 'topic', 'instance', 'mountpoint'];

interface RuleFile {
  groups: Array<{ name: string; rules: Array<Record<string, unknown>> }>;
}

/** alert-rules/kafka.rules.yml with every alert's `for:` set to `ruleFor` (unchanged when undefined). */
export async function renderKafkaRules(ruleFor: string | undefined): Promise<string> {
  const text = await readFile(join(REPO_ROOT, 'alert-rules', 'kafka.rules.yml'), 'utf8');
  if (ruleFor === undefined) return text;
  const rules = load(text) as RuleFile;
  for (const group of rules.groups) {
    for (const rule of group.rules) if (rule['alert'] !== undefined) rule['for'] = ruleFor;
  }
  return `# alert-rules/kafka.rules.yml with every for: set to ${ruleFor}\n${dump(rules, { lineWidth: -1 })}`;
}

export interface ScrapeTargets {
  cluster: string;
  /** JMX exporter agents of the brokers, host:port. */
  brokers: string[];
  /** The consumer lag exporter, host:port. */
  lagExporter: string;
  /** firebreak's listen address, host:port. */
  firebreak: string;
  /** Alertmanager, host:port. */
  alertmanager: string;
}

/** prometheus.yml: the scrape jobs docs/alert-rules.md describes, the rule files, the Alertmanager. */
export function renderPrometheusConfig(targets: ScrapeTargets, timings: PipelineTimings, ruleFiles: string[]): string {
  const config = {
    global: { scrape_interval: timings.scrapeInterval, evaluation_interval: timings.scrapeInterval },
    rule_files: ruleFiles,
    alerting: { alertmanagers: [{ static_configs: [{ targets: [targets.alertmanager] }] }] },
    scrape_configs: [
      // The JMX exporter agent on each broker (alert-rules/exporters/kafka-broker-jmx.yml).
      { job_name: 'kafka', static_configs: [{ targets: targets.brokers, labels: { cluster: targets.cluster } }] },
      // kafka-overwatch labels its series with the cluster name of its own configuration: keep it.
      { job_name: 'kafka-lag', honor_labels: true, static_configs: [{ targets: [targets.lagExporter], labels: { cluster: targets.cluster } }] },
      { job_name: 'firebreak', static_configs: [{ targets: [targets.firebreak] }] },
    ],
  };
  return dump(config, { lineWidth: -1 });
}

/** alertmanager.yml: the route and receiver docs/alertmanager.md recommends for firebreak, with inline credentials. */
export function renderAlertmanagerConfig(firebreakUrl: string, webhookToken: string, timings: PipelineTimings): string {
  const config = {
    route: {
      receiver: 'firebreak',
      group_by: FIREBREAK_GROUP_BY,
      group_wait: timings.groupWait,
      group_interval: timings.groupInterval,
      repeat_interval: timings.repeatInterval,
    },
    receivers: [
      {
        name: 'firebreak',
        webhook_configs: [
          {
            url: `${firebreakUrl}/api/v1/alerts`,
            send_resolved: true,
            max_alerts: 0,
            http_config: { authorization: { type: 'Bearer', credentials: webhookToken } },
          },
        ],
      },
    ],
  };
  return dump(config, { lineWidth: -1 });
}

/**
 * Copies the shipped runbooks (runbooks/*.yaml and their schema) into `dir`, the consumer lag
 * runbook with `params` applied: `producers` always, any other key only where the shipped
 * runbook has that param (so a param renamed upstream fails loudly here instead of silently doing
 * nothing). Returns the param keys applied.
 */
export async function writeRunbooks(dir: string, params: Record<string, unknown>): Promise<string[]> {
  const source = join(REPO_ROOT, 'runbooks');
  const applied: string[] = [];
  for (const file of await readdir(source)) {
    if (!file.endsWith('.yaml') && !file.endsWith('.json')) continue;
    let text = await readFile(join(source, file), 'utf8');
    if (file === 'consumer-lag.yaml') {
      const runbook = load(text) as { params: Record<string, unknown> };
      for (const [key, value] of Object.entries(params)) {
        if (key !== 'producers' && !(key in runbook.params)) throw new Error(`runbooks/consumer-lag.yaml has no param ${key}`);
        runbook.params[key] = value;
        applied.push(key);
      }
      text = `# runbooks/consumer-lag.yaml with params ${applied.join(', ')} set for this pipeline\n${dump(runbook, { lineWidth: -1 })}`;
    }
    await writeFile(join(dir, file), text);
  }
  return applied;
}
