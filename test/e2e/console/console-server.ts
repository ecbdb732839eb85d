/**
 * What every browser test of the console starts and ends the same way: a temp directory, the
 * real `firebreak serve` on a free port in it, a headless Chromium; signing a page in with an
 * operator token; and the teardown (browser, process, directory). A test adds its own pieces
 * (a Kafka admin client, Alertmanager) around it.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { ensureStopped, startServe, type ServeProcess } from '../../integration/serve/serve-process.ts';
import { launchChromium, type TestBrowser } from './browser.ts';

export interface ConsoleServer {
  /** The temp directory: data dir and working directory of the process. */
  dir: string;
  firebreak: ServeProcess;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  chromium: TestBrowser;
  /** Opens `path` (default `/`) on `page`, is sent to the sign-in page, signs in with `token` and lands back on `path`. */
  signIn(page: Page, token: string, path?: string): Promise<void>;
  /** The last lines of the process's log, for a failed test. */
  logTail(lines?: number): string;
  /** Closes the browser, stops the process and removes the directory. */
  close(): Promise<void>;
}

/**
 * Starts serve listening on 127.0.0.1:0 with the data dir in a new temp directory, and the
 * browser. `env(dir)` gives the rest of the environment (it may write files into `dir` first).
 */
export async function startConsoleServer(options: { name: string; env: (dir: string) => Record<string, string> | Promise<Record<string, string>> }): Promise<ConsoleServer> {
  const dir = await mkdtemp(join(tmpdir(), `firebreak-${options.name}-`));
  let firebreak: ServeProcess | undefined;
  let chromium: TestBrowser | undefined;
  async function close(): Promise<void> {
    await chromium?.close();
    if (firebreak !== undefined) {
      firebreak.kill('SIGTERM');
      await firebreak.exited;
      await ensureStopped(firebreak);
    }
    await rm(dir, { recursive: true, force: true });
  }
  try {
    firebreak = await startServe({ cwd: dir, env: { FIREBREAK_LISTEN: '127.0.0.1:0', FIREBREAK_DATA_DIR: dir, ...(await options.env(dir)) } });
    chromium = await launchChromium();
  } catch (err) {
    await close();
    throw err;
  }
  const server = firebreak;
  return {
    dir,
    firebreak: server,
    url: server.url,
    chromium,
    async signIn(page, token, path = '/') {
      await page.goto(`${server.url}${path}`);
      expect(new URL(page.url()).pathname).to.equal('/sign-in');
      await page.type('#token', token);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      expect(new URL(page.url()).pathname, 'back where the sign-in started').to.equal(path);
    },
    logTail: (lines = 40) => server.output().stdout.split('\n').slice(-lines).join('\n'),
    close,
  };
}
