/**
 * Steering from the console in a real headless Chromium, against the real `firebreak serve` with
 * a real Kafka cluster: a flapping producer trips the loop breaker (one contain/release cycle
 * here); the incident page shows the held containment with its release mode and the
 * escalation, live; a responder hands it back to automation from the page with a reason, and
 * the page follows the release it scheduled until the quota is gone from the broker. The
 * automation switch changed from the command line (pause) and through the API (mode) shows on
 * open pages without a reload. Each page passes axe-core and is screenshotted.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'puppeteer-core';
import { quotaSettled } from '../../integration/actions/harness.ts';
import { engineAlert } from '../../integration/engine/engine-app.ts';
import { FIREBREAK_BIN } from '../../integration/serve/serve-process.ts';
import { uniqueName, useKafka } from '../../support/kafka.ts';
import { checkPage } from './accessibility.ts';
import { startConsoleServer, tearDownAfterSuite, type ConsoleServer } from './console-server.ts';

const WEBHOOK_TOKEN = 'steering-webhook-token-0123456789';
const RESPONDER_TOKEN = 'steering-responder-token-0123456789';
const ADMIN_TOKEN = 'steering-admin-token-0123456789';
const THROTTLED = { producer_byte_rate: 1_048_576 };
const LAG = 'EngineTestLag';

describe('steering from the console in a real browser', function () {
  this.timeout(180_000);
  let server: ConsoleServer;
  let page: Page;
  let client: string;
  let incidentPath: string;

  before(async function () {
    this.timeout(300_000);
    server = await startConsoleServer({
      name: 'steering',
      kafka: await useKafka(),
      mode: 'enforce',
      webhookToken: WEBHOOK_TOKEN,
      apiTokens: `alice:responder:${RESPONDER_TOKEN},root:admin:${ADMIN_TOKEN}`,
      // One contain/release cycle trips the loop breaker; a release after a re-fire waits 5 s.
      config: 'engine:\n  loopBreakerCycles: 1\n  episodeWindowMs: 5000\n',
    });
    page = await server.chromium.newPage();
    client = uniqueName('flapping');
    await server.signIn(page, RESPONDER_TOKEN);
  });

  tearDownAfterSuite(() => server);

  const alert = (status: 'firing' | 'resolved', minute: number) => server.postAlert(engineAlert(LAG, client, status, new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString()));

  async function timelineKinds(): Promise<string[]> {
    const response = await fetch(`${server.url}/api/v1/incidents/${incidentPath.split('/').at(-1)}/timeline`, { headers: { authorization: `Bearer ${RESPONDER_TOKEN}` } });
    return ((await response.json()) as { items: Array<{ kind: string }> }).items.map((e) => e.kind);
  }

  /** The text of a region of the page once `predicate` holds for it (the page updates itself). */
  async function regionText(selector: string, predicate: string, timeout = 60_000): Promise<string> {
    await page.waitForFunction(`(() => { const t = document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''; return ${predicate}; })()`, { timeout });
    return page.$eval(selector, (e) => e.textContent ?? '');
  }

  it('shows a containment\'s release mode and the loop breaker\'s hold live, and hands it back to automation from the page', async () => {
    const entity = { 'client-id': client };
    await alert('firing', 0);
    await quotaSettled(server.admin, entity, THROTTLED);
    const link = await page.waitForSelector('#incidents a[href^="/incidents/"]', { timeout: 60_000 });
    incidentPath = (await link!.evaluate((a) => a.getAttribute('href'))) as string;
    await page.goto(`${server.url}${incidentPath}`);
    const inForce = await regionText('#containments', "t.includes('Containments in force (1)')");
    expect(inForce).to.contain('on-resolve: released as soon as the alert resolves').and.to.contain('In force while the alert fires');
    await page.waitForFunction("document.getElementById('live-status')?.textContent?.startsWith('Live:')", { timeout: 20_000 });
    await page.evaluate('window.notReloaded = true');

    // Released on resolve; the re-fire trips the breaker: the quota is back and held, on the open page.
    await alert('resolved', 0);
    await quotaSettled(server.admin, entity, {});
    await alert('firing', 1);
    await quotaSettled(server.admin, entity, THROTTLED);
    await alert('resolved', 1);
    const held = await regionText('#containments', "t.includes('Held by the loop breaker') && t.includes('Escalations (1)')");
    expect(held).to.contain('loop-breaker').and.to.contain('stops automating it');
    expect(await page.evaluate('window.notReloaded')).to.equal(true);
    expect(await page.$$eval('#containments form.hold button', (b) => b.map((x) => x.textContent))).to.deep.equal(['Hand back to automation', 'Clear the hold and revert now']);
    await checkPage(page, 'incident-held');

    // A reason is required: the browser does not send the form without one.
    await page.click('#containments form.hold button[value=hand-back]');
    expect(new URL(page.url()).pathname).to.equal(incidentPath);
    expect(await timelineKinds()).not.to.include('release.hold-lifted');
    await page.type('#containments form.hold input[name=reason]', 'consumer scaled to 6 replicas');
    await Promise.all([page.waitForNavigation(), page.click('#containments form.hold button[value=hand-back]')]);
    expect(await page.$eval('.notice', (e) => e.textContent)).to.contain('Handed back to automation');
    expect(await page.$eval('#timeline', (e) => e.textContent ?? '')).to.contain('alice handed step throttle back to automation').and.to.contain('consumer scaled to 6 replicas');
    // The release it scheduled is on the page with its next step, then the quota goes, live.
    const releasing = await page.$eval('#containments', (e) => e.textContent ?? '');
    expect(releasing).to.contain('Release under way. Next check').and.to.contain('it is reverted once the alert has stayed resolved long enough').and.to.contain('Released too early 1 time');
    await quotaSettled(server.admin, entity, {});
    await regionText('#containments', "t.includes('Containments in force (0)')");
    await checkPage(page, 'incident-handed-back');
  });

  it('shows the automation switch changed from the command line and through the API on open pages, without a reload', async () => {
    await page.goto(`${server.url}/runbooks`);
    await page.waitForFunction("document.getElementById('live-status')?.textContent?.startsWith('Live:')", { timeout: 20_000 });
    await page.evaluate('window.notReloaded = true');
    expect(await page.$eval('#automation', (e) => e.textContent ?? '')).to.contain('Automation running').and.to.contain('Mode: enforce');

    await promisify(execFile)(FIREBREAK_BIN, ['pause', '--reason', 'broker 3 is being replaced'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FIREBREAK_URL: server.url, FIREBREAK_TOKEN: RESPONDER_TOKEN },
    });
    expect(await regionText('#automation', "t.includes('PAUSED')", 20_000)).to.contain('Automation PAUSED by alice: broker 3 is being replaced');
    expect(await page.$('form[action="/automation/resume"] button')).not.to.equal(null);

    const response = await fetch(`${server.url}/api/v1/automation/mode`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'dry-run', reason: 'rehearsing the new runbooks' }),
    });
    expect(response.status).to.equal(200);
    expect(await regionText('#automation', "t.includes('dry-run')", 20_000)).to.contain('Mode: dry-run (set by root: rehearsing the new runbooks)');
    expect(await page.evaluate('window.notReloaded')).to.equal(true);
    await checkPage(page, 'runbooks-paused-dry-run');

    await Promise.all([page.waitForNavigation(), page.click('form[action="/automation/resume"] button')]);
    expect(await page.$eval('#automation', (e) => e.textContent ?? '')).to.contain('Automation running');
  });
});
