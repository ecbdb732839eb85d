/**
 * What every browser test of the console starts and ends the same way: a temp directory, the
 * real `firebreak serve` on a free port in it (the engine's fixture runbooks, a real Kafka
 * cluster) with a Kafka admin client to look at the brokers, a headless Chromium; signing a page
 * in with an operator token; posting an Alertmanager payload to the webhook; and the teardown
 * (browser, process, client, directory, after the test's own pieces such as Alertmanager), with
 * the process's log when a test failed.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import type { KafkaAdmin } from '../../../src/actions/kafka/types.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { ENGINE_RUNBOOKS } from '../../integration/engine/engine-app.ts';
import { ensureStopped, startServe, type ServeProcess } from '../../integration/serve/serve-process.ts';
import type { Cluster } from '../../support/kafka.ts';
import { launchChromium, type TestBrowser } from './browser.ts';

export interface ConsoleServerOptions {
  /** Names the temp directory and the Kafka client. */
  name: string;
  kafka: Cluster;
  mode: 'dry-run' | 'enforce';
  webhookToken: string;
  /** `FIREBREAK_API_TOKENS`: `name:role:token,...`. */
  apiTokens: string;
  /** A configuration file's YAML (`FIREBREAK_CONFIG`), when the test needs settings beyond the environment. */
  config?: string;
}

export interface ConsoleServer {
  /** The temp directory: data dir and working directory of the process. */
  dir: string;
  firebreak: ServeProcess;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  chromium: TestBrowser;
  /** A Kafka admin client of the cluster, to see what firebreak changed. */
  admin: KafkaAdmin;
  /** Opens `path` (default `/`) on `page`, is sent to the sign-in page, signs in with `token` and lands back on `path`. */
  signIn(page: Page, token: string, path?: string): Promise<void>;
  /** Posts an Alertmanager payload to the webhook; it must be accepted (200). */
  postAlert(payload: unknown): Promise<void>;
  /** The last lines of the process's log, for a failed test. */
  logTail(lines?: number): string;
  /** Closes the browser, stops the process, closes the client and removes the directory. */
  close(): Promise<void>;
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const dir = await mkdtemp(join(tmpdir(), `firebreak-${options.name}-`));
  const admin = createKafkaAdmin({ brokers: options.kafka.bootstrapServers.split(','), clientId: `firebreak-${options.name}-test` }, { logger: silentLogger() });
  let firebreak: ServeProcess | undefined;
  let chromium: TestBrowser | undefined;
  async function close(): Promise<void> {
    await chromium?.close();
    if (firebreak !== undefined) {
      firebreak.kill('SIGTERM');
      await firebreak.exited;
      await ensureStopped(firebreak);
    }
    await admin.close();
    await rm(dir, { recursive: true, force: true });
  }
  try {
    const config = join(dir, 'firebreak.yaml');
    if (options.config !== undefined) await writeFile(config, options.config);
    firebreak = await startServe({
      cwd: dir,
      env: {
        ...(options.config === undefined ? {} : { FIREBREAK_CONFIG: config }),
        FIREBREAK_LISTEN: '127.0.0.1:0',
        FIREBREAK_DATA_DIR: dir,
        FIREBREAK_MODE: options.mode,
        FIREBREAK_RUNBOOKS: ENGINE_RUNBOOKS,
        FIREBREAK_KAFKA_BROKERS: options.kafka.bootstrapServers,
        FIREBREAK_WEBHOOK_TOKEN: options.webhookToken,
        FIREBREAK_API_TOKENS: options.apiTokens,
      },
    });
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
    admin,
    async signIn(page, token, path = '/') {
      await page.goto(`${server.url}${path}`);
      expect(new URL(page.url()).pathname).to.equal('/sign-in');
      await page.type('#token', token);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      expect(new URL(page.url()).pathname, 'back where the sign-in started').to.equal(path);
    },
    async postAlert(payload) {
      const response = await fetch(`${server.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.webhookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      expect(response.status, await response.text()).to.equal(200);
    },
    logTail: (lines = 40) => server.output().stdout.split('\n').slice(-lines).join('\n'),
    close,
  };
}

/**
 * Registers the suite's teardown: a failed test prints the process's last log lines; after the
 * suite, `stopFirst` (what runs in the server's directory, such as Alertmanager), then the
 * server. Each only if it was started.
 */
export function tearDownAfterSuite(server: () => ConsoleServer | undefined, stopFirst?: () => Promise<unknown> | undefined): void {
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(server()?.logTail());
  });
  after(async function () {
    this.timeout(60_000);
    await stopFirst?.();
    await server()?.close();
  });
}
