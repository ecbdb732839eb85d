/**
 * Credentials on a real disk: generated on a first start with none configured, written 0600 to
 * `<dataDir>/credentials.json`, reused afterwards, never logged; configured credentials win; an
 * explicit `auth.disabled` runs open and says so at every start.
 */
import { expect } from 'chai';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CREDENTIALS_FILE, resolveCredentials } from '../../../src/config/credentials.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { memoryLogger } from '../http/harness.ts';
import { ensureStopped, startServe, type ServeProcess } from './serve-process.ts';

interface CredentialsFileContent {
  webhook: { token: string };
  apiTokens: Array<{ name: string; role: string; token: string }>;
}

const none = { auth: { disabled: false }, webhook: {}, apiTokens: [] };

describe('first-start credentials', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-credentials-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates a webhook token and an admin token in a 0600 file, logs its path only, and reuses it', async () => {
    const dataDir = join(dir, 'data');
    const { logger, lines } = memoryLogger();
    const first = await resolveCredentials({ ...none, dataDir }, { logger, now: () => new Date('2026-03-02T10:00:00Z') });
    const path = join(dataDir, CREDENTIALS_FILE);
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
    expect((await stat(dataDir)).mode & 0o077).to.equal(0);
    const file = JSON.parse(await readFile(path, 'utf8')) as CredentialsFileContent;
    expect(first.webhook.token).to.equal(file.webhook.token).and.to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(first.apiTokens).to.deep.equal([{ name: 'admin', role: 'admin', token: file.apiTokens[0]?.token }]);
    expect(first.webhook.token).not.to.equal(first.apiTokens[0]?.token);
    expect(lines.some((l) => l.path === path)).to.equal(true);
    expect(JSON.stringify(lines)).not.to.include(first.webhook.token!).and.not.to.include(first.apiTokens[0]!.token);

    const again = await resolveCredentials({ ...none, dataDir }, { logger, now: () => new Date() });
    expect(again).to.deep.equal(first);
  });

  it('uses configured credentials and generates only the kind that is missing', async () => {
    const { logger } = memoryLogger();
    const configured = await resolveCredentials(
      { ...none, dataDir: dir, webhook: { token: 'configured-webhook-token-01' }, apiTokens: [{ name: 'a', role: 'viewer', token: 'configured-viewer-token-01' }] },
      { logger, now: () => new Date() },
    );
    expect(configured.webhook).to.deep.equal({ token: 'configured-webhook-token-01' });
    await stat(join(dir, CREDENTIALS_FILE)).then(
      () => expect.fail('no file when everything is configured'),
      (err: NodeJS.ErrnoException) => expect(err.code).to.equal('ENOENT'),
    );
    const partial = await resolveCredentials({ ...none, dataDir: dir, webhook: { token: 'configured-webhook-token-01' } }, { logger, now: () => new Date() });
    expect(partial.webhook).to.deep.equal({ token: 'configured-webhook-token-01' });
    expect(partial.apiTokens[0]).to.include({ name: 'admin', role: 'admin' });
  });

  it('writes nothing when authentication is disabled', async () => {
    const { logger } = memoryLogger();
    const open = await resolveCredentials({ ...none, auth: { disabled: true }, dataDir: dir }, { logger, now: () => new Date() });
    expect(open.disabled).to.equal(true);
    await stat(join(dir, CREDENTIALS_FILE)).then(
      () => expect.fail('no credentials file with auth disabled'),
      () => undefined,
    );
  });

  it('refuses a credentials file it did not write', async () => {
    await writeFile(join(dir, CREDENTIALS_FILE), '{"token": "x"}', { mode: 0o600 });
    const { logger } = memoryLogger();
    const err = await resolveCredentials({ ...none, dataDir: dir }, { logger, now: () => new Date() }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(FirebreakError);
    expect((err as FirebreakError).code).to.equal('CONFIG_CREDENTIALS_INVALID');
  });

  describe('with the real serve process', () => {
    let proc: ServeProcess | undefined;
    afterEach(async () => {
      await ensureStopped(proc);
      proc = undefined;
    });

    it('starts with generated credentials that work, in a data directory it creates 0700, and the same ones after a restart', async function () {
      this.timeout(120_000);
      // The store opens before the credentials are written, so it is the store that creates
      // the data directory: its mode is what this checks.
      const dataDir = join(dir, 'data');
      const env = { FIREBREAK_LISTEN: '127.0.0.1:0', FIREBREAK_DATA_DIR: dataDir };
      proc = await startServe({ cwd: dir, env });
      expect((await stat(dataDir)).mode & 0o777).to.equal(0o700);
      expect((await stat(join(dataDir, 'firebreak.db'))).isFile()).to.equal(true);
      const file = JSON.parse(await readFile(join(dataDir, CREDENTIALS_FILE), 'utf8')) as CredentialsFileContent;
      const admin = file.apiTokens[0]!.token;
      expect(proc.output().stdout).to.include(join(dataDir, CREDENTIALS_FILE));
      expect(proc.output().stdout).not.to.include(admin).and.not.to.include(file.webhook.token);
      expect((await fetch(`${proc.url}/api/v1/incidents`, { headers: { authorization: `Bearer ${admin}` } })).status).to.equal(200);
      expect((await fetch(`${proc.url}/api/v1/incidents`)).status).to.equal(401);
      proc.kill('SIGTERM');
      expect((await proc.exited).code).to.equal(0);

      proc = await startServe({ cwd: dir, env });
      expect((await fetch(`${proc.url}/api/v1/incidents`, { headers: { authorization: `Bearer ${admin}` } })).status).to.equal(200);
      expect(proc.logs.some((l) => l.msg === 'using generated credentials')).to.equal(true);
    });

    it('runs without authentication only when told to, warning at every start, leaving an existing data directory\'s mode alone', async function () {
      this.timeout(120_000);
      const dataDir = join(dir, 'shared');
      await mkdir(dataDir);
      await chmod(dataDir, 0o750);
      const env = { FIREBREAK_LISTEN: '127.0.0.1:0', FIREBREAK_DATA_DIR: dataDir, FIREBREAK_AUTH_DISABLED: 'true' };
      for (let start = 0; start < 2; start++) {
        proc = await startServe({ cwd: dir, env });
        expect(proc.logs.some((l) => l.level === 40 && String(l.msg).startsWith('authentication is DISABLED'))).to.equal(true);
        expect((await fetch(`${proc.url}/api/v1/incidents`)).status).to.equal(200);
        proc.kill('SIGTERM');
        expect((await proc.exited).code).to.equal(0);
      }
      expect((await stat(dataDir)).mode & 0o777).to.equal(0o750);
    });
  });
});
