/**
 * The inbox journal with the real ingest thread and SQLite file: webhook bodies acknowledged
 * through it are imported and processed, and a start imports what an earlier process left in
 * the journal (after a crash), cutting a record the crash tore and warning about it.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/logger.ts';
import { DEFAULT_STORM_SETTINGS } from '../../../src/incidents/storm.ts';
import { encodeFrame } from '../../../src/ingest/inbox/frames.ts';
import { OWNER_FILE, segmentName } from '../../../src/ingest/inbox/journal.ts';
import { startIngestThread, type IngestThread } from '../../../src/ingest/thread.ts';
import { JsonText } from '../../../src/store/json-text.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import groupedFiring from '../../fixtures/alertmanager/grouped-firing.json' with { type: 'json' };

const notification = (groupKey: string) => ({ ...groupedFiring, groupKey });
const receivedAt = '2026-12-01T10:00:00.000Z';

describe('ingest thread: the inbox journal', () => {
  let dir: string;
  let path: string;
  let thread: IngestThread | undefined;
  let lines: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-inbox-'));
    path = join(dir, 'firebreak.db');
    lines = [];
  });
  afterEach(async () => {
    await thread?.close(1_000);
    await thread?.store.close();
    thread = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<IngestThread> {
    thread = await startIngestThread({ storePath: path, logLevel: 'info', logLine: (line) => lines.push(line), inbox: true }, silentLogger());
    await thread.store.migrate();
    thread.prepareProcessing({ runbooks: [], storm: DEFAULT_STORM_SETTINGS, timeline: false }, { processed: async () => {}, timeline: () => {}, storeError: () => {} });
    thread.kick();
    return thread;
  }

  async function stop(): Promise<void> {
    await thread?.close(5_000);
    await thread?.store.close();
    thread = undefined;
  }

  async function stored(): Promise<Array<{ id: number; groupKey: string; processed: boolean }>> {
    const store = await openSqliteStore({ path, logger: silentLogger() });
    try {
      const rows: Array<{ id: number; groupKey: string; processed: boolean }> = [];
      for (let id = 1; id <= 50; id++) {
        const n = await store.getNotification(id);
        if (n !== null) rows.push({ id, groupKey: (n.payload as { groupKey: string }).groupKey, processed: n.processedAt !== null });
      }
      return rows;
    } finally {
      await store.close();
    }
  }

  it('acknowledges with ids in order, imports and processes every body, and leaves no segment after a stop', async () => {
    const t = await start();
    const small = await Promise.all(['a', 'b', 'c'].map((k) => t.store.appendNotification(new JsonText(JSON.stringify(notification(k))), receivedAt)));
    const large = await t.accept(Buffer.from(`\uFEFF${JSON.stringify(notification('large'))}`), receivedAt);
    expect([...small.map((n) => n.id), large.id]).to.deep.equal([1, 2, 3, 4]);
    await t.idle();
    await stop();
    expect(await readdir(`${path}-inbox`)).to.deep.equal([]);
    expect(await stored()).to.deep.equal([
      { id: 1, groupKey: 'a', processed: true },
      { id: 2, groupKey: 'b', processed: true },
      { id: 3, groupKey: 'c', processed: true },
      { id: 4, groupKey: 'large', processed: true },
    ]);
  });

  it('imports at start what an earlier process left, cuts a torn record with a warning, and gives later ids above it', async () => {
    // First a store that already holds notification 1 (imported before the crash).
    let t = await start();
    await t.store.appendNotification(new JsonText(JSON.stringify(notification('before'))), receivedAt);
    await t.idle();
    await stop();
    // The crash left: record 1 again (imported already), records 2 and 3, and a torn record 4.
    const at = Date.parse(receivedAt);
    const frame = (id: number, key: string) => encodeFrame(id, at, Buffer.from(JSON.stringify(notification(key))));
    const torn = frame(4, 'torn').subarray(0, 40);
    await mkdir(`${path}-inbox`, { recursive: true });
    await writeFile(join(`${path}-inbox`, segmentName(7)), Buffer.concat([frame(1, 'before'), frame(2, 'left-2')]));
    await writeFile(join(`${path}-inbox`, segmentName(8)), Buffer.concat([frame(3, 'left-3'), torn]));

    t = await start();
    const next = await t.store.appendNotification(new JsonText(JSON.stringify(notification('after'))), receivedAt);
    expect(next.id).to.equal(4);
    await t.idle();
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string; segment?: string; bytesCut?: number }).filter((l) => l.level === 40);
    expect(warnings.map((w) => [w.msg, w.segment, w.bytesCut])).to.deep.equal([
      ['inbox journal: a segment ended in an incomplete record (a write the stop interrupted, never acknowledged); cut there', segmentName(8), 40],
    ]);
    await stop();
    expect(await readdir(`${path}-inbox`)).to.deep.equal([]);
    expect(await stored()).to.deep.equal([
      { id: 1, groupKey: 'before', processed: true },
      { id: 2, groupKey: 'left-2', processed: true },
      { id: 3, groupKey: 'left-3', processed: true },
      { id: 4, groupKey: 'after', processed: true },
    ]);
  });

  it('refuses to start while the process named in the owner file runs, and takes over from one that stopped', async () => {
    // Another serve on the same store, as the owner file would name it.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      await mkdir(`${path}-inbox`, { recursive: true });
      await writeFile(join(`${path}-inbox`, OWNER_FILE), `${other.pid}\n`);
      const refused = await start().then(
        () => null,
        (err: unknown) => err as { code: string; message: string },
      );
      expect(refused?.code).to.equal('STORE_FILE_ERROR');
      expect(refused?.message).to.include(`in use by process ${other.pid}`);
      await thread?.store.close();
      thread = undefined;
    } finally {
      other.kill('SIGKILL');
      await new Promise((resolve) => other.once('exit', resolve));
    }
    // The owner stopped without releasing the journal (a crash): the next start takes over.
    const t = await start();
    expect((await t.store.appendNotification(new JsonText(JSON.stringify(notification('taken-over'))), receivedAt)).id).to.equal(1);
    await stop();
    expect(await readdir(`${path}-inbox`), 'a stop releases the journal').to.deep.equal([]);
  });

  it('never drops a journal record whose id another writer of the file took: it gets a new id', async () => {
    let t = await start();
    await t.store.appendNotification(new JsonText(JSON.stringify(notification('other-writer'))), receivedAt);
    await t.idle();
    await stop();
    await mkdir(`${path}-inbox`, { recursive: true });
    await writeFile(join(`${path}-inbox`, segmentName(1)), encodeFrame(1, Date.parse(receivedAt), Buffer.from(JSON.stringify(notification('journal')))));
    t = await start();
    await t.idle();
    await stop();
    expect(await stored()).to.deep.equal([
      { id: 1, groupKey: 'other-writer', processed: true },
      { id: 2, groupKey: 'journal', processed: true },
    ]);
  });
});
