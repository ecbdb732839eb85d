/**
 * Switching the automation mode from the console in a real headless Chromium, against the real
 * `firebreak serve` with a real Kafka cluster: an admin switches to enforce only through the
 * confirmation page (with a reason), after which an alert's step changes the broker, and back to
 * dry-run through a page that says what dry-run means for the changes in force; the mode is recorded as through the API (who, why). A responder and a
 * viewer see no switch, and their posts are refused with 403 as on the API. Each page passes
 * axe-core and is screenshotted.
 */
import { expect } from 'chai';
import type { Page } from 'puppeteer-core';
import { quotaOf, quotaSettled } from '../../integration/actions/harness.ts';
import { engineAlert } from '../../integration/engine/engine-app.ts';
import { uniqueName, useKafka } from '../../support/kafka.ts';
import { checkPage } from './accessibility.ts';
import { startConsoleServer, tearDownAfterSuite, type ConsoleServer } from './console-server.ts';

const WEBHOOK_TOKEN = 'mode-webhook-token-0123456789';
const ADMIN_TOKEN = 'mode-admin-token-0123456789';
const RESPONDER_TOKEN = 'mode-responder-token-0123456789';
const VIEWER_TOKEN = 'mode-viewer-token-0123456789';

interface Automation {
  mode: string;
  modeChangedBy: string | null;
  modeReason: string | null;
}

describe('switching the automation mode from the console in a real browser', function () {
  this.timeout(120_000);
  let server: ConsoleServer;
  let page: Page;

  before(async function () {
    this.timeout(300_000);
    server = await startConsoleServer({
      name: 'mode',
      kafka: await useKafka(),
      mode: 'dry-run',
      webhookToken: WEBHOOK_TOKEN,
      apiTokens: `root:admin:${ADMIN_TOKEN},alice:responder:${RESPONDER_TOKEN},grafana:viewer:${VIEWER_TOKEN}`,
    });
    page = await server.chromium.newPage();
    await server.signIn(page, ADMIN_TOKEN);
  });

  tearDownAfterSuite(() => server);

  async function automation(): Promise<Automation> {
    const response = await fetch(`${server.url}/api/v1/automation`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    expect(response.status).to.equal(200);
    return (await response.json()) as Automation;
  }

  /** A form post from `p`'s own session with its CSRF token, as a crafted form would send it. */
  async function postMode(p: Page, fields: Record<string, string>): Promise<{ status: number; url: string; text: string }> {
    const csrf = await p.$eval('input[name=_csrf]', (e) => (e as unknown as { value: string }).value);
    return p.evaluate(async (fields, csrf) => {
      const response = await fetch('/automation/mode', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, back: '/', ...fields }) });
      return { status: response.status, url: response.url, text: await response.text() };
    }, fields, csrf);
  }

  const bar = (p: Page) => p.$eval('#automation', (e) => e.textContent ?? '');

  it('switches to enforce only after a confirmation with a reason, and firebreak then changes the cluster', async () => {
    expect(await bar(page)).to.contain('Mode: dry-run');
    await checkPage(page, 'mode-dry-run');

    // A post that skips the confirmation lands on it, and changes nothing.
    const skipped = await postMode(page, { mode: 'enforce', reason: 'no confirmation' });
    expect(skipped.status).to.equal(200);
    expect(new URL(skipped.url).pathname).to.equal('/automation/mode');
    expect(skipped.text).to.contain('Switch to enforce?');
    expect((await automation()).mode).to.equal('dry-run');

    await Promise.all([page.waitForNavigation(), page.click('#automation form[action="/automation/mode"] button')]);
    expect(new URL(page.url()).pathname).to.equal('/automation/mode');
    const confirm = await page.$eval('main', (e) => e.textContent ?? '');
    expect(confirm).to.contain('In enforce, firebreak changes the Kafka clusters').and.to.contain('Automation is running');
    await checkPage(page, 'mode-confirm-enforce');
    // A reason is required: the browser does not send the form without one.
    await page.click('main form[action="/automation/mode"] button.danger');
    expect(new URL(page.url()).pathname).to.equal('/automation/mode');
    expect((await automation()).mode).to.equal('dry-run');

    await page.type('#mode-reason', 'runbooks rehearsed for a week');
    await Promise.all([page.waitForNavigation(), page.click('main form[action="/automation/mode"] button.danger')]);
    expect(new URL(page.url()).pathname).to.equal('/');
    expect(await page.$eval('.notice', (e) => e.textContent)).to.contain('Mode enforce');
    expect(await bar(page)).to.contain('Mode: enforce (set by root: runbooks rehearsed for a week)');
    expect(await automation()).to.deep.include({ mode: 'enforce', modeChangedBy: 'root', modeReason: 'runbooks rehearsed for a week' });
    await checkPage(page, 'mode-enforce');

    // Enforce: the runbook's step now sets the quota on the broker.
    const client = uniqueName('producer');
    expect(await quotaOf(server.admin, { 'client-id': client })).to.deep.equal({});
    await server.postAlert(engineAlert('EngineTestLag', client, 'firing', new Date().toISOString()));
    await quotaSettled(server.admin, { 'client-id': client }, { producer_byte_rate: 1_048_576 });
  });

  it('switches back to dry-run from a page that says changes in force are then released by hand only', async () => {
    await page.goto(`${server.url}/runbooks`);
    await Promise.all([page.waitForNavigation(), page.click('#automation form[action="/automation/mode"] button')]);
    expect(await page.$eval('main', (e) => e.textContent ?? '')).to.contain('Switch to dry-run?').and.to.contain('not released automatically');
    await checkPage(page, 'mode-confirm-dry-run');
    await page.type('#mode-reason', 'broker upgrade tonight');
    await Promise.all([page.waitForNavigation(), page.click('main form[action="/automation/mode"] button')]);
    expect(new URL(page.url()).pathname).to.equal('/runbooks');
    expect(await page.$eval('.notice', (e) => e.textContent)).to.contain('Mode dry-run');
    expect(await bar(page)).to.contain('Mode: dry-run (set by root: broker upgrade tonight)');
    expect(await automation()).to.deep.include({ mode: 'dry-run', modeChangedBy: 'root', modeReason: 'broker upgrade tonight' });
  });

  for (const [role, token] of [['responder', RESPONDER_TOKEN], ['viewer', VIEWER_TOKEN]] as const) {
    it(`shows a ${role} the mode but no switch, and refuses its post and the confirmation page with 403`, async () => {
      const other = await server.chromium.newPage();
      await server.signIn(other, token);
      expect(await bar(other)).to.contain('Mode: dry-run');
      expect(await other.$('form[action="/automation/mode"]')).to.equal(null);
      await checkPage(other, `mode-${role}`);
      for (const fields of [{ mode: 'enforce', confirm: 'enforce' }, { mode: 'dry-run' }] as Array<Record<string, string>>) {
        const refused = await postMode(other, fields);
        expect(refused.status).to.equal(403);
        expect(refused.text).to.contain('AUTH_FORBIDDEN');
      }
      const confirmation = await other.goto(`${server.url}/automation/mode?to=enforce&back=/`);
      expect(confirmation?.status()).to.equal(403);
      expect((await automation()).mode).to.equal('dry-run');
      await other.browserContext().close();
    });
  }
});
