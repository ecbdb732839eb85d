/**
 * The console's and the notifier's settings: publicUrl, notify.subscriptions,
 * console.sessionTtlMs, the failed sign-in limit (auth.failures) and trustedProxies.
 */
import { expect } from 'chai';
import { loadConfig } from '../../../src/config/load.ts';
import { FirebreakError } from '../../../src/errors.ts';

const load = (yaml: string, env: Record<string, string> = {}) => loadConfig({ env: { FIREBREAK_CONFIG: 'c.yaml', ...env }, readFile: () => yaml });

function failure(fn: () => unknown): FirebreakError {
  try {
    fn();
  } catch (err) {
    return err as FirebreakError;
  }
  throw new Error('expected a failure');
}

describe('notification and console settings', () => {
  it('defaults to no subscriptions, no public URL and 12-hour sessions', () => {
    const config = load('');
    expect(config.notify.subscriptions).to.deep.equal({});
    expect(config.publicUrl).to.equal(null);
    expect(config.console.sessionTtlMs).to.equal(12 * 3_600_000);
  });

  it('reads subscriptions by target, and the public URL without its trailing slash', () => {
    const config = load(`
publicUrl: https://firebreak.example.com/
notify:
  targets: { oncall: { url: "https://hooks.example.com/x", kind: slack } }
  subscriptions: { oncall: [approval-requested, escalated] }
console: { sessionTtlMs: 3600000 }
`);
    expect(config.notify.subscriptions).to.deep.equal({ oncall: ['approval-requested', 'escalated'] });
    expect(config.publicUrl).to.equal('https://firebreak.example.com');
    expect(config.console.sessionTtlMs).to.equal(3_600_000);
  });

  it('refuses an unknown event and a subscription of a target that is not configured', () => {
    const unknownEvent = failure(() => load(`notify: { targets: { oncall: { url: "https://h.example.com/x", kind: slack } }, subscriptions: { oncall: [paged] } }`));
    expect(unknownEvent.code).to.equal('CONFIG_INVALID');
    expect(unknownEvent.details?.path).to.equal('/notify/subscriptions/oncall/0');
    const unknownTarget = failure(() => load(`notify: { subscriptions: { oncall: [resolved] } }`));
    expect(unknownTarget.code).to.equal('CONFIG_INVALID');
    expect(unknownTarget.message).to.contain('no notification target "oncall" is configured (notify.targets is empty)');
  });

  it('limits failed sign-ins by default, and reads the limit and the trusted proxies from the file and the environment', () => {
    const defaults = load('');
    expect(defaults.auth.failures).to.deep.equal({ perClient: 10, total: 100, windowMs: 900_000 });
    expect(defaults.trustedProxies).to.deep.equal([]);
    const file = load(`auth: { failures: { perClient: 5 } }\ntrustedProxies: [10.0.0.0/8, "::1"]`);
    expect(file.auth.failures).to.deep.equal({ perClient: 5, total: 100, windowMs: 900_000 });
    expect(file.trustedProxies).to.deep.equal(['10.0.0.0/8', '::1']);
    const env = load('', { FIREBREAK_AUTH_FAILURES_TOTAL: '50', FIREBREAK_AUTH_FAILURES_WINDOW_MS: '60000', FIREBREAK_TRUSTED_PROXIES: '127.0.0.1, 192.168.0.0/16' });
    expect(env.auth.failures).to.deep.equal({ perClient: 10, total: 50, windowMs: 60_000 });
    expect(env.trustedProxies).to.deep.equal(['127.0.0.1', '192.168.0.0/16']);
    const bad = failure(() => load(`auth: { failures: { perClient: 0 } }`));
    expect([bad.code, bad.details?.path]).to.deep.equal(['CONFIG_INVALID', '/auth/failures/perClient']);
    const badProxy = failure(() => load(`trustedProxies: [loadbalancer.internal]`));
    expect([badProxy.code, badProxy.details?.path]).to.deep.equal(['CONFIG_INVALID', '/trustedProxies/0']);
  });

  it('reads FIREBREAK_PUBLIC_URL and FIREBREAK_NOTIFY_SUBSCRIPTIONS', () => {
    const config = load(`notify: { targets: { oncall: { url: "https://h.example.com/x", kind: slack } } }`, {
      FIREBREAK_PUBLIC_URL: 'https://fb.example.com',
      FIREBREAK_NOTIFY_SUBSCRIPTIONS: '{"oncall": ["resolved"]}',
    });
    expect(config.publicUrl).to.equal('https://fb.example.com');
    expect(config.notify.subscriptions).to.deep.equal({ oncall: ['resolved'] });
  });
});
