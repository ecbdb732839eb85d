import { expect } from 'chai';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import type { IntegrationSettings } from '../../../src/actions/types.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { integrationContext } from '../../support/integration-context.ts';
import { startRecordingServer, type RecordingServer } from './recording-server.ts';

describe('http.request against local servers', () => {
  const registry = createActionRegistry();
  const action = registry.get('http.request');
  let api: RecordingServer;
  let elsewhere: RecordingServer;

  const settings = (): IntegrationSettings => ({ http: { allowHosts: [new URL(api.base).host], timeoutMs: 2_000 } });

  async function request(params: Record<string, unknown>) {
    return action.execute(integrationContext(settings()), registry.validateParams('http.request', params));
  }

  beforeEach(async () => {
    elsewhere = await startRecordingServer(() => ({ status: 200, body: '{"reached":true}' }));
    api = await startRecordingServer((r) => {
      if (r.path === '/redirect') return { status: 302, body: '', headers: { location: `${elsewhere.base}/reached` } };
      if (r.path === '/conflict') return { status: 409, body: '{"error_code":409,"message":"connector is already paused"}' };
      if (r.path === '/broken') return { status: 503, body: 'try later' };
      return { status: 200, body: JSON.stringify({ echoed: r.body ?? null, method: r.method }) };
    });
  });

  afterEach(async () => {
    await api.close();
    await elsewhere.close();
  });

  it('sends method, headers and a JSON body to an allowed host and returns the parsed answer', async () => {
    const result = await request({ url: `${api.base}/connectors/sink/pause?reason=lag`, method: 'PUT', headers: { 'X-Incident': 'inc-9' }, body: { paused: true } });
    expect(result.output).to.deep.include({ method: 'PUT', target: `${api.base}/connectors/sink/pause`, status: 200, truncated: false });
    expect((result.output as { body: unknown }).body).to.deep.equal({ echoed: { paused: true }, method: 'PUT' });
    expect(api.received[0]?.headers['x-incident']).to.equal('inc-9');
    expect(api.received[0]?.path).to.equal('/connectors/sink/pause?reason=lag');
  });

  it('accepts the statuses listed in expectStatus and fails on others, retriable only for 5xx', async () => {
    const ok = await request({ url: `${api.base}/conflict`, method: 'PUT', expectStatus: [200, 409] });
    expect((ok.output as { status: number }).status).to.equal(409);
    try {
      await request({ url: `${api.base}/conflict`, method: 'PUT' });
      expect.fail('accepted 409 without expectStatus');
    } catch (err) {
      expect((err as FirebreakError).code).to.equal('HTTP_UNEXPECTED_STATUS');
      expect((err as FirebreakError).retriable).to.equal(false);
      expect((err as FirebreakError).message).to.contain('connector is already paused');
    }
    try {
      await request({ url: `${api.base}/broken` });
      expect.fail('accepted 503');
    } catch (err) {
      expect((err as FirebreakError).retriable).to.equal(true);
    }
  });

  it('never follows a redirect, so it cannot leave the allow-list', async () => {
    api.received.length = 0;
    try {
      await request({ url: `${api.base}/redirect` });
      expect.fail('accepted a redirect');
    } catch (err) {
      expect((err as FirebreakError).code).to.equal('HTTP_UNEXPECTED_STATUS');
    }
    expect(elsewhere.received).to.have.length(0);
  });

  it('refuses a host that is not allowed without sending anything', async () => {
    try {
      await request({ url: `${elsewhere.base}/anything`, method: 'POST', body: 'x' });
      expect.fail('sent to a host not on the allow-list');
    } catch (err) {
      expect((err as FirebreakError).code).to.equal('HTTP_HOST_NOT_ALLOWED');
    }
    expect(elsewhere.received).to.have.length(0);
  });
});
