/**
 * The log in a burst of notifications: the first few requests and processed notifications of
 * each second are logged one by one at info, the rest at debug, and one info line per second
 * counts them all, so the log at info still shows every notification arriving.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../../src/core/clock.ts';
import { LOG_SAMPLER_DEFAULTS } from '../../../src/core/log-sampler.ts';
import { waitFor } from '../../support/eventually.ts';
import { postAlerts, startHarness, type Harness } from './harness.ts';

const BODY = readFileSync(join(import.meta.dirname, '../../fixtures/alertmanager/grouped-firing.json'), 'utf8');
const INFO = 30;
const DEBUG = 20;
const BURST = 25;

describe('webhook log volume in a burst', () => {
  let h: Harness;

  beforeEach(async () => {
    // A clock that stands still: the whole burst falls in one window however slow the machine.
    h = await startHarness({ clock: new FakeClock() });
  });
  afterEach(async () => {
    await h.close();
  });

  it('logs the first requests and processed notifications of a second at info, the rest at debug, and a count of them all at info', async () => {
    const responses = await Promise.all(Array.from({ length: BURST }, () => postAlerts(h.baseUrl, BODY)));
    for (const response of responses) expect(response.status).to.equal(200);
    await h.app.pipeline.idle();

    const requests = h.logs.filter((l) => l.msg === 'request' && l.url === '/api/v1/alerts');
    expect(requests, 'every request still has its line').to.have.length(BURST);
    expect(requests.filter((l) => l.level === INFO)).to.have.length(LOG_SAMPLER_DEFAULTS.perWindow);
    expect(requests.filter((l) => l.level === DEBUG)).to.have.length(BURST - LOG_SAMPLER_DEFAULTS.perWindow);
    const processed = h.logs.filter((l) => l.msg === 'notification processed');
    expect(processed).to.have.length(BURST);
    expect(processed.filter((l) => l.level === INFO)).to.have.length(LOG_SAMPLER_DEFAULTS.perWindow);

    const summary = (prefix: string) => waitFor(`the "${prefix}" count`, async () => h.logs.find((l) => String(l.msg).startsWith(prefix)), { timeoutMs: 10_000 });
    expect(await summary('webhook requests answered:')).to.include({ level: INFO, events: BURST, loggedAtInfo: LOG_SAMPLER_DEFAULTS.perWindow });
    expect(await summary('notifications processed:')).to.include({ level: INFO, events: BURST, loggedAtInfo: LOG_SAMPLER_DEFAULTS.perWindow });
  });

  it('logs refused requests at info whatever the rate', async () => {
    const responses = await Promise.all(Array.from({ length: BURST }, () => postAlerts(h.baseUrl, '{"version": "3"}')));
    for (const response of responses) expect(response.status).to.equal(400);
    const refused = h.logs.filter((l) => l.msg === 'request' && l.code === 'WEBHOOK_UNSUPPORTED_VERSION');
    expect(refused).to.have.length(BURST);
    for (const line of refused) expect(line.level).to.equal(INFO);
  });
});
