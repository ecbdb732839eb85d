/**
 * The web console in a real headless Chromium, against the real `firebreak serve` process with a
 * real Kafka cluster and a real Alertmanager: sign in, an incident appearing live when
 * Alertmanager delivers, an approval given from the page (the quota appears on the broker), a
 * containment reverted from the page (the quota goes), a viewer who sees no approve button and
 * gets 403 when it posts anyway, the post-mortem downloaded, the runbooks page with a simulated
 * payload. Each page passes axe-core with no serious or critical violation and is screenshotted.
 */
import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { quotaOf, quotaSettled } from '../../integration/actions/harness.ts';
import { eventually, waitFor } from '../../support/eventually.ts';
import { uniqueName, useKafka } from '../../support/kafka.ts';
import { startAlertmanager, type Alertmanager } from '../../../scripts/pipeline/alertmanager.ts';
import { checkPage } from './accessibility.ts';
import { startConsoleServer, tearDownAfterSuite, type ConsoleServer } from './console-server.ts';

const WEBHOOK_TOKEN = 'console-webhook-token-0123456789';
const RESPONDER_TOKEN = 'console-responder-token-0123456789';
const VIEWER_TOKEN = 'console-viewer-token-0123456789';

function alertmanagerConfig(firebreakUrl: string): string {
  return `
route:
  receiver: firebreak
  group_by: [alertname, client]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 4h
receivers:
  - name: firebreak
    webhook_configs:
      - url: ${firebreakUrl}/api/v1/alerts
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${WEBHOOK_TOKEN}
`;
}

