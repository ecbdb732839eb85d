/**
 * Several processing pipelines on one store, as replicas run them: each stored notification is
 * processed by exactly one of them (summed over the replicas, the processed counter counts every
 * notification once and no alert is seen twice), large notifications processed in several
 * transactions included; and a notification a killed replica left part-way is finished by
 * another once that replica's claim ends, without anyone telling it to look.
 */
import { expect } from 'chai';
import { systemClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { NotificationWork, TxCache } from '../../../src/incidents/process.ts';
import { createPipeline, type Pipeline } from '../../../src/ingest/pipeline.ts';
import { createMetrics, type Metrics } from '../../../src/metrics/metrics.ts';
import { openPostgresStore } from '../../../src/store/postgres/index.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store } from '../../../src/store/types.ts';
import { eventually } from '../../support/eventually.ts';
import { usePostgres } from '../../support/postgres.ts';
import { alert, notification } from '../../unit/incidents/payloads.ts';

interface Replica {
  store: Store;
  pipeline: Pipeline;
  metrics: Metrics;
  /** Notification ids this replica's hooks saw processed, in order. */
  processed: Array<{ id: number; duplicates: number; at: number }>;
}

/** A notification of `count` firing alerts of its own group. */
function body(tag: string, count: number): Record<string, unknown> {
  const alerts = Array.from({ length: count }, (_, i) =>
    alert({ fingerprint: `${tag}-${i}`, labels: { partition: String(i), group: tag }, startsAt: '2026-03-02T09:14:05Z' }),
  );
  return notification(alerts, `{}:{group="${tag}"}`);
}

async function sample(metrics: Metrics, name: string): Promise<number> {
  const { body: text } = await metrics.render();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

for (const backend of ['postgres', 'sqlite'] as const) {
  describe(`replicas: each stored notification processed once (${backend})`, function () {
    this.timeout(120_000);
    const logger = silentLogger();
    const replicas: Replica[] = [];
    const stores: Store[] = [];
    let open: () => Promise<Store>;

    beforeEach(async function () {
      this.timeout(180_000);
      if (backend === 'postgres') {
        const url = await (await usePostgres()).createDatabase('claims');
        open = () => openPostgresStore({ url, logger });
      } else {
        // One process on SQLite: its pipelines share one store, and so its claims.
        const shared = await openSqliteStore({ path: ':memory:', logger });
        open = async () => shared;
      }
    });

    afterEach(async () => {
      for (const r of replicas.splice(0)) await r.pipeline.close(0);
      for (const s of new Set(stores.splice(0))) await s.close();
    });

    async function replica(claimMs?: number, onProcessed?: () => void): Promise<Replica> {
      const store = await open();
      await store.migrate();
      stores.push(store);
      const metrics = createMetrics({ processMetrics: false });
      const processed: Replica['processed'] = [];
      const pipeline = createPipeline({
        store,
        clock: systemClock,
        logger,
        metrics,
        // Short slices: a notification of 200 alerts takes several transactions.
        sliceMs: 2,
        pageSize: 8,
        ...(claimMs === undefined ? {} : { claimMs }),
        hooks: [
          async (result) => {
            processed.push({ id: result.notificationId, duplicates: result.duplicates, at: Date.now() });
            onProcessed?.();
          },
        ],
      });
      const r = { store, pipeline, metrics, processed };
      replicas.push(r);
      return r;
    }

    async function unprocessed(store: Store, ids: readonly number[]): Promise<number[]> {
      return (await store.unprocessedNotifications(10_000)).map((n) => n.id).filter((id) => ids.includes(id));
    }

    it('processes each notification on exactly one of three replicas, large ones in several transactions included', async () => {
      const all = [await replica(), await replica(), await replica()];
      const ids: number[] = [];
      for (let i = 0; i < 30; i++) {
        const large = i % 10 === 7;
        const by = all[i % all.length] as Replica;
        ids.push((await by.store.appendNotification(body(`n${i}`, large ? 200 : 3), new Date().toISOString())).id);
        // Every replica is woken by every notification: the worst case for taking the same one twice.
        for (const r of all) r.pipeline.kick(ids.at(-1));
      }
      await eventually(async () => expect(await unprocessed(all[0]!.store, ids)).to.deep.equal([]), { timeoutMs: 90_000, what: 'all notifications processed' });
      for (const r of all) await r.pipeline.idle();

      const seen = all.flatMap((r) => r.processed.map((p) => p.id));
      expect([...seen].sort((a, b) => a - b)).to.deep.equal(ids);
      let processedTotal = 0;
      let duplicates = 0;
      for (const r of all) {
        processedTotal += await sample(r.metrics, 'firebreak_notifications_processed_total');
        duplicates += await sample(r.metrics, 'firebreak_alerts_duplicate_total');
      }
      expect(processedTotal).to.equal(ids.length);
      expect(duplicates, 'alerts processed twice').to.equal(0);
    });

    it('finishes a notification a killed replica left part-way, once its claim ends, by one replica', async () => {
      const dying = await replica();
      const stored = await dying.store.appendNotification(body('left', 400), new Date().toISOString());
      // The dying replica claims it and records a first slice, as its pipeline would, then dies.
      const claimedAt = Date.now();
      const until = claimedAt + 2_000;
      const claim = await dying.store.claimNotifications(1, { owner: 'dying', now: new Date(claimedAt).toISOString(), until: new Date(until).toISOString(), afterId: stored.id - 1 });
      expect(claim.notifications.map((n) => n.id)).to.deep.equal([stored.id]);
      const work = new NotificationWork(claim.notifications[0]!, { clock: systemClock, logger }, {});
      await dying.store.transaction(async (tx) => {
        expect(await tx.holdNotifications([stored.id], 'dying', new Date(until).toISOString())).to.deep.equal([stored.id]);
        await work.step(tx, new TxCache(), performance.now() + 1);
      });
      const recorded = 400 - work.remaining;
      expect(work.done).to.equal(false);
      expect(recorded).to.be.greaterThan(0);
      await dying.pipeline.close(0);
      replicas.splice(replicas.indexOf(dying), 1);

      const others = [await replica(), await replica()];
      // Each looks once, finds it claimed, and is told when the claim ends: no other wake-up follows.
      for (const r of others) r.pipeline.kick();
      await eventually(async () => expect(await unprocessed(others[0]!.store, [stored.id])).to.deep.equal([]), { timeoutMs: 30_000, what: 'taken over' });
      for (const r of others) await r.pipeline.idle();

      const done = others.flatMap((r) => r.processed);
      expect(done.map((p) => p.id)).to.deep.equal([stored.id]);
      expect(done[0]?.at).to.be.at.least(until);
      // The alerts the dying replica recorded are found recorded; none is lost.
      expect(done[0]?.duplicates).to.equal(recorded);
      const incident = await others[0]!.store.findIncidentByFingerprint('left-0');
      expect(incident).to.not.equal(null);
      expect(await others[0]!.store.alertEvents(incident!.id)).to.have.length(400);
    });

    it('gives up, when it stops, the claims on what it did not finish: another replica takes them at once', async () => {
      // It stops as soon as it has finished its first notification (from its hook, so however
      // fast the machine, most of the ten are still in hand).
      let stopped: Promise<void> | null = null;
      const stopping: Replica = await replica(undefined, () => {
        stopped ??= stopping.pipeline.close(0);
      });
      const ids: number[] = [];
      for (let i = 0; i < 10; i++) ids.push((await stopping.store.appendNotification(body(`stop${i}`, 200), new Date().toISOString())).id);
      stopping.pipeline.kick();
      await eventually(() => expect(stopped, 'stopped after a first notification').to.not.equal(null), { timeoutMs: 30_000, what: 'a first notification processed' });
      await stopped;
      const left = await unprocessed(stopping.store, ids);
      expect(left.length, 'notifications left unfinished').to.be.greaterThan(0);
      // Its claims (15 s) are given up: another owner gets every one of them now.
      const now = Date.now();
      const other = await stopping.store.claimNotifications(100, { owner: 'another', now: new Date(now).toISOString(), until: new Date(now + 15_000).toISOString(), afterId: (ids[0] as number) - 1 });
      expect(other.notifications.map((n) => n.id)).to.deep.equal(left);
    });

    it('processes a notification no replica was told of (its receiver died before claiming it), within claimMs', async () => {
      const idle = await replica(1_000);
      idle.pipeline.kick();
      await idle.pipeline.idle();
      // Stored by a replica that died before its pipeline looked: no kick reaches the idle one.
      const stored = await idle.store.appendNotification(body('untold', 3), new Date().toISOString());
      await eventually(() => expect(idle.processed.map((p) => p.id)).to.deep.equal([stored.id]), { timeoutMs: 10_000, what: 'found by the periodic look' });
    });
  });
}
