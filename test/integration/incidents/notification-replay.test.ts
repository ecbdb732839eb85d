/**
 * Processing against a real SQLite file: a crash half-way through a notification leaves the
 * file without any of it, and the restarted store replays it whole.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { processNotification } from '../../../src/incidents/process.ts';
import { buildPostmortem } from '../../../src/incidents/postmortem.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store } from '../../../src/store/types.ts';
import { alert, notification } from '../../unit/incidents/payloads.ts';

describe('notification replay on a SQLite file', () => {
  let dir: string;
  let store: Store | undefined;
  const clock = new FakeClock('2026-03-01T10:01:00Z');
  const logger = silentLogger();

  async function open(): Promise<Store> {
    store = await openSqliteStore({ path: join(dir, 'firebreak.db'), clock, logger });
    await store.migrate();
    return store;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-incidents-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps nothing of a notification whose processing crashed, and replays it whole after a restart', async () => {
    const body = notification([
      alert({ fingerprint: 'p0', startsAt: '2026-03-01T10:00:00Z', labels: { topic: 'orders', partition: '0' } }),
      alert({ fingerprint: 'p1', startsAt: '2026-03-01T10:00:00Z', labels: { topic: 'orders', partition: '1' } }),
      alert({ fingerprint: 'p2', status: 'resolved', startsAt: '2026-03-01T09:50:00Z', endsAt: '2026-03-01T09:59:00Z' }),
    ]);
    const first = await open();
    const stored = await first.appendNotification(body, '2026-03-01T10:01:00.000Z');
    let keys = 0;
    const crashOnThirdKey = {
      keyFor: () => {
        keys += 1;
        if (keys === 3) throw new Error('process killed');
        return 'orders';
      },
    };
    const crash = await processNotification({ store: first, clock, logger }, stored, crashOnThirdKey).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(crash?.message).to.equal('process killed');
    await first.close();

    const second = await open();
    expect((await second.listIncidents({ limit: 10 })).items).to.deep.equal([]);
    const pending = await second.unprocessedNotifications(10);
    expect(pending.map((n) => n.id)).to.deep.equal([stored.id]);

    const replay = await processNotification({ store: second, clock, logger }, pending[0]!, { keyFor: () => 'orders' });
    expect(replay.duplicates).to.equal(0);
    expect(replay.incidents).to.have.length(1);
    const id = replay.incidents[0]!.id;
    const timeline = await second.timeline(id);
    expect(timeline.map((e) => e.kind)).to.deep.equal(['incident.opened', 'alert.firing', 'alert.firing', 'alert.resolved']);
    expect(await second.unprocessedNotifications(10)).to.deep.equal([]);

    // A second replay (say, the ack of the first was lost) changes nothing.
    const again = await processNotification({ store: second, clock, logger }, pending[0]!, { keyFor: () => 'orders' });
    expect(again.duplicates).to.equal(3);
    expect(await second.timeline(id)).to.have.length(4);
    const pm = await buildPostmortem(second, id, clock.now());
    expect(pm.overview.start).to.equal('2026-03-01T09:50:00.000Z');
    expect(pm.alerts.map((a) => a.fingerprint)).to.deep.equal(['p2', 'p0', 'p1']);
  });
});