describe('the web console in a real browser', function () {
  this.timeout(120_000);
  let server: ConsoleServer;
  let alertmanager: Alertmanager | undefined;
  let page: Page;
  let client: string;
  let incidentPath: string;

  before(async function () {
    this.timeout(300_000);
    server = await startConsoleServer({
      name: 'console',
      kafka: await useKafka(),
      mode: 'enforce',
      webhookToken: WEBHOOK_TOKEN,
      apiTokens: `alice:responder:${RESPONDER_TOKEN},grafana:viewer:${VIEWER_TOKEN}`,
    });
    alertmanager = await startAlertmanager({ dir: server.dir, config: alertmanagerConfig(server.url) });
    page = await server.chromium.newPage({ downloadPath: join(server.dir, 'downloads') });
    client = uniqueName('producer');
  });

  tearDownAfterSuite(() => server, () => alertmanager?.stop());

  function pushApprovalAlert(who: string, summary: string): Promise<void> {
    return alertmanager!.pushAlerts([
      {
        labels: { alertname: 'EngineTestApproval', client: who, severity: 'critical', cluster: 'console-e2e' },
        annotations: { summary },
        startsAt: new Date().toISOString(),
      },
    ]);
  }

  it('signs in with an operator token, and refuses anything else', async () => {
    await page.goto(`${server.url}/runbooks`);
    expect(new URL(page.url()).pathname).to.equal('/sign-in');
    await checkPage(page, 'sign-in');
    await page.type('#token', WEBHOOK_TOKEN);
    const refused = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(refused[0]?.status()).to.equal(401);
    expect(await page.$eval('.error', (e) => e.textContent)).to.contain('not an operator token');
    await page.type('#token', RESPONDER_TOKEN);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(new URL(page.url()).pathname).to.equal('/runbooks');
    const cookies = await page.browserContext().cookies();
    const session = cookies.find((c) => c.name === 'firebreak_session');
    expect(session).to.deep.include({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.$eval('.who', (e) => e.textContent)).to.contain('alice (responder)');
  });

  it('shows an incident live when Alertmanager posts, with label values as text', async () => {
    await page.goto(`${server.url}/`);
    await checkPage(page, 'incidents-empty');
    await page.waitForFunction("document.getElementById('live-status')?.textContent?.startsWith('Live:')", { timeout: 20_000 });
    await pushApprovalAlert(client, 'Lag of <b>billing</b> & co');
    // No reload: the event stream brings it.
    const link = await page.waitForSelector('#incidents a[href^="/incidents/"]', { timeout: 60_000 });
    expect(await link!.evaluate((a) => a.textContent)).to.equal('Lag of <b>billing</b> & co');
    await page.waitForSelector('#needs li', { timeout: 30_000 });
    expect(await page.$('#incidents b')).to.equal(null);
    incidentPath = (await link!.evaluate((a) => a.getAttribute('href'))) as string;
    await checkPage(page, 'incidents');
  });

  it('approves a pending approval from the page, and the quota appears on the broker', async () => {
    await page.goto(`${server.url}${incidentPath}`);
    await page.waitForSelector('#approvals button[value=approve]');
    const plan = await page.$eval('#approvals table', (t) => t.textContent ?? '');
    expect(plan).to.contain(`quota:client-id=${client}`).and.to.contain('producer_byte_rate').and.to.contain('1048576');
    await checkPage(page, 'incident');
    expect(await quotaOf(server.admin, { 'client-id': client })).to.deep.equal({});
    await page.type('#approvals input[name=reason]', 'lag confirmed on the dashboard');
    await Promise.all([page.waitForNavigation(), page.click('#approvals button[value=approve]')]);
    expect(await page.$eval('.notice', (e) => e.textContent)).to.contain('Approved');
    await quotaSettled(server.admin, { 'client-id': client }, { producer_byte_rate: 1_048_576 });
    // The containment shows up on the page, live.
    await page.waitForSelector('#containments button.danger', { timeout: 30_000 });
    expect(await page.$eval('#timeline', (e) => e.textContent ?? '')).to.contain('alice approved step throttle: lag confirmed on the dashboard');
    await checkPage(page, 'incident-contained');
  });

  it('reverts a containment from the page', async () => {
    await Promise.all([page.waitForNavigation(), page.click('#containments button.danger')]);
    expect(await page.$eval('.notice', (e) => e.textContent)).to.contain('Revert done');
    await quotaSettled(server.admin, { 'client-id': client }, {});
    expect(await page.$eval('#containments h2', (e) => e.textContent)).to.equal('Containments in force (0)');
    expect(await page.$eval('#timeline', (e) => e.textContent ?? '')).to.match(/revert\.succeeded · alice: /);
  });

  it('lets a viewer see an approval but not decide it: no button, and 403 when it posts anyway', async () => {
    const other = uniqueName('producer');
    await pushApprovalAlert(other, `Lag of ${other}`);
    const viewer = await server.chromium.newPage();
    await server.signIn(viewer, VIEWER_TOKEN);
    const href = await waitFor(
      'the second incident on the viewer page',
      async () => {
        await viewer.reload();
        return viewer.$$eval('#incidents a[href^="/incidents/"]', (links, name) => links.find((a) => a.textContent === name)?.getAttribute('href') ?? undefined, `Lag of ${other}`);
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    await viewer.goto(`${server.url}${href}`);
    await viewer.waitForSelector('#approvals article');
    expect(await viewer.$('#approvals button')).to.equal(null);
    expect(await viewer.$('#containments button, form[action$="/notes"]')).to.equal(null);
    expect(await viewer.$eval('#approvals', (e) => e.textContent ?? '')).to.contain('A responder can approve or reject this step.');
    await checkPage(viewer, 'incident-viewer');
    // The viewer's own session and CSRF token, a same-origin post: the server still refuses it.
    const csrf = await viewer.$eval('input[name=_csrf]', (e) => (e as unknown as { value: string }).value);
    const status = await viewer.evaluate(async (path, csrf) => {
      const response = await fetch(`${path}/steps/throttle/decide`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, verdict: 'approve', back: path }) });
      return { status: response.status, text: await response.text() };
    }, href, csrf);
    expect(status.status).to.equal(403);
    expect(status.text).to.contain('AUTH_FORBIDDEN');
    const still = await fetch(`${server.url}/api/v1/approvals`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    const waiting = ((await still.json()) as { items: Array<{ incidentId: string; state: string }> }).items;
    expect(waiting.find((a) => href.endsWith(a.incidentId))?.state).to.equal('pending');
    // And a form post without the token, from the responder's session, is refused too.
    const forged = await page.evaluate(async (path) => (await fetch(`${path}/notes`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=hello' })).status, href);
    expect(forged).to.equal(403);
    await viewer.browserContext().close();
  });

  it('posts a status update and a tagged note, and downloads the post-mortem as Markdown', async () => {
    await page.goto(`${server.url}${incidentPath}`);
    await page.type('#note', 'root-cause: the batch producer <script>ignored</script> had no quota');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/notes"] button')]);
    expect(await page.$eval('#note-list', (e) => e.textContent ?? '')).to.contain('the batch producer <script>ignored</script> had no quota');
    await page.type('#known', 'Billing lags by 2 hours');
    await page.type('#doing', 'Throttled the batch producer; watching the lag');
    await page.type('#next', '30');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/status-updates"] button')]);
    expect(await page.$eval('.notice', (e) => e.textContent)).to.contain('Status update posted');
    expect(await page.$eval('#update-list', (e) => e.textContent ?? '')).to.contain('What we know: Billing lags by 2 hours').and.to.contain('What we do: Throttled the batch producer');
    await page.click('#postmortem a[download]');
    const downloads = join(server.dir, 'downloads');
    const file = await eventually(
      async () => {
        const names = (await readdir(downloads).catch(() => [] as string[])).filter((n) => n.endsWith('-postmortem.md'));
        expect(names).to.have.length(1);
        return join(downloads, names[0] as string);
      },
      { timeoutMs: 20_000, what: 'the downloaded post-mortem' },
    );
    const markdown = await readFile(file, 'utf8');
    expect(markdown).to.match(/^# /);
    expect(markdown).to.contain('the batch producer').and.to.contain('had no quota');
    expect(markdown).not.to.contain('<script>');
    await checkPage(page, 'incident-postmortem');
  });

  it('lists the runbooks with their last runs, and simulates a pasted payload', async () => {
    await page.goto(`${server.url}/runbooks`);
    expect(await page.$eval('main', (e) => e.textContent ?? '')).to.contain('engine-lag-approval').and.to.contain('The runbook files are valid');
    await checkPage(page, 'runbooks');
    const payload = {
      version: '4',
      groupKey: '{}:{alertname="EngineTestApproval"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'firebreak',
      groupLabels: { alertname: 'EngineTestApproval' },
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://alertmanager',
      alerts: [{ status: 'firing', labels: { alertname: 'EngineTestApproval', client: 'simulated' }, annotations: {}, startsAt: '2026-03-01T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'abc123' }],
    };
    await page.$eval('#payload', (t, text) => void ((t as unknown as { value: string }).value = text), JSON.stringify(payload));
    await Promise.all([page.waitForNavigation(), page.click('form[action="/runbooks/simulate"] button')]);
    const result = await page.$eval('#simulation', (e) => e.textContent ?? '');
    expect(result).to.contain('runbook engine-lag-approval').and.to.contain('throttle').and.to.contain('wait-approval (approval-required)');
    await checkPage(page, 'runbooks-simulated');
  });

  it('pauses and resumes automation with a reason, shown on every page', async () => {
    await page.goto(`${server.url}/`);
    await page.type('#pause-reason', 'broker maintenance');
    await Promise.all([page.waitForNavigation(), page.click('form[action="/automation/pause"] button')]);
    expect(await page.$eval('#automation', (e) => e.textContent ?? '')).to.contain('Automation PAUSED by alice: broker maintenance');
    await page.goto(`${server.url}${incidentPath}`);
    expect(await page.$eval('#automation', (e) => e.textContent ?? '')).to.contain('PAUSED');
    await Promise.all([page.waitForNavigation(), page.click('form[action="/automation/resume"] button')]);
    expect(await page.$eval('#automation', (e) => e.textContent ?? '')).to.contain('Automation running');
  });

  it('signs out, and the session no longer works', async () => {
    await Promise.all([page.waitForNavigation(), page.click('.who button')]);
    expect(new URL(page.url()).pathname).to.equal('/sign-in');
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).to.equal('/sign-in');
  });
});
