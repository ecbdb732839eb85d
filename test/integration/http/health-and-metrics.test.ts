/**
 * Probes and the metrics endpoint over real HTTP: they need no credentials, readiness follows the
 * store, and /metrics exposes firebreak's series with values that follow what happened.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { postAlerts, startHarness, type Harness } from './harness.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/alertmanager');

describe('health probes and metrics endpoint', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('logs a scrape or a probe that answers fine at debug, not one info line per scrape', async () => {
    for (const path of ['/metrics', '/metrics', '/healthz', '/readyz']) await (await fetch(`${h.baseUrl}${path}`)).text();
    await (await fetch(`${h.baseUrl}/nothing-here`)).text();
    const requests = h.logs.filter((l) => l.msg === 'request');
    expect(requests.filter((l) => l.level === 30).map((l) => l.url)).to.deep.equal(['/nothing-here']);
    expect(requests.filter((l) => l.level === 20).map((l) => l.url)).to.deep.equal(['/metrics', '/metrics', '/healthz', '/readyz']);
  });

  it('answers /healthz and /readyz without credentials while the store answers', async () => {
    const health = await fetch(`${h.baseUrl}/healthz`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.equal({ status: 'ok' });
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).to.equal(200);
    expect(await ready.json()).to.deep.equal({ status: 'ready' });
  });

  it('fails readiness with NOT_READY when the store is gone, while liveness still answers', async () => {
    await h.store.close();
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).to.equal(503);
    expect(await ready.json()).to.include({ statusCode: 503, code: 'NOT_READY' });
    expect((await fetch(`${h.baseUrl}/healthz`)).status).to.equal(200);
  });

  it('fails readiness once shutdown began', async () => {
    h.app.drain();
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).to.equal(503);
    expect(((await ready.json()) as { message: string }).message).to.equal('shutting down');
  });

  it('exposes the firebreak series and process metrics in Prometheus text format', async () => {
    await postAlerts(h.baseUrl, readFileSync(join(FIXTURES, 'firing-and-resolved.json'), 'utf8'));
    await h.app.pipeline.idle();
    const response = await fetch(`${h.baseUrl}/metrics`);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const series of [
      'firebreak_notifications_received_total{status="firing"} 1',
      'firebreak_alerts_received_total{status="firing"} 2',
      'firebreak_alerts_received_total{status="resolved"} 1',
      'firebreak_alerts_duplicate_total 0',
      'firebreak_webhook_request_duration_seconds_count{outcome="ok"} 1',
      'firebreak_incidents{status="open"} 1',
      'firebreak_timeline_entries_total{kind="incident.opened"} 1',
      'firebreak_notifications_pending 0',
    ]) {
      expect(text).to.include(series);
    }
    expect(text).to.include('# TYPE firebreak_store_errors_total counter');
    expect(text).to.include('process_resident_memory_bytes');
  });
});
