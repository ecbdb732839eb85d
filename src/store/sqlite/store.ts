/**
 * The SQLite store: one file, one connection, every operation through one FIFO mutex, and the
 * disk kept off the event loop (docs/storage.md, "The commit model").
 *
 * Isolation. node:sqlite is synchronous but `transaction(fn)` takes an async `fn`, so while `fn`
 * awaits, other code runs. The mutex makes that safe: a transaction holds it from BEGIN to
 * COMMIT/ROLLBACK, and every other call on the store (reads included) queues behind it. Within
 * this process transactions are therefore strictly serial (serializable, with no dirty,
 * non-repeatable or phantom reads, and no lost updates), and a call outside a transaction never
 * sees another transaction's uncommitted writes. Transactions start with BEGIN IMMEDIATE, taking
 * SQLite's write lock up front, so a second process on the same file (the CLI) is serialised
 * too; while it holds the lock the store retries on timers (never a blocking wait) for up to
 * `busyTimeoutMs`, then fails with STORE_UNAVAILABLE (retriable) rather than failing half-way
 * through a read-modify-write. Single writes outside `transaction` run in their own IMMEDIATE
 * transaction; reads outside it see the last committed state.
 *
 * Durability. COMMIT does not fsync (`synchronous = NORMAL`); the mutex is released at once, and
 * the promise resolves after a group fsync of the write-ahead log on the thread pool
 * (wal-sync.ts) that covers the commit. Every call, reads included, resolves only once what it
 * wrote or read is on disk, so nothing a caller is told about can be lost. Webhook bodies are
 * committed in groups (append-queue.ts); checkpoints copy pages on this thread and sync the files on
 * the thread pool (checkpointer.ts).
 *
 * Consequences for callers: never await network I/O (Kafka, HTTP) inside `fn`, since every
 * other store call, the webhook's durable append included, waits for it; keep `fn` short, as it
 * runs on the event loop; and inside `fn` use only the `tx` argument: calling the store itself
 * there would wait for the very transaction that waits for it, so it fails at once with
 * STORE_TX_MISUSE instead of hanging.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { FirebreakError, isFirebreakError } from '../../errors.ts';
import { storeClosed, txMisuse } from '../errors.ts';
import { createIncidentIdGenerator } from '../incident-id.ts';
import { Mutex } from '../mutex.ts';
import type { Store, StoreTx } from '../types.ts';
import { AppendQueue, type QueuedBody } from './append-queue.ts';
import { ClaimOperations } from './claim-operations.ts';
import { Checkpointer } from './checkpointer.ts';
import { MEMORY_PATH, openConnection } from './connection.ts';
import { EngineOperations } from './engine-operations.ts';
import { IncidentOperations } from './incident-operations.ts';
import { LedgerOperations } from './ledger-operations.ts';
import { applyMigrations, assertSchemaNotTooNew, loadMigrations, type Migration } from './migrate.ts';
import { SessionOperations } from './session-operations.ts';
import { Statements } from './statements.ts';
import { TimerOperations } from './timer-operations.ts';
import { assertWritable } from './writable.ts';
import { WalSync, type SyncReport } from './wal-sync.ts';

export interface SqliteStoreOptions {
  /** Database file (created with its directory when missing), or `:memory:` for a private in-memory store. */
  path: string;
  /** Time source for `updatedAt` stamps, incident ids and migration records. Default: system clock. */
  clock?: Clock;
  logger: Logger;
  /** How long to wait for another process's write lock before STORE_UNAVAILABLE. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Told of every fsync of the write-ahead log and how many commits it carried (metrics). */
  onSync?: (report: SyncReport) => void;
  /**
   * Checkpoint the log in the background (default true; checkpointer.ts). A second store on the
   * same file in the same process may leave checkpoints to the first.
   */
  checkpoints?: boolean;
}

/** A body of the inbox journal (src/ingest/inbox/), with the id the journal gave it. */
export interface ImportedBody {
  id: number;
  json: string;
  receivedAt: string;
}

