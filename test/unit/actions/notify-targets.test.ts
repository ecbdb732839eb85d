import { expect } from 'chai';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { notifyBody, notifyTarget } from '../../../src/actions/notify/notify.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { integrationContext } from '../../support/integration-context.ts';

const settings = {
  notify: {
    targets: { ops: { url: 'https://chat.example/hooks/secret-path', kind: 'slack' as const }, pager: { url: 'http://pager.example/in', kind: 'webhook' as const } },
    timeoutMs: 2_000,
  },
};

describe('notify', () => {
  const registry = createActionRegistry();

  it('finds targets by name only: a runbook cannot give a URL', () => {
    expect(notifyTarget(settings, 'ops')).to.deep.equal({ url: 'https://chat.example/hooks/secret-path', kind: 'slack', timeoutMs: 2_000 });
    try {
      registry.validateParams('notify', { target: 'ops', text: 'hi', url: 'https://attacker.example/' });
      expect.fail('accepted a url parameter');
    } catch (err) {
      expect((err as FirebreakError).code).to.equal('ACTION_PARAMS_INVALID');
    }
  });

  it('names the configured targets when the one asked for does not exist, never their URLs', async () => {
    const action = registry.get('notify');
    for (const name of ['oncall', 'constructor', 'toString']) {
      try {
        await action.plan(integrationContext(settings), registry.validateParams('notify', { target: name, text: 'hi' }));
        expect.fail(`planned a message to ${name}`);
      } catch (err) {
        const e = err as FirebreakError;
        expect(e.code).to.equal('NOTIFY_TARGET_UNKNOWN');
        expect(e.message).to.equal(`no notification target "${name}" is configured (notify.targets: ops, pager)`);
        expect(e.message).not.to.contain('secret-path');
      }
    }
  });

  it('sends Slack-compatible {"text"} with the title in bold, and generic JSON with title and data', () => {
    expect(notifyBody('slack', { target: 'ops', text: 'lag is 1.2M', title: 'billing lags' })).to.deep.equal({ text: '*billing lags*\nlag is 1.2M' });
    expect(notifyBody('slack', { target: 'ops', text: 'lag is 1.2M' })).to.deep.equal({ text: 'lag is 1.2M' });
    expect(notifyBody('webhook', { target: 'pager', text: 'lag', title: 't', data: { incident: 'inc-1', lag: 5 } })).to.deep.equal({
      text: 'lag',
      title: 't',
      data: { incident: 'inc-1', lag: 5 },
    });
  });

  it('is read-only: it also runs in dry-run mode and while paused', () => {
    expect(registry.get('notify').mutating).to.equal(false);
  });
});
