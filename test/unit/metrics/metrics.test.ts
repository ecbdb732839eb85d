import { expect } from 'chai';
import { createMetrics } from '../../../src/metrics/metrics.ts';

/** The value of one series in the text exposition, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics', () => {
  it('counts accepted notifications and their alerts by status, and truncated alerts', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.notificationAccepted('firing', { firing: 3, resolved: 1 }, 2);
    metrics.notificationAccepted('resolved', { firing: 0, resolved: 2 });
    const { body } = await metrics.render();
    expect(sample(body, 'firebreak_notifications_received_total{status="firing"}')).to.equal(1);
    expect(sample(body, 'firebreak_notifications_received_total{status="resolved"}')).to.equal(1);
    expect(sample(body, 'firebreak_alerts_received_total{status="firing"}')).to.equal(3);
    expect(sample(body, 'firebreak_alerts_received_total{status="resolved"}')).to.equal(3);
    expect(sample(body, 'firebreak_alerts_truncated_total')).to.equal(2);
  });

  it('counts processed notifications, duplicates of a processing result and timeline entries by kind', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.notificationProcessed({ duplicates: 4 });
    metrics.notificationProcessed({ duplicates: 0 });
    for (const kind of ['incident.opened', 'alert.firing', 'alert.firing', 'note'] as const) metrics.timelineEntry(kind);
    const { body } = await metrics.render();
    expect(sample(body, 'firebreak_notifications_processed_total')).to.equal(2);
    expect(sample(body, 'firebreak_alerts_duplicate_total')).to.equal(4);
    expect(sample(body, 'firebreak_timeline_entries_total{kind="alert.firing"}')).to.equal(2);
    expect(sample(body, 'firebreak_timeline_entries_total{kind="incident.opened"}')).to.equal(1);
    expect(sample(body, 'firebreak_timeline_entries_total{kind="note"}')).to.equal(1);
  });

  it('observes webhook durations by outcome code', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.webhookRequest('ok', 0.003);
    metrics.webhookRequest('AUTH_INVALID', 0.2);
    const { body } = await metrics.render();
    expect(sample(body, 'firebreak_webhook_request_duration_seconds_count{outcome="ok"}')).to.equal(1);
    expect(sample(body, 'firebreak_webhook_request_duration_seconds_bucket{le="0.005",outcome="ok"}')).to.equal(1);
    expect(sample(body, 'firebreak_webhook_request_duration_seconds_bucket{le="0.1",outcome="AUTH_INVALID"}')).to.equal(0);
    expect(sample(body, 'firebreak_webhook_request_duration_seconds_bucket{le="0.25",outcome="AUTH_INVALID"}')).to.equal(1);
  });

  it('reads incident counts and pending notifications at scrape time', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let open = 2;
    metrics.observeIncidents(async () => ({ open, contained: 0, resolved: 1, recovered: 0, closed: 7 }));
    let pending = 5;
    metrics.observePending(() => pending);
    let { body } = await metrics.render();
    expect(sample(body, 'firebreak_incidents{status="open"}')).to.equal(2);
    expect(sample(body, 'firebreak_incidents{status="closed"}')).to.equal(7);
    expect(sample(body, 'firebreak_notifications_pending')).to.equal(5);
    open = 3;
    pending = 0;
    ({ body } = await metrics.render());
    expect(sample(body, 'firebreak_incidents{status="open"}')).to.equal(3);
    expect(sample(body, 'firebreak_notifications_pending')).to.equal(0);
  });

  it('keeps the last incident counts and counts a store error when the store fails at scrape time', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let fail = false;
    metrics.observeIncidents(async () => {
      if (fail) throw new Error('database is locked');
      return { open: 1, contained: 0, resolved: 0, recovered: 0, closed: 0 };
    });
    await metrics.render();
    fail = true;
    const { body } = await metrics.render();
    expect(sample(body, 'firebreak_incidents{status="open"}')).to.equal(1);
    // Series are collected concurrently, so the failure shows from the next scrape on.
    fail = false;
    const next = await metrics.render();
    expect(sample(next.body, 'firebreak_store_errors_total{operation="countIncidentsByStatus"}')).to.equal(1);
  });

  it('keeps one registry per instance, with process metrics by default, open to further metrics', async () => {
    const a = createMetrics();
    const b = createMetrics({ processMetrics: false });
    a.storeError('appendNotification');
    expect(sample((await b.render()).body, 'firebreak_store_errors_total{operation="appendNotification"}')).to.equal(undefined);
    expect((await a.render()).body).to.include('process_cpu_user_seconds_total');
    expect((await b.render()).body).not.to.include('process_cpu_user_seconds_total');
    expect(b.registry.getSingleMetric('firebreak_alerts_duplicate_total')).not.to.equal(undefined);
  });
});