/** What the SQLite store offers beyond {@link Store}: the inbox journal's side. */
export interface SqliteStoreApi extends Store {
  /**
   * Inserts journal bodies in one transaction (a body imported before is left as it is);
   * resolves once durable, with the ids they have in the store (the journal's, see
   * LedgerOperations.importNotification).
   */
  importNotifications(bodies: readonly ImportedBody[]): Promise<number[]>;
  /** The highest notification id ever given, 0 for none. */
  notificationSequence(): Promise<number>;
}

interface TxState {
  /** False once the transaction committed or rolled back; `tx` refuses calls from then on. */
  active: boolean;
}

/**
 * Opens (and creates when missing) the SQLite store at `options.path`. Fails with
 * STORE_SCHEMA_TOO_NEW when the file was migrated by a newer firebreak. Call `migrate()` before
 * first use; it is cheap when the schema is current.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStoreApi> {
  const migrations = loadMigrations();
  // busy_timeout 0: SQLite's own wait would block the event loop; the store waits on timers.
  const db = openConnection({ path: options.path, busyTimeoutMs: 0, logger: options.logger });
  const sql = new Statements(db);
  try {
    assertSchemaNotTooNew(sql, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  let disk: DiskParts;
  try {
    disk = onDisk(sql, options);
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqliteStore(sql, migrations, options.clock ?? systemClock, options.logger, { busyTimeoutMs: options.busyTimeoutMs ?? 5000, path: options.path, ...disk });
}

interface DiskParts {
  wal: WalSync | null;
  checkpointer: Checkpointer | null;
}

/**
 * The group fsync and the checkpointer, for a file in WAL mode. In memory there is no disk; a
 * file SQLite could not put in WAL mode commits with `synchronous = FULL` instead, an fsync
 * inside every COMMIT (slower, but as durable).
 */
function onDisk(sql: Statements, options: SqliteStoreOptions): DiskParts {
  if (options.path === MEMORY_PATH) return { wal: null, checkpointer: null };
  if (sql.get('journalMode', 'PRAGMA journal_mode')?.journal_mode !== 'wal') {
    sql.exec('configure', 'PRAGMA synchronous = FULL');
    return { wal: null, checkpointer: null };
  }
  sql.exec('configure', 'PRAGMA synchronous = NORMAL');
  sql.exec('configure', 'PRAGMA wal_autocheckpoint = 0');
  return {
    wal: new WalSync(options.path, options.onSync),
    checkpointer: options.checkpoints === false ? null : new Checkpointer({ path: options.path, logger: options.logger }),
  };
}

/** SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock; worth trying again. */
function isBusy(err: unknown): boolean {
  const code = isFirebreakError(err) ? (err.details as { sqliteCode?: unknown } | undefined)?.sqliteCode : undefined;
  return typeof code === 'number' && ((code & 0xff) === 5 || (code & 0xff) === 6);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class SqliteStore implements SqliteStoreApi {
  readonly #sql: Statements;
  readonly #migrations: Migration[];
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #incidents: IncidentOperations;
  readonly #ledger: LedgerOperations;
  readonly #engine: EngineOperations;
  readonly #sessions: SessionOperations;
  readonly #timers: TimerOperations;
  readonly #claims: ClaimOperations;
  readonly #mutex = new Mutex();
  readonly #context = new AsyncLocalStorage<TxState>();
  readonly #busyTimeoutMs: number;
  readonly #wal: WalSync | null;
  readonly #checkpointer: Checkpointer | null;
  readonly #appends: AppendQueue;
  #closing: Promise<void> | undefined;
  #closed = false;

  readonly #path: string;

  constructor(sql: Statements, migrations: Migration[], clock: Clock, logger: Logger, disk: DiskParts & { busyTimeoutMs: number; path: string }) {
    this.#path = disk.path;
    this.#sql = sql;
    this.#migrations = migrations;
    this.#clock = clock;
    this.#logger = logger;
    this.#busyTimeoutMs = disk.busyTimeoutMs;
    this.#wal = disk.wal;
    this.#checkpointer = disk.checkpointer;
    this.#incidents = new IncidentOperations(sql, clock, createIncidentIdGenerator(clock));
    this.#ledger = new LedgerOperations(sql, this.#incidents);
    this.#engine = new EngineOperations(sql);
    this.#sessions = new SessionOperations(sql);
    this.#timers = new TimerOperations(sql);
    this.#claims = new ClaimOperations(sql);
    this.#appends = new AppendQueue((bodies) => this.#writeBodies(bodies));
  }

  /** Rejects at once when called from inside a transaction, or once the store cannot be used. */
  #refuse(): FirebreakError | null {
    if (this.#context.getStore()?.active === true) {
      return txMisuse('the store was called inside its own transaction; use the tx passed to transaction(fn)');
    }
    if (this.#closing !== undefined) return storeClosed();
    return this.#wal?.failure ?? null;
  }

  /**
   * Queues `fn` behind every earlier call, then waits until everything committed so far (by
   * `fn` or before it) is on disk: what the caller sees can never be lost.
   */
  #enter<T>(fn: () => T | Promise<T>): Promise<T> {
    const refused = this.#refuse();
    return refused === null ? this.#queue(fn) : Promise.reject(refused);
  }

  /** {@link #enter} without the checks: for work accepted before (bodies queued before close()). */
  #queue<T>(fn: () => T | Promise<T>): Promise<T> {
    const result = this.#mutex.run(() => {
      if (this.#closed) throw storeClosed();
      return fn();
    });
    return this.#wal === null ? result : result.then(async (value) => {
      await this.#wal?.durable();
      return value;
    });
  }

  /**
   * Runs `fn` (a read, or a whole write with its BEGIN and COMMIT) and runs it again while
   * another process holds the lock, on timers, for up to busyTimeoutMs. `fn` must leave nothing
   * behind when it fails.
   */
  async #patiently<T>(fn: () => T): Promise<T> {
    const deadline = performance.now() + this.#busyTimeoutMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        return fn();
      } catch (err) {
        if (!isBusy(err) || performance.now() + wait > deadline) throw err;
      }
      await sleep(wait);
    }
  }

  #read<T>(fn: () => T): Promise<T> {
    return this.#enter(() => this.#patiently(fn));
  }

  /** A write outside `transaction`: atomic on its own (BEGIN IMMEDIATE ... COMMIT). */
  #write<T>(fn: () => T): Promise<T> {
    return this.#enter(() => this.#patiently(() => this.#atomically(fn)));
  }

  #atomically<T>(fn: () => T): T {
    this.#sql.exec('begin', 'BEGIN IMMEDIATE');
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.#rollback();
      throw err;
    }
    this.#commit();
    return result;
  }

  /** One group of queued webhook bodies, in one transaction (append-queue.ts). */
  #writeBodies(bodies: readonly QueuedBody[]): Promise<number[]> {
    return this.#queue(() => this.#patiently(() => this.#atomically(() => bodies.map((body) => this.#ledger.insertNotification(body.json, body.receivedAt)))));
  }

  #commit(): void {
    if (!this.#sql.db.isTransaction) {
      // SQLite itself rolls back on some errors (a full disk, an I/O error) even when the
      // statement's error was caught: the work is gone, say so instead of reporting success.
      throw new FirebreakError('STORE_UNAVAILABLE', 'SQLite rolled the transaction back after an error; nothing was committed', {
        retriable: true,
        statusCode: 503,
      });
    }
    try {
      this.#sql.exec('commit', 'COMMIT');
    } catch (err) {
      this.#rollback();
      throw err;
    }
    this.#wal?.noteCommit();
    this.#checkpointer?.committed();
  }

  #rollback(): void {
    if (!this.#sql.db.isTransaction) return;
    try {
      this.#sql.db.exec('ROLLBACK');
    } catch (err) {
      this.#logger.error({ err }, 'SQLite ROLLBACK failed');
    }
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#enter(async () => {
      const state: TxState = { active: true };
      await this.#patiently(() => this.#sql.exec('transaction', 'BEGIN IMMEDIATE'));
      let result: T;
      try {
        result = await this.#context.run(state, () => fn(this.#txView(state)));
      } catch (err) {
        state.active = false;
        this.#rollback();
        throw err;
      }
      state.active = false;
      this.#commit();
      return result;
    });
  }

  /** The `tx` handed to a transaction: runs directly on the connection the transaction holds. */
  #txView(state: TxState): StoreTx {
    const ops = this.#incidents;
    const engine = this.#engine;
    const timers = this.#timers;
    const call = <T>(op: () => T): Promise<T> => {
      if (!state.active) return Promise.reject(txMisuse('this transaction has already finished'));
      try {
        return Promise.resolve(op());
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return {
      recordAlertEvent: (event) => call(() => ops.recordAlertEvent(event)),
      alertEvents: (incidentId) => call(() => ops.alertEvents(incidentId)),
      alertStates: (fingerprint) => call(() => ops.alertStates(fingerprint)),
      alertStateCounts: (incidentId) => call(() => ops.alertStateCounts(incidentId)),
      findActiveIncidentByKey: (key) => call(() => ops.findActiveIncidentByKey(key)),
      findIncidentByFingerprint: (fingerprint) => call(() => ops.findIncidentByFingerprint(fingerprint)),
      createIncident: (incident) => call(() => ops.createIncident(incident)),
      updateIncident: (id, patch) => call(() => ops.updateIncident(id, patch)),
      getIncident: (id) => call(() => ops.getIncident(id)),
      appendTimeline: (entry) => call(() => ops.appendTimeline(entry)),
      markNotificationProcessed: (id, at, error) => call(() => ops.markNotificationProcessed(id, at, error ?? null)),
      holdNotifications: (ids, owner, until) => call(() => this.#claims.holdNotifications(ids, owner, until)),
      assignRole: (incidentId, assignment) => call(() => ops.assignRole(incidentId, assignment)),
      addActionItem: (item) => call(() => ops.addActionItem(item)),
      createRun: (run) => call(() => engine.createRun(run)),
      getRun: (id) => call(() => engine.getRun(id)),
      updateRun: (id, patch) => call(() => engine.updateRun(id, patch)),
      runs: (query) => call(() => engine.runs(query)),
      renewRunLeases: (owner, until) => call(() => engine.renewRunLeases(owner, until)),
      claimStep: (claim) => call(() => engine.claimStep(claim)),
      finishStep: (id, result) => call(() => engine.finishStep(id, result)),
      stepClaims: (query) => call(() => engine.stepClaims(query)),
      setRevertStatus: (id, from, change) => call(() => engine.setRevertStatus(id, from, change)),
      setReleaseState: (id, state) => call(() => engine.setReleaseState(id, state)),
      scheduleTimer: (timer) => call(() => timers.scheduleTimer(timer)),
      timers: (query) => call(() => timers.timers(query)),
      dueTimers: (now, limit) => call(() => timers.dueTimers(now, limit)),
      claimTimer: (id, lease) => call(() => timers.claimTimer(id, lease)),
      finishTimer: (id, token, outcome) => call(() => timers.finishTimer(id, token, outcome)),
      cancelTimers: (query, at) => call(() => timers.cancelTimers(query, at)),
      requestApproval: (approval) => call(() => engine.requestApproval(approval)),
      approvals: (query) => call(() => engine.approvals(query)),
      decideApproval: (id, decision) => call(() => engine.decideApproval(id, decision)),
      automation: () => call(() => engine.automation()),
      setAutomation: (state) => call(() => engine.setAutomation(state)),
      setMode: (setting) => call(() => engine.setMode(setting)),
      markFollowUpsAdded: (incidentId, runbook) => call(() => engine.markFollowUpsAdded(incidentId, runbook)),
    };
  }

  migrate(): Promise<void> {
    return this.#enter(async () => {
      await this.#patiently(() => applyMigrations(this.#sql, this.#migrations, this.#clock, this.#logger));
      this.#wal?.noteCommit();
    });
  }

  /** Readiness: the store can write now (writable.ts), not only answer. */
  ping(): Promise<void> {
    return this.#read(() => {
      assertWritable(this.#sql.db, this.#path);
    });
  }

  /**
   * Writes the bodies still queued, waits for queued calls and the last fsync, stops the
   * checkpointer, then closes the file (SQLite checkpoints what is left). Calling it again is
   * harmless.
   */
  close(): Promise<void> {
    if (this.#context.getStore()?.active === true) {
      return Promise.reject(txMisuse('the store cannot be closed from inside its own transaction'));
    }
    this.#closing ??= this.#appends.flush().then(() =>
      this.#mutex.run(async () => {
        await this.#wal?.durable().catch(() => undefined);
        await this.#checkpointer?.close();
        this.#closed = true;
        this.#sql.db.close();
        await this.#wal?.close();
      }),
    );
    return this.#closing;
  }

  // Every call below queues on the mutex; writes run in their own IMMEDIATE transaction.
  recordAlertEvent: Store['recordAlertEvent'] = (event) => this.#write(() => this.#incidents.recordAlertEvent(event));
  alertEvents: Store['alertEvents'] = (incidentId) => this.#read(() => this.#incidents.alertEvents(incidentId));
  alertStates: Store['alertStates'] = (fingerprint) => this.#read(() => this.#incidents.alertStates(fingerprint));
  alertStateCounts: Store['alertStateCounts'] = (incidentId) => this.#read(() => this.#incidents.alertStateCounts(incidentId));
  findActiveIncidentByKey: Store['findActiveIncidentByKey'] = (key) =>
    this.#read(() => this.#incidents.findActiveIncidentByKey(key));
  findIncidentByFingerprint: Store['findIncidentByFingerprint'] = (fingerprint) =>
    this.#read(() => this.#incidents.findIncidentByFingerprint(fingerprint));
  createIncident: Store['createIncident'] = (incident) => this.#write(() => this.#incidents.createIncident(incident));
  updateIncident: Store['updateIncident'] = (id, patch) => this.#write(() => this.#incidents.updateIncident(id, patch));
  getIncident: Store['getIncident'] = (id) => this.#read(() => this.#incidents.getIncident(id));
  appendTimeline: Store['appendTimeline'] = (entry) => this.#write(() => this.#incidents.appendTimeline(entry));
  markNotificationProcessed: Store['markNotificationProcessed'] = (id, at, error) =>
    this.#write(() => this.#incidents.markNotificationProcessed(id, at, error ?? null));
  assignRole: Store['assignRole'] = (incidentId, assignment) =>
    this.#write(() => this.#incidents.assignRole(incidentId, assignment));
  addActionItem: Store['addActionItem'] = (item) => this.#write(() => this.#incidents.addActionItem(item));

  appendNotification: Store['appendNotification'] = (payload, receivedAt) => {
    const refused = this.#refuse();
    return refused === null ? this.#appends.append(payload, receivedAt) : Promise.reject(refused);
  };
  importNotifications: SqliteStoreApi['importNotifications'] = (bodies) =>
    this.#write(() => bodies.map((body) => this.#ledger.importNotification(body.id, body.json, body.receivedAt)));
  notificationSequence: SqliteStoreApi['notificationSequence'] = () => this.#read(() => this.#ledger.notificationSequence());
  unprocessedNotifications: Store['unprocessedNotifications'] = (limit, query) =>
    this.#read(() => this.#ledger.unprocessedNotifications(limit, query));
  getNotification: Store['getNotification'] = (id) => this.#read(() => this.#ledger.getNotification(id));
  claimNotifications: Store['claimNotifications'] = (limit, claim) => this.#read(() => this.#claims.claimNotifications(limit, claim));
  holdNotifications: Store['holdNotifications'] = (ids, owner, until) => this.#read(() => this.#claims.holdNotifications(ids, owner, until));
  releaseNotifications: Store['releaseNotifications'] = (ids, owner) => this.#read(() => this.#claims.releaseNotifications(ids, owner));
  listIncidents: Store['listIncidents'] = (query) => this.#read(() => this.#ledger.listIncidents(query));
  incidentSummaries: Store['incidentSummaries'] = (query) => this.#read(() => this.#ledger.incidentSummaries(query));
  countIncidentsByStatus: Store['countIncidentsByStatus'] = () => this.#read(() => this.#ledger.countIncidentsByStatus());
  timeline: Store['timeline'] = (incidentId, options) => this.#read(() => this.#ledger.timeline(incidentId, options));
  lastTimelineId: Store['lastTimelineId'] = () => this.#read(() => this.#ledger.lastTimelineId());
  roles: Store['roles'] = (incidentId) => this.#read(() => this.#ledger.roles(incidentId));
  actionItems: Store['actionItems'] = (incidentId) => this.#read(() => this.#ledger.actionItems(incidentId));

  createRun: Store['createRun'] = (run) => this.#write(() => this.#engine.createRun(run));
  getRun: Store['getRun'] = (id) => this.#read(() => this.#engine.getRun(id));
  updateRun: Store['updateRun'] = (id, patch) => this.#write(() => this.#engine.updateRun(id, patch));
  runs: Store['runs'] = (query) => this.#read(() => this.#engine.runs(query));
  renewRunLeases: Store['renewRunLeases'] = (owner, until) => this.#write(() => this.#engine.renewRunLeases(owner, until));
  claimStep: Store['claimStep'] = (claim) => this.#write(() => this.#engine.claimStep(claim));
  finishStep: Store['finishStep'] = (id, result) => this.#write(() => this.#engine.finishStep(id, result));
  stepClaims: Store['stepClaims'] = (query) => this.#read(() => this.#engine.stepClaims(query));
  setRevertStatus: Store['setRevertStatus'] = (id, from, change) => this.#write(() => this.#engine.setRevertStatus(id, from, change));
  setReleaseState: Store['setReleaseState'] = (id, state) => this.#write(() => this.#engine.setReleaseState(id, state));
  scheduleTimer: Store['scheduleTimer'] = (timer) => this.#write(() => this.#timers.scheduleTimer(timer));
  timers: Store['timers'] = (query) => this.#read(() => this.#timers.timers(query));
  dueTimers: Store['dueTimers'] = (now, limit) => this.#read(() => this.#timers.dueTimers(now, limit));
  claimTimer: Store['claimTimer'] = (id, lease) => this.#write(() => this.#timers.claimTimer(id, lease));
  finishTimer: Store['finishTimer'] = (id, token, outcome) => this.#write(() => this.#timers.finishTimer(id, token, outcome));
  cancelTimers: Store['cancelTimers'] = (query, at) => this.#write(() => this.#timers.cancelTimers(query, at));
  requestApproval: Store['requestApproval'] = (approval) => this.#write(() => this.#engine.requestApproval(approval));
  approvals: Store['approvals'] = (query) => this.#read(() => this.#engine.approvals(query));
  decideApproval: Store['decideApproval'] = (id, decision) => this.#write(() => this.#engine.decideApproval(id, decision));
  automation: Store['automation'] = () => this.#read(() => this.#engine.automation());
  setAutomation: Store['setAutomation'] = (state) => this.#write(() => this.#engine.setAutomation(state));
  setMode: Store['setMode'] = (setting) => this.#write(() => this.#engine.setMode(setting));
  markFollowUpsAdded: Store['markFollowUpsAdded'] = (incidentId, runbook) =>
    this.#write(() => this.#engine.markFollowUpsAdded(incidentId, runbook));
  engineCounts: Store['engineCounts'] = () => this.#read(() => this.#engine.engineCounts());

  createSession: Store['createSession'] = (session) => this.#write(() => this.#sessions.createSession(session));
  session: Store['session'] = (idHash, now) => this.#read(() => this.#sessions.session(idHash, now));
  deleteSession: Store['deleteSession'] = (idHash) => this.#write(() => this.#sessions.deleteSession(idHash));
  deleteExpiredSessions: Store['deleteExpiredSessions'] = (now) => this.#write(() => this.#sessions.deleteExpiredSessions(now));
}
