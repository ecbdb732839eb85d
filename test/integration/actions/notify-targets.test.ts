import { expect } from 'chai';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import type { IntegrationSettings } from '../../../src/actions/types.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { integrationContext } from '../../support/integration-context.ts';
import { startRecordingServer, type RecordingServer } from './recording-server.ts';

describe('notify against local webhook receivers', () => {
  const registry = createActionRegistry();
  const action = registry.get('notify');
  let hook: RecordingServer;
  let status = 200;

  const settings = (): IntegrationSettings => ({
    notify: {
      targets: {
        ops: { url: `${hook.base}/services/T0/B0/secret-token`, kind: 'slack' },
        pager: { url: `${hook.base}/incoming`, kind: 'webhook' },
      },
      timeoutMs: 500,
    },
  });

  async function send(params: Record<string, unknown>) {
    return action.execute(integrationContext(settings()), registry.validateParams('notify', params));
  }

  async function failure(params: Record<string, unknown>): Promise<FirebreakError> {
    try {
      await send(params);
    } catch (err) {
      expect(err).to.be.instanceOf(FirebreakError);
      return err as FirebreakError;
    }
    throw new Error('expected the notification to fail');
  }

  beforeEach(async () => {
    status = 200;
    hook = await startRecordingServer((r) => (r.path === '/slow' ? 'hang' : { status, body: status === 200 ? 'ok' : 'invalid_payload' }));
  });

  afterEach(async () => {
    await hook.close();
  });

  it('posts {"text"} to a Slack-compatible target, the title in bold', async () => {
    const result = await send({ target: 'ops', title: 'Consumer lag: billing', text: 'Throttled producers of orders to 1 MiB/s' });
    expect(result.output).to.deep.equal({ target: 'ops', kind: 'slack', status: 200 });
    expect(hook.received).to.have.length(1);
    expect(hook.received[0]).to.deep.include({ method: 'POST', path: '/services/T0/B0/secret-token' });
    expect(hook.received[0]?.headers['content-type']).to.equal('application/json');
    expect(hook.received[0]?.body).to.deep.equal({ text: '*Consumer lag: billing*\nThrottled producers of orders to 1 MiB/s' });
  });

  it('posts text, title and data to a generic webhook target', async () => {
    await send({ target: 'pager', title: 'lag', text: 'details', data: { incident: 'inc-7', lag: 120000, critical: true } });
    expect(hook.received[0]?.body).to.deep.equal({ text: 'details', title: 'lag', data: { incident: 'inc-7', lag: 120000, critical: true } });
  });

  it('fails retriably on a 5xx and not on a 4xx, naming the target and never its secret URL', async () => {
    status = 500;
    const server = await failure({ target: 'ops', text: 'x' });
    expect(server.code).to.equal('NOTIFY_SERVER_ERROR');
    expect(server.retriable).to.equal(true);
    status = 400;
    const rejected = await failure({ target: 'ops', text: 'x' });
    expect(rejected.code).to.equal('NOTIFY_REJECTED');
    expect(rejected.retriable).to.equal(false);
    expect(rejected.message).to.equal('posting to notification target "ops": HTTP 400: invalid_payload');
    for (const e of [server, rejected]) expect(JSON.stringify(e.toJSON())).not.to.contain('secret-token');
  });

  it('gives up after the configured timeout with a retriable NOTIFY_TIMEOUT', async () => {
    const slow: IntegrationSettings = { notify: { targets: { slow: { url: `${hook.base}/slow`, kind: 'webhook' } }, timeoutMs: 300 } };
    const started = Date.now();
    try {
      await action.execute(integrationContext(slow), registry.validateParams('notify', { target: 'slow', text: 'x' }));
      expect.fail('expected a timeout');
    } catch (err) {
      expect((err as FirebreakError).code).to.equal('NOTIFY_TIMEOUT');
      expect((err as FirebreakError).retriable).to.equal(true);
    }
    expect(Date.now() - started).to.be.below(3_000);
  });
});
