/**
 * Builds a large, realistic Alertmanager notification: `count` alerts of one group, each with 20
 * labels and about 2.5 KiB of annotations (a long description, a summary, a runbook URL), the
 * size of the biggest notifications seen from Kafka alert rules that embed partition lists.
 */
export function bigNotification(count: number, options: { groupKey?: string; prefix?: string } = {}): Record<string, unknown> {
  const prefix = options.prefix ?? 'big';
  const description = `Partition replicas out of sync: ${'broker-1 broker-2 broker-3 isr shrink; '.repeat(52)}`.slice(0, 2200);
  const alerts = Array.from({ length: count }, (_, i) => {
    const labels: Record<string, string> = {
      alertname: 'KafkaTopicUnderReplicated',
      cluster: 'prod-eu1',
      topic: `orders-${i % 50}`,
      partition: String(i),
      severity: 'critical',
      instance: 'kafka-exporter:9308',
      job: 'kafka-exporter',
    };
    for (let l = 7; Object.keys(labels).length < 20; l++) labels[`extra_label_${l}`] = `value-${l}-${i}`;
    return {
      status: 'firing',
      labels,
      annotations: {
        summary: `Under-replicated partition orders-${i % 50}-${i} on cluster prod-eu1 (replication factor 3, 1 in sync)`,
        description,
        runbook_url: 'https://runbooks.example.com/kafka/under-replicated-partitions#containment',
      },
      startsAt: '2026-03-02T09:14:05.482913443Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=kafka_topic_partition_under_replicated_partition+%3E+0&g0.tab=1',
      fingerprint: `${prefix}${i.toString(16).padStart(16 - prefix.length, '0')}`.slice(-16),
    };
  });
  return {
    receiver: 'firebreak',
    status: 'firing',
    alerts,
    groupLabels: { alertname: 'KafkaTopicUnderReplicated', cluster: 'prod-eu1' },
    commonLabels: { alertname: 'KafkaTopicUnderReplicated', cluster: 'prod-eu1', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com:9093',
    version: '4',
    groupKey: options.groupKey ?? `{}:{alertname="KafkaTopicUnderReplicated", cluster="prod-eu1", run="${prefix}"}`,
    truncatedAlerts: 0,
  };
}
