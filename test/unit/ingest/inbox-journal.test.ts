import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/logger.ts';
import { decodeFrames, encodeFrame } from '../../../src/ingest/inbox/frames.ts';
import { InboxJournal, segmentName } from '../../../src/ingest/inbox/journal.ts';
import { recoverInbox } from '../../../src/ingest/inbox/import.ts';
import { toFirebreakError } from '../../../src/errors.ts';

const body = (n: number) => Buffer.from(JSON.stringify({ version: '4', groupKey: `g${n}`, alerts: [] }));

describe('inbox journal', () => {
  describe('frames', () => {
    const frames = Buffer.concat([encodeFrame(7, 1_700_000_000_123, body(1)), encodeFrame(8, 1_700_000_000_124, body(2))]);

    it('reads back every whole frame with its id, time and bytes', () => {
      const { records, validBytes } = decodeFrames(frames);
      expect(validBytes).to.equal(frames.length);
      expect(records.map((r) => [r.id, r.receivedAtMs, Buffer.from(r.body).toString()])).to.deep.equal([
        [7, 1_700_000_000_123, body(1).toString()],
        [8, 1_700_000_000_124, body(2).toString()],
      ]);
    });

    it('stops at a frame cut short, at every length', () => {
      const first = encodeFrame(7, 1, body(1)).length;
      for (let length = first; length < frames.length; length++) {
        const { records, validBytes } = decodeFrames(frames.subarray(0, length));
        expect(records.map((r) => r.id), `cut at ${length}`).to.deep.equal([7]);
        expect(validBytes).to.equal(first);
      }
    });

    it('stops at a frame whose bytes do not match its CRC, and at zeros', () => {
      const damaged = Buffer.from(frames);
      damaged.writeUInt8(damaged.readUInt8(damaged.length - 3) ^ 0x01, damaged.length - 3);
      expect(decodeFrames(damaged).records.map((r) => r.id)).to.deep.equal([7]);
      const zeros = Buffer.concat([frames, Buffer.alloc(4096)]);
      expect(decodeFrames(zeros)).to.deep.include({ validBytes: frames.length });
    });
  });

  describe('writer', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'firebreak-inbox-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('gives ids in order, writes each body before it resolves, hands writes over in order, and deletes imported segments', async () => {
      const handed: number[] = [];
      const journal = new InboxJournal({
        dir,
        nextId: 41,
        nextSegment: 3,
        logger: silentLogger(),
        segmentBytes: 600,
        importFrames: async (frames) => {
          handed.push(...decodeFrames(frames).records.map((r) => r.id));
        },
      });
      const first = await journal.append(body(1), 1);
      const onDisk = decodeFrames(await readFile(join(dir, segmentName(3)))).records.map((r) => r.id);
      expect(first).to.equal(41);
      expect(onDisk).to.deep.equal([41]);
      const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => journal.append(body(i + 2), i + 2)));
      expect(ids).to.deep.equal(Array.from({ length: 30 }, (_, i) => 42 + i));
      await journal.imported();
      expect(handed).to.deep.equal([41, ...ids]);
      // Closed (full) segments whose records were all imported are gone; the open one stays.
      expect((await readdir(dir)).length).to.be.at.most(1);
      await journal.close();
      expect(await readdir(dir)).to.deep.equal([]);
      const refused = await journal.append(body(99), 99).catch((err: unknown) => toFirebreakError(err).code);
      expect(refused).to.equal('STORE_CLOSED');
    });

    it('keeps a segment whose import failed (imported at the next start)', async () => {
      const journal = new InboxJournal({
        dir,
        nextId: 1,
        nextSegment: 1,
        logger: silentLogger(),
        importFrames: async () => {
          throw new Error('the ingest thread stopped');
        },
      });
      await journal.append(body(1), 1);
      await journal.close();
      expect(await readdir(dir)).to.deep.equal([segmentName(1)]);
    });

    it('refuses every body once a write failed (STORE_UNAVAILABLE, a 503)', async () => {
      const journal = new InboxJournal({ dir: join(dir, 'missing'), nextId: 1, nextSegment: 1, logger: silentLogger(), importFrames: async () => {} });
      const codes = await Promise.all([journal.append(body(1), 1), journal.append(body(2), 2)].map((p) => p.then(() => 'ok', (err: unknown) => toFirebreakError(err).code)));
      expect(codes).to.deep.equal(['STORE_UNAVAILABLE', 'STORE_UNAVAILABLE']);
      expect(await journal.append(body(3), 3).catch((err: unknown) => toFirebreakError(err).statusCode)).to.equal(503);
    });
  });
  describe('recovery', () => {
    it('reports a journal directory it cannot create as the store file error it is (STORE_FILE_ERROR, a 503), not an internal error', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'firebreak-inbox-recover-'));
      try {
        // A file where the journal's parent directory should be: mkdir fails with ENOTDIR.
        await writeFile(join(dir, 'not-a-directory'), '');
        const store = { importNotifications: async () => [], notificationSequence: async () => 0 };
        const err = await recoverInbox(store, join(dir, 'not-a-directory', 'firebreak.db-inbox'), silentLogger()).then(
          () => null,
          (e: unknown) => toFirebreakError(e),
        );
        expect(err?.code).to.equal('STORE_FILE_ERROR');
        expect(err?.statusCode).to.equal(503);
        expect(err?.message).to.match(/inbox journal .* cannot be written/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
