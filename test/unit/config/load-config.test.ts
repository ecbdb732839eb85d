import { expect } from 'chai';
import { loadConfig, parseByteSize } from '../../../src/config/load.ts';
import { CONFIG_DEFAULTS } from '../../../src/config/schema.ts';
import { FirebreakError } from '../../../src/errors.ts';

/** readFile over an in-memory map of files; a missing file throws like fs does. */
function files(map: Record<string, string>) {
  return (path: string): string => {
    const text = map[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
}

function loadError(fn: () => unknown): FirebreakError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FirebreakError);
    return err as FirebreakError;
  }
  throw new Error('expected loadConfig to throw');
}

const TOKEN = 'a-long-enough-secret-0001';

describe('loadConfig', () => {
  it('gives the documented defaults with no file and no environment', () => {
    const config = loadConfig({ env: {}, argv: [], readFile: files({}) });
    expect(config.listen).to.equal('127.0.0.1:8080');
    expect(config.store).to.equal('data/firebreak.db');
    expect(config.dataDir).to.equal('./data');
    expect(config.mode).to.equal('dry-run');
    expect(config.runbooks).to.equal('./runbooks');
    expect(config.logLevel).to.equal('info');
    expect(config.auth.disabled).to.equal(false);
    expect(config.webhook).to.deep.equal({});
    expect(config.apiTokens).to.deep.equal([]);
    expect(config.kafka).to.deep.equal({ brokers: [], clientId: 'firebreak' });
    expect(config.limits).to.deep.equal({
      webhookBodyBytes: CONFIG_DEFAULTS.limits.webhookBodyBytes,
      apiBodyBytes: CONFIG_DEFAULTS.limits.apiBodyBytes,
      shutdownGraceMs: 25_000,
    });
    expect(config.safety.protectedTopics).to.deep.equal([]);
  });

  it('reads the YAML file named by --config, then lets the environment override it', () => {
    const yaml = [
      'listen: 0.0.0.0:9000',
      'mode: enforce',
      'dataDir: /var/lib/firebreak',
      'webhook:',
      `  token: ${TOKEN}`,
      'kafka:',
      '  brokers: [k1:9092, k2:9092]',
      'limits:',
      '  webhookBodyBytes: 4mb',
      'apiTokens:',
      `  - { name: alice, role: responder, token: alice-${TOKEN} }`,
    ].join('\n');
    const config = loadConfig({
      env: { FIREBREAK_MODE: 'dry-run', FIREBREAK_KAFKA_BROKERS: 'k3:9092, k4:9092' },
      argv: ['--config', 'firebreak.yaml'],
      readFile: files({ 'firebreak.yaml': yaml }),
    });
    expect(config.listen).to.equal('0.0.0.0:9000');
    expect(config.mode).to.equal('dry-run');
    expect(config.store).to.equal('/var/lib/firebreak/firebreak.db');
    expect(config.webhook.token).to.equal(TOKEN);
    expect(config.kafka.brokers).to.deep.equal(['k3:9092', 'k4:9092']);
    expect(config.limits.webhookBodyBytes).to.equal(4 * 1024 * 1024);
    expect(config.apiTokens).to.deep.equal([{ name: 'alice', role: 'responder', token: `alice-${TOKEN}` }]);
  });

  it('accepts --config=path and FIREBREAK_CONFIG', () => {
    const readFile = files({ 'a.yaml': 'logLevel: debug\n', 'b.yaml': 'logLevel: warn\n' });
    expect(loadConfig({ env: {}, argv: ['--config=a.yaml'], readFile }).logLevel).to.equal('debug');
    expect(loadConfig({ env: { FIREBREAK_CONFIG: 'b.yaml' }, argv: [], readFile }).logLevel).to.equal('warn');
  });

  it('treats an empty file as no settings', () => {
    const config = loadConfig({ env: {}, argv: ['-c', 'empty.yaml'], readFile: files({ 'empty.yaml': '# nothing yet\n' }) });
    expect(config.listen).to.equal('127.0.0.1:8080');
  });

  it('rejects an unknown key in the file with its path', () => {
    const err = loadError(() =>
      loadConfig({ env: {}, argv: ['--config', 'f.yaml'], readFile: files({ 'f.yaml': `webhook:\n  tokn: ${TOKEN}\n` }) }),
    );
    expect(err.code).to.equal('CONFIG_INVALID');
    expect(err.message).to.equal('config file f.yaml: /webhook/tokn unknown key');
    expect(err.details).to.include({ source: 'file', file: 'f.yaml', path: '/webhook/tokn' });
  });

  it('rejects a bad value in the file with its path and the allowed values', () => {
    const err = loadError(() => loadConfig({ env: {}, argv: ['--config', 'f.yaml'], readFile: files({ 'f.yaml': 'mode: yolo\n' }) }));
    expect(err.message).to.equal('config file f.yaml: /mode must be one of "dry-run", "enforce"');
  });

  it('names the environment variable that holds a bad value, without echoing it', () => {
    const err = loadError(() => loadConfig({ env: { FIREBREAK_WEBHOOK_TOKEN: 'short' }, argv: [], readFile: files({}) }));
    expect(err.code).to.equal('CONFIG_INVALID');
    expect(err.message).to.match(/^environment FIREBREAK_WEBHOOK_TOKEN: \/webhook\/token must NOT have fewer than 16 characters$/);
    expect(err.message).not.to.include('short');
    expect(err.details).to.include({ source: 'environment', variable: 'FIREBREAK_WEBHOOK_TOKEN' });
  });

  it('reports YAML syntax errors with file, line and column', () => {
    const err = loadError(() =>
      loadConfig({ env: {}, argv: ['--config', 'f.yaml'], readFile: files({ 'f.yaml': 'listen: a\n  mode: [\n' }) }),
    );
    expect(err.code).to.equal('CONFIG_INVALID_YAML');
    expect(err.message).to.match(/^config file f\.yaml:\d+:\d+: /);
    expect(err.details).to.have.property('line').that.is.a('number');
  });

  it('rejects a file that is not a mapping', () => {
    const err = loadError(() => loadConfig({ env: {}, argv: ['--config', 'f.yaml'], readFile: files({ 'f.yaml': '- a\n- b\n' }) }));
    expect(err.code).to.equal('CONFIG_INVALID');
    expect(err.message).to.equal('config file f.yaml: / must be a mapping of settings');
  });

  it('fails clearly when the config file cannot be read or --config has no value', () => {
    expect(loadError(() => loadConfig({ env: {}, argv: ['--config', 'nope.yaml'], readFile: files({}) })).code).to.equal('CONFIG_FILE_UNREADABLE');
    expect(loadError(() => loadConfig({ env: {}, argv: ['--config'], readFile: files({}) })).code).to.equal('CONFIG_INVALID_ARGUMENT');
  });

  it('parses FIREBREAK_API_TOKENS as name:role:token entries (a token may contain colons)', () => {
    const config = loadConfig({
      env: { FIREBREAK_API_TOKENS: `alice:responder:${TOKEN}, grafana:viewer:x:${TOKEN}` },
      argv: [],
      readFile: files({}),
    });
    expect(config.apiTokens).to.deep.equal([
      { name: 'alice', role: 'responder', token: TOKEN },
      { name: 'grafana', role: 'viewer', token: `x:${TOKEN}` },
    ]);
  });

  it('rejects a malformed or unknown-role token entry by position, never echoing the token', () => {
    const malformed = loadError(() => loadConfig({ env: { FIREBREAK_API_TOKENS: `alice:${TOKEN}` }, argv: [], readFile: files({}) }));
    expect(malformed.message).to.equal('environment FIREBREAK_API_TOKENS: entry 1 must be name:role:token');
    const role = loadError(() =>
      loadConfig({ env: { FIREBREAK_API_TOKENS: `a:viewer:${TOKEN},b:root:${TOKEN}2` }, argv: [], readFile: files({}) }),
    );
    expect(role.message).to.equal('environment FIREBREAK_API_TOKENS: entry 2 (b): role must be one of viewer, responder, admin');
    expect(malformed.message + role.message).not.to.include(TOKEN);
  });

  it('rejects duplicate token names and a token used twice', () => {
    const twiceName = loadError(() =>
      loadConfig({ env: { FIREBREAK_API_TOKENS: `a:viewer:${TOKEN}1,a:admin:${TOKEN}2` }, argv: [], readFile: files({}) }),
    );
    expect(twiceName.details).to.include({ path: '/apiTokens/1/name' });
    const sameAsWebhook = loadError(() =>
      loadConfig({ env: { FIREBREAK_API_TOKENS: `a:viewer:${TOKEN}`, FIREBREAK_WEBHOOK_TOKEN: TOKEN }, argv: [], readFile: files({}) }),
    );
    expect(sameAsWebhook.details).to.include({ path: '/apiTokens/0/token' });
  });

  it('reads secrets from *_FILE variables, without the trailing newline', () => {
    const config = loadConfig({
      env: { FIREBREAK_WEBHOOK_TOKEN_FILE: '/run/secrets/webhook', FIREBREAK_WEBHOOK_BASIC_AUTH_FILE: '/run/secrets/basic' },
      argv: [],
      readFile: files({ '/run/secrets/webhook': `${TOKEN}\n`, '/run/secrets/basic': 'am:a-password-123456\n' }),
    });
    expect(config.webhook.token).to.equal(TOKEN);
    expect(config.webhook.basicAuth).to.deep.equal({ username: 'am', password: 'a-password-123456' });
  });

  it('refuses a variable and its _FILE variant together', () => {
    const err = loadError(() =>
      loadConfig({ env: { FIREBREAK_WEBHOOK_TOKEN: TOKEN, FIREBREAK_WEBHOOK_TOKEN_FILE: '/x' }, argv: [], readFile: files({ '/x': TOKEN }) }),
    );
    expect(err.message).to.equal('environment FIREBREAK_WEBHOOK_TOKEN: set either FIREBREAK_WEBHOOK_TOKEN or FIREBREAK_WEBHOOK_TOKEN_FILE, not both');
  });

  it('treats empty variables as unset and reads booleans strictly', () => {
    expect(loadConfig({ env: { FIREBREAK_MODE: '', FIREBREAK_AUTH_DISABLED: 'yes' }, argv: [], readFile: files({}) }))
      .to.deep.include({ mode: 'dry-run', auth: { disabled: true, failures: { perClient: 10, total: 100, windowMs: 900_000 } } });
    const err = loadError(() => loadConfig({ env: { FIREBREAK_AUTH_DISABLED: 'maybe' }, argv: [], readFile: files({}) }));
    expect(err.message).to.equal('environment FIREBREAK_AUTH_DISABLED: must be true or false');
  });

  it('accepts a postgres URL as the store, with pool and TLS settings and their defaults', () => {
    const config = loadConfig({ env: { FIREBREAK_STORE: 'postgres://firebreak@db/firebreak' }, argv: [], readFile: files({}) });
    expect(config.store).to.equal('postgres://firebreak@db/firebreak');
    expect(config.postgres).to.deep.equal({
      poolSize: 10,
      connectTimeoutMs: 5000,
      lockTimeoutMs: 10000,
      tls: { mode: 'disable', caFile: null, certFile: null, keyFile: null },
    });
    const tls = loadConfig({
      env: {
        FIREBREAK_STORE_FILE: '/run/secrets/store-url',
        FIREBREAK_POSTGRES_POOL_SIZE: '4',
        FIREBREAK_POSTGRES_TLS_MODE: 'verify-full',
        FIREBREAK_POSTGRES_TLS_CA: '/etc/firebreak/ca.pem',
      },
      argv: [],
      readFile: files({ '/run/secrets/store-url': 'postgres://firebreak:pw@db/firebreak\n' }),
    });
    expect(tls.store).to.equal('postgres://firebreak:pw@db/firebreak');
    expect(tls.postgres).to.deep.include({ poolSize: 4, tls: { mode: 'verify-full', caFile: '/etc/firebreak/ca.pem', certFile: null, keyFile: null } });
  });

  it('refuses PostgreSQL TLS settings that cannot work together', () => {
    const half = loadError(() => loadConfig({ env: { FIREBREAK_POSTGRES_TLS_MODE: 'verify-full', FIREBREAK_POSTGRES_TLS_CERT: '/c.pem' }, argv: [], readFile: files({}) }));
    expect(half.message).to.equal('config /postgres/tls: certFile and keyFile go together');
    const off = loadError(() => loadConfig({ env: { FIREBREAK_POSTGRES_TLS_CA: '/ca.pem' }, argv: [], readFile: files({}) }));
    expect(off.details).to.include({ path: '/postgres/tls/mode' });
    const mode = loadError(() => loadConfig({ env: { FIREBREAK_POSTGRES_TLS_MODE: 'prefer' }, argv: [], readFile: files({}) }));
    expect(mode.message).to.match(/^environment FIREBREAK_POSTGRES_TLS_MODE: /);
  });

  it('reads the release, episode and reconciliation settings with their defaults, and refuses an escalation target that is not configured', () => {
    const defaults = loadConfig({ env: {}, argv: [], readFile: files({}) });
    expect(defaults.alertmanager).to.deep.equal({ urls: [], reconcileMs: 60_000, graceMs: 300_000, timeoutMs: 5_000 });
    expect(defaults.engine).to.deep.include({ timerPollMs: 1_000, revertRetryMs: 5_000, revertRetryMaxMs: 300_000, revertEscalateMs: 900_000, episodeWindowMs: 1_800_000, loopBreakerCycles: 3, loopBreakerWindowMs: 3_600_000, escalationTarget: null });
    const yaml = [
      'alertmanager: { reconcileMs: 30000, graceMs: 120000 }',
      'engine: { escalationTarget: oncall, loopBreakerCycles: 5 }',
      'notify: { targets: { oncall: { url: "https://chat.example.com/hook", kind: slack } } }',
    ].join('\n');
    const config = loadConfig({ env: { FIREBREAK_ALERTMANAGER_URLS: 'http://am-0:9093, http://am-1:9093' }, argv: ['--config', 'c.yaml'], readFile: files({ 'c.yaml': yaml }) });
    expect(config.alertmanager).to.deep.equal({ urls: ['http://am-0:9093', 'http://am-1:9093'], reconcileMs: 30_000, graceMs: 120_000, timeoutMs: 5_000 });
    expect(config.engine).to.deep.include({ escalationTarget: 'oncall', loopBreakerCycles: 5 });
    const unknown = loadError(() => loadConfig({ env: {}, argv: ['--config', 'c.yaml'], readFile: files({ 'c.yaml': 'engine: { escalationTarget: pager }' }) }));
    expect(unknown.message).to.equal('config /engine/escalationTarget: no notify target "pager" (notify.targets is empty)');
    expect(loadError(() => loadConfig({ env: { FIREBREAK_ALERTMANAGER_URLS: 'am-0:9093' }, argv: [], readFile: files({}) })).code).to.equal('CONFIG_INVALID');
  });

  it('validates listen addresses, IPv6 included', () => {
    expect(loadConfig({ env: { FIREBREAK_LISTEN: '[::1]:0' }, argv: [], readFile: files({}) }).listen).to.equal('[::1]:0');
    expect(loadError(() => loadConfig({ env: { FIREBREAK_LISTEN: '8080' }, argv: [], readFile: files({}) })).code).to.equal('CONFIG_INVALID');
    expect(loadError(() => loadConfig({ env: { FIREBREAK_LISTEN: 'localhost:70000' }, argv: [], readFile: files({}) })).details)
      .to.include({ path: '/listen' });
  });

  it('validates broker addresses, IPv6 included', () => {
    const config = loadConfig({ env: { FIREBREAK_KAFKA_BROKERS: 'kafka-1:9092,[fd00::1]:9092' }, argv: [], readFile: files({}) });
    expect(config.kafka.brokers).to.deep.equal(['kafka-1:9092', '[fd00::1]:9092']);
    const err = loadError(() => loadConfig({ env: { FIREBREAK_KAFKA_BROKERS: 'kafka-1' }, argv: [], readFile: files({}) }));
    expect(err.message).to.match(/^environment FIREBREAK_KAFKA_BROKERS: \/kafka\/brokers\/0 must match pattern/);
  });

  it('returns a deeply frozen config', () => {
    const config = loadConfig({ env: { FIREBREAK_API_TOKENS: `a:viewer:${TOKEN}` }, argv: [], readFile: files({}) });
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.limits)).to.equal(true);
    expect(Object.isFrozen(config.apiTokens[0])).to.equal(true);
    expect(() => {
      (config as { mode: string }).mode = 'enforce';
    }).to.throw(TypeError);
  });
});

describe('parseByteSize', () => {
  it('reads plain numbers and binary units', () => {
    expect(parseByteSize(1024)).to.equal(1024);
    expect(parseByteSize('2048')).to.equal(2048);
    expect(parseByteSize('512kb')).to.equal(512 * 1024);
    expect(parseByteSize('16MiB')).to.equal(16 * 1024 * 1024);
    expect(parseByteSize('1g')).to.equal(1024 ** 3);
  });

  it('rejects text that is not a size', () => {
    expect(() => parseByteSize('lots')).to.throw(FirebreakError);
  });
});
