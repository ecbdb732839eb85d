import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/logger.ts';
import { DEFAULT_STORM_SETTINGS } from '../../../src/incidents/storm.ts';
import { startIngestThread, type IngestThread } from '../../../src/ingest/thread.ts';
import groupedFiring from '../../fixtures/alertmanager/grouped-firing.json' with { type: 'json' };
import unicodeLabels from '../../fixtures/alertmanager/unicode-labels.json' with { type: 'json' };

/**
 * The pending count serve reports (firebreak_notifications_pending, and the backlog alert on it)
 * with processing on the ingest thread: the webhook path tells the thread's proxy of each stored
 * body, and that word can arrive after the thread already processed the body.
 */
describe('ingest thread: notifications pending', () => {
  let dir: string;
  let thread: IngestThread | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-ingest-pending-'));
    thread = await startIngestThread({ storePath: join(dir, 'firebreak.db'), logLevel: 'silent', logLine: () => {} }, silentLogger());
    await thread.store.migrate();
    thread.prepareProcessing(
      { runbooks: [], storm: DEFAULT_STORM_SETTINGS, timeline: false },
      { processed: async () => {}, timeline: () => {}, storeError: () => {} },
    );
    thread.kick();
  });

  afterEach(async () => {
    await thread?.close(1_000);
    await thread?.store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts a body as pending until processed, and not when told of it after it was processed', async () => {
    const t = thread!;
    const first = await t.accept(Buffer.from(JSON.stringify(groupedFiring)), new Date().toISOString());
    t.kick(first.id);
    await t.idle();
    expect(t.pending()).to.equal(0);

    // The word of a stored body arriving only once the thread has processed it.
    const second = await t.accept(Buffer.from(JSON.stringify(unicodeLabels)), new Date().toISOString());
    await t.idle();
    t.kick(second.id);
    expect(t.pending()).to.equal(0);
    expect(await t.store.unprocessedNotifications(10)).to.deep.equal([]);
  });
});
