/**
 * A real headless Chromium (Debian's `chromium` package) driven by puppeteer-core, which never
 * downloads a browser. Launched with a fresh profile in a temp dir and every background network
 * feature off (this machine reaches nothing but itself), and closed with its profile removed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.FIREBREAK_TEST_CHROMIUM ?? '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  /** A new page in a fresh incognito context (its own cookies); downloads go to `downloadPath`. */
  newPage(options?: { downloadPath?: string }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (scripts/ci-deps.sh)`);
  const profile = await mkdtemp(join(tmpdir(), 'firebreak-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      `--user-data-dir=${profile}`,
    ],
    defaultViewport: { width: 1280, height: 900 },
    protocolTimeout: 60_000,
  });
  return {
    browser,
    async newPage(options = {}) {
      const context = await browser.createBrowserContext(
        options.downloadPath === undefined ? {} : { downloadBehavior: { policy: 'allow', downloadPath: options.downloadPath } },
      );
      return context.newPage();
    },
    async close() {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
