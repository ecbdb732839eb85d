/**
 * An operator command (the CLI in-process) against a real server that wants a token it could not
 * find: the message says where it looked and what to set, instead of the server's bare
 * "authentication required".
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { runCli } from '../../../src/cli/run.ts';
import { captureIo } from '../../unit/cli/cli-io.ts';
import { startHarness, type Harness } from './harness.ts';

describe('operator commands without a token', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('say which credentials files they looked for and what to set', async () => {
    const dataDir = join(h.dir, 'elsewhere');
    const io = captureIo({ env: { FIREBREAK_URL: h.baseUrl, FIREBREAK_DATA_DIR: dataDir }, readFile: (path) => readFileSync(path, 'utf8') });
    expect(await runCli(['pause'], io)).to.equal(1);
    const [first, hint] = io.err().split('\n');
    expect(first).to.equal(
      `error AUTH_MISSING: firebreak at ${h.baseUrl} needs an operator token and none was found: FIREBREAK_TOKEN is not set, no responder or admin token is configured, and no generated credentials in ${join(dataDir, 'credentials.json')}`,
    );
    expect(hint).to.equal('  set FIREBREAK_TOKEN (or FIREBREAK_TOKEN_FILE), or FIREBREAK_DATA_DIR to the data directory of that serve');
    expect((await h.store.automation()).paused).to.equal(false);
  });
});
