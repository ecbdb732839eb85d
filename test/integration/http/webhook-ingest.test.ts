/**
 * The webhook over real HTTP against a real SQLite store: real Alertmanager payload shapes are
 * stored, acknowledged and processed; every kind of bad input is refused with its stable code.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bigNotification } from '../../unit/ingest/big-notification.ts';
import { waitFor } from '../../support/eventually.ts';
import { BASIC, bearer, postAlerts, startHarness, TOKENS, type Harness } from './harness.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/alertmanager');

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

async function errorOf(response: Response): Promise<{ statusCode: number; code: string; error: string; message: string; details?: Record<string, unknown> }> {
  const body = (await response.json()) as { statusCode: number; code: string; error: string; message: string };
  expect(Object.keys(body)).to.include.members(['statusCode', 'code', 'error', 'message']);
  expect(body.statusCode).to.equal(response.status);
  return body;
}

describe('webhook ingest', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness({ webhookBodyBytes: 8 * 1024 * 1024 });
  });
  afterEach(async () => {
    await h.close();
  });

  async function processed(id: number): Promise<void> {
    await waitFor(`notification ${id} processed`, async () => ((await h.store.getNotification(id))?.processedAt ? true : undefined), { timeoutMs: 10_000 });
  }

  it('stores a grouped notification before answering 200, then opens one incident for the group', async () => {
    const response = await postAlerts(h.baseUrl, fixture('grouped-firing.json'));
    expect(response.status).to.equal(200);
    const body = (await response.json()) as { status: string; notificationId: number; alerts: number };
    expect(body).to.include({ status: 'accepted', alerts: 3 });
    const stored = await h.store.getNotification(body.notificationId);
    expect((stored?.payload as { groupKey: string }).groupKey).to.include('KafkaTopicUnderReplicated');
    await processed(body.notificationId);
    const incidents = await h.store.listIncidents({ limit: 10 });
    expect(incidents.items).to.have.length(1);
    expect(incidents.items[0]).to.include({ status: 'open', severity: 'critical', cluster: 'prod-eu1' });
  });

  it('handles firing and resolved alerts in one notification, then the group resolving', async () => {
    for (const name of ['grouped-firing.json', 'firing-and-resolved.json', 'grouped-resolved.json']) {
      const response = await postAlerts(h.baseUrl, fixture(name));
      expect(response.status, name).to.equal(200);
    }
    await h.app.pipeline.idle();
    const [incident] = (await h.store.listIncidents({ limit: 10 })).items;
    expect(incident?.status).to.equal('resolved');
    const kinds = (await h.store.timeline(incident!.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'alert.resolved')).to.have.length(3);
    expect(kinds.filter((k) => k === 'alert.firing')).to.have.length(3);
  });

  it('accepts unicode labels, nanosecond times, the zero endsAt and fields newer releases add', async () => {
    const response = await postAlerts(h.baseUrl, fixture('unicode-labels.json'));
    expect(response.status).to.equal(200);
    await h.app.pipeline.idle();
    const [incident] = (await h.store.listIncidents({ limit: 10 })).items;
    expect(incident?.labels.consumergroup).to.equal('注文-処理');
    expect(incident?.labels['équipe']).to.equal('paiements');
    expect(incident?.startedAt).to.equal('2026-03-02T09:14:05.123Z');
  });

  it('accepts a truncated notification and counts the alerts Alertmanager left out', async () => {
    const response = await postAlerts(h.baseUrl, fixture('truncated.json'));
    expect(response.status).to.equal(200);
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).to.include('firebreak_alerts_truncated_total 3');
    expect(h.logs.some((l) => l.truncatedAlerts === 3 && l.level === 40)).to.equal(true);
  });

  it('accepts and processes 1,000 alerts with large annotations in one body', async () => {
    const body = JSON.stringify(bigNotification(1000));
    const response = await postAlerts(h.baseUrl, body);
    expect(response.status).to.equal(200);
    const { notificationId } = (await response.json()) as { notificationId: number };
    await processed(notificationId);
    const [incident] = (await h.store.listIncidents({ limit: 10 })).items;
    const entries = await h.store.timeline(incident!.id);
    expect(entries.filter((e) => e.kind === 'alert.firing')).to.have.length(1000);
  });

  it('records the same notification delivered three times once: one set of timeline entries', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await postAlerts(h.baseUrl, fixture('grouped-firing.json'));
      expect(response.status).to.equal(200);
      ids.push(((await response.json()) as { notificationId: number }).notificationId);
    }
    expect(new Set(ids).size).to.equal(3);
    await h.app.pipeline.idle();
    const incidents = (await h.store.listIncidents({ limit: 10 })).items;
    expect(incidents).to.have.length(1);
    const kinds = (await h.store.timeline(incidents[0]!.id)).map((e) => e.kind);
    expect(kinds).to.deep.equal(['incident.opened', 'alert.firing', 'alert.firing', 'alert.firing']);
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).to.include('firebreak_alerts_duplicate_total 6');
    expect(metrics).to.include('firebreak_notifications_received_total{status="firing"} 3');
  });

  it('processes the readable alerts of a notification and lists the one it leaves out', async () => {
    const body = JSON.parse(fixture('grouped-firing.json')) as { alerts: Array<Record<string, unknown>> };
    body.alerts[1]!.startsAt = '2016-12-31T23:59:60Z';
    body.alerts[2]!.startsAt = '0001-01-01T00:00:00Z';
    const response = await postAlerts(h.baseUrl, body);
    expect(response.status).to.equal(200);
    const answer = (await response.json()) as { notificationId: number; alerts: number; rejected: Array<Record<string, unknown>> };
    expect(answer.alerts).to.equal(2);
    expect(answer.rejected).to.have.length(1);
    expect(answer.rejected[0]).to.include({ index: 2, fingerprint: body.alerts[2]!.fingerprint, path: '/alerts/2/startsAt' });
    await processed(answer.notificationId);
    const stored = await h.store.getNotification(answer.notificationId);
    expect(stored?.error).to.match(/^INCIDENT_ALERT_REJECTED: 1 alert left out: \/alerts\/2\/startsAt is unset/);
    const [incident] = (await h.store.listIncidents({ limit: 10 })).items;
    const firing = (await h.store.timeline(incident!.id)).filter((e) => e.kind === 'alert.firing');
    expect(firing.map((e) => (e.data as { fingerprint: string }).fingerprint)).to.deep.equal([body.alerts[0]!.fingerprint, body.alerts[1]!.fingerprint]);
    expect((firing[1]!.data as { startsAt: string }).startsAt).to.equal('2016-12-31T23:59:59.999Z');
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).to.include('firebreak_alerts_rejected_total 1');
    expect(metrics).to.include('firebreak_alerts_received_total{status="firing"} 2');
  });

  it('refuses a body nested 10,000 levels deep with 400 WEBHOOK_PAYLOAD_TOO_DEEP, not a store error', async () => {
    const body = JSON.parse(fixture('grouped-firing.json')) as { alerts: Array<Record<string, unknown>> };
    const deep = `${'{"x":'.repeat(10_000)}{}${'}'.repeat(10_000)}`;
    const text = JSON.stringify(body).replace('"fingerprint":', `"nested":${deep},"fingerprint":`);
    const response = await postAlerts(h.baseUrl, text);
    const error = await errorOf(response);
    expect(error).to.include({ statusCode: 400, code: 'WEBHOOK_PAYLOAD_TOO_DEEP' });
    expect(await h.store.unprocessedNotifications(10)).to.deep.equal([]);
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).not.to.match(/firebreak_store_errors_total\{operation="appendNotification"\} [1-9]/);
  });

  describe('refuses bad input with a stable code (fixtures in test/fixtures/alertmanager/invalid)', () => {
    const cases = readdirSync(join(FIXTURES, 'invalid'))
      .filter((f) => f.endsWith('.body.json'))
      .map((f) => f.slice(0, -'.body.json'.length));

    it('has invalid fixtures to run', () => {
      expect(cases.length).to.be.at.least(10);
    });

    for (const name of cases) {
      it(name, async () => {
        const expected = JSON.parse(fixture(`invalid/${name}.expected.json`)) as { statusCode: number; code: string; path?: string };
        const response = await postAlerts(h.baseUrl, fixture(`invalid/${name}.body.json`));
        const body = await errorOf(response);
        expect({ statusCode: body.statusCode, code: body.code }).to.deep.equal({ statusCode: expected.statusCode, code: expected.code });
        if (expected.path !== undefined) expect(body.details?.path).to.equal(expected.path);
        expect(await h.store.unprocessedNotifications(10)).to.deep.equal([]);
        expect((await h.store.listIncidents({ limit: 1 })).items).to.deep.equal([]);
      });
    }
  });

  it('refuses a content type other than application/json with WEBHOOK_UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
      const response = await postAlerts(h.baseUrl, fixture('grouped-firing.json'), { 'content-type': type });
      const body = await errorOf(response);
      expect(body, type).to.include({ statusCode: 415, code: 'WEBHOOK_UNSUPPORTED_MEDIA_TYPE', error: 'Unsupported Media Type' });
    }
  });

  it('accepts application/json with a UTF-8 charset parameter', async () => {
    const response = await postAlerts(h.baseUrl, fixture('grouped-firing.json'), { 'content-type': 'application/json; charset=utf-8' });
    expect(response.status).to.equal(200);
  });

  it('refuses a body over the limit with WEBHOOK_PAYLOAD_TOO_LARGE and stores nothing', async () => {
    const small = await startHarness({ webhookBodyBytes: 64 * 1024 });
    try {
      const response = await postAlerts(small.baseUrl, JSON.stringify(bigNotification(40)));
      const body = await errorOf(response);
      expect(body).to.include({ statusCode: 413, code: 'WEBHOOK_PAYLOAD_TOO_LARGE' });
      expect(await small.store.unprocessedNotifications(10)).to.deep.equal([]);
      const fits = await postAlerts(small.baseUrl, fixture('grouped-firing.json'));
      expect(fits.status).to.equal(200);
    } finally {
      await small.close();
    }
  });

  it('refuses missing, wrong and misplaced credentials with AUTH_* codes', async () => {
    const missing = await errorOf(await postAlerts(h.baseUrl, fixture('grouped-firing.json'), { authorization: '' }));
    expect(missing).to.include({ statusCode: 401, code: 'AUTH_MISSING' });
    const wrong = await postAlerts(h.baseUrl, fixture('grouped-firing.json'), bearer('not-the-webhook-token-000'));
    expect(wrong.headers.get('www-authenticate')).to.include('Bearer');
    expect(await errorOf(wrong)).to.include({ statusCode: 401, code: 'AUTH_INVALID' });
    const operator = await errorOf(await postAlerts(h.baseUrl, fixture('grouped-firing.json'), bearer(TOKENS.admin)));
    expect(operator).to.include({ statusCode: 403, code: 'AUTH_FORBIDDEN' });
    expect(await h.store.unprocessedNotifications(10)).to.deep.equal([]);
  });

  it('checks credentials before reading the body', async () => {
    const response = await postAlerts(h.baseUrl, '{not json', { authorization: 'Bearer wrong-token-0000000000' });
    expect((await errorOf(response)).code).to.equal('AUTH_INVALID');
  });

  it('accepts basic auth as Alertmanager http_config.basic_auth sends it', async () => {
    const header = `Basic ${Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64')}`;
    const response = await postAlerts(h.baseUrl, fixture('grouped-firing.json'), { authorization: header });
    expect(response.status).to.equal(200);
  });

  it('answers 503 WEBHOOK_NOT_STORED (retriable by Alertmanager) when the store fails', async () => {
    await h.store.close();
    const response = await postAlerts(h.baseUrl, fixture('grouped-firing.json'));
    const body = await errorOf(response);
    expect(body).to.include({ statusCode: 503, code: 'WEBHOOK_NOT_STORED' });
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).to.include('firebreak_store_errors_total{operation="appendNotification"} 1');
    expect(metrics).to.match(/firebreak_webhook_request_duration_seconds_count\{outcome="WEBHOOK_NOT_STORED"\} 1/);
  });

  it('logs one line per request with the propagated request id and never a credential', async () => {
    const response = await postAlerts(h.baseUrl, fixture('grouped-firing.json'), { 'x-request-id': 'am-retry-42' });
    expect(response.headers.get('x-request-id')).to.equal('am-retry-42');
    await postAlerts(h.baseUrl, fixture('grouped-firing.json'), { 'x-request-id': 'bad id with spaces' });
    await h.app.pipeline.idle();
    const requestLines = h.logs.filter((l) => l.msg === 'request');
    expect(requestLines).to.have.length(2);
    expect(requestLines[0]).to.include({ reqId: 'am-retry-42', method: 'POST', url: '/api/v1/alerts', status: 200, actor: 'alertmanager' });
    const notificationId = requestLines[0]?.notificationId;
    expect(notificationId).to.be.a('number');
    expect(h.logs.some((l) => l.msg === 'notification processed' && l.notificationId === notificationId)).to.equal(true);
    expect(requestLines[1]?.reqId).to.match(/^[0-9a-f-]{36}$/);
    const everything = JSON.stringify(h.logs);
    for (const secret of [TOKENS.webhook, TOKENS.admin, BASIC.password]) expect(everything).not.to.include(secret);
  });

  it('logs rejected requests with their error code', async () => {
    await postAlerts(h.baseUrl, '{"version": "3"}');
    const line = h.logs.find((l) => l.msg === 'request');
    expect(line).to.include({ status: 400, code: 'WEBHOOK_UNSUPPORTED_VERSION' });
  });
});
