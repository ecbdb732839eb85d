/**
 * The SQLite store: one file, one connection, every operation through one FIFO mutex.
 *
 * Isolation. node:sqlite is synchronous but `transaction(fn)` takes an async `fn`, so while `fn`
 * awaits, other code runs. The mutex makes that safe: a transaction holds it from BEGIN to
 * COMMIT/ROLLBACK, and every other call on the store (reads included) queues behind it. Within
 * this process transactions are therefore strictly serial (serializable, with no dirty,
 * non-repeatable or phantom reads, and no lost updates), and a call outside a transaction never
 * sees another transaction's uncommitted writes. Transactions start with BEGIN IMMEDIATE, taking
 * SQLite's write lock up front, so a second process on the same file (the CLI) is serialised
 * too: it waits up to busy_timeout and then fails with STORE_UNAVAILABLE (retriable) rather than
 * failing half-way through a read-modify-write. Single writes outside `transaction` run in their
 * own IMMEDIATE transaction; reads outside it see the last committed state.
 *
 * Consequences for callers: never await network I/O (Kafka, HTTP) inside `fn`, since every
 * other store call, the webhook's durable append included, waits for it; and inside `fn` use
 * only the `tx` argument: calling the store itself there would wait for the very transaction
 * that waits for it, so it fails at once with STORE_TX_MISUSE instead of hanging.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { FirebreakError } from '../../errors.ts';
import { storeClosed, txMisuse } from '../errors.ts';
import { createIncidentIdGenerator } from '../incident-id.ts';
import { Mutex } from '../mutex.ts';
import type { Store, StoreTx } from '../types.ts';
import { openConnection } from './connection.ts';
import { EngineOperations } from './engine-operations.ts';
import { IncidentOperations } from './incident-operations.ts';
import { LedgerOperations } from './ledger-operations.ts';
import { applyMigrations, assertSchemaNotTooNew, loadMigrations, type Migration } from './migrate.ts';
import { SessionOperations } from './session-operations.ts';
import { Statements } from './statements.ts';
import { TimerOperations } from './timer-operations.ts';
import { assertWritable } from './writable.ts';

export interface SqliteStoreOptions {
  /** Database file (created with its directory when missing), or `:memory:` for a private in-memory store. */
  path: string;
  /** Time source for `updatedAt` stamps, incident ids and migration records. Default: system clock. */
  clock?: Clock;
  logger: Logger;
  /** How long to wait for another process's write lock before STORE_UNAVAILABLE. Default 5000 ms. */
  busyTimeoutMs?: number;
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
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const migrations = loadMigrations();
  const db = openConnection({ path: options.path, busyTimeoutMs: options.busyTimeoutMs ?? 5000, logger: options.logger });
  const sql = new Statements(db);
  try {
    assertSchemaNotTooNew(sql, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return new SqliteStore(sql, migrations, options.clock ?? systemClock, options.logger, options.path);
}

class SqliteStore implements Store {
  readonly #sql: Statements;
  readonly #migrations: Migration[];
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #incidents: IncidentOperations;
  readonly #ledger: LedgerOperations;
  readonly #engine: EngineOperations;
  readonly #sessions: SessionOperations;
  readonly #timers: TimerOperations;
  readonly #mutex = new Mutex();
  readonly #context = new AsyncLocalStorage<TxState>();
  #closing: Promise<void> | undefined;
  #closed = false;

  readonly #path: string;

  constructor(sql: Statements, migrations: Migration[], clock: Clock, logger: Logger, path: string) {
    this.#path = path;
    this.#sql = sql;
    this.#migrations = migrations;
    this.#clock = clock;
    this.#logger = logger;
    this.#incidents = new IncidentOperations(sql, clock, createIncidentIdGenerator(clock));
    this.#ledger = new LedgerOperations(sql, this.#incidents);
    this.#engine = new EngineOperations(sql);
    this.#sessions = new SessionOperations(sql);
    this.#timers = new TimerOperations(sql);
  }

  /** Queues `fn` behind every earlier call; rejects at once when called from inside a transaction. */
  #enter<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.#context.getStore()?.active === true) {
      return Promise.reject(
        txMisuse('the store was called inside its own transaction; use the tx passed to transaction(fn)'),
      );
    }
    if (this.#closing !== undefined) return Promise.reject(storeClosed());
    return this.#mutex.run(() => {
      if (this.#closed) throw storeClosed();
      return fn();
    });
  }

  #read<T>(fn: () => T): Promise<T> {
    return this.#enter(fn);
  }

  /** A write outside `transaction`: atomic on its own (BEGIN IMMEDIATE ... COMMIT). */
  #write<T>(fn: () => T): Promise<T> {
    return this.#enter(() => {
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
    });
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
      this.#sql.exec('transaction', 'BEGIN IMMEDIATE');
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
      findActiveIncidentByKey: (key) => call(() => ops.findActiveIncidentByKey(key)),
      findIncidentByFingerprint: (fingerprint) => call(() => ops.findIncidentByFingerprint(fingerprint)),
      createIncident: (incident) => call(() => ops.createIncident(incident)),
      updateIncident: (id, patch) => call(() => ops.updateIncident(id, patch)),
      getIncident: (id) => call(() => ops.getIncident(id)),
      appendTimeline: (entry) => call(() => ops.appendTimeline(entry)),
      markNotificationProcessed: (id, at, error) => call(() => ops.markNotificationProcessed(id, at, error ?? null)),
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
      markFollowUpsAdded: (incidentId, runbook) => call(() => engine.markFollowUpsAdded(incidentId, runbook)),
    };
  }

  migrate(): Promise<void> {
    return this.#enter(() => {
      applyMigrations(this.#sql, this.#migrations, this.#clock, this.#logger);
    });
  }

  /** Readiness: the store can write now (writable.ts), not only answer. */
  ping(): Promise<void> {
    return this.#read(() => {
      assertWritable(this.#sql.db, this.#path);
    });
  }

  /** Waits for queued calls to finish, then closes the file. Calling it again is harmless. */
  close(): Promise<void> {
    if (this.#context.getStore()?.active === true) {
      return Promise.reject(txMisuse('the store cannot be closed from inside its own transaction'));
    }
    this.#closing ??= this.#mutex.run(() => {
      this.#closed = true;
      this.#sql.db.close();
    });
    return this.#closing;
  }

  // Every call below queues on the mutex; writes run in their own IMMEDIATE transaction.
  recordAlertEvent: Store['recordAlertEvent'] = (event) => this.#write(() => this.#incidents.recordAlertEvent(event));
  alertEvents: Store['alertEvents'] = (incidentId) => this.#read(() => this.#incidents.alertEvents(incidentId));
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

  appendNotification: Store['appendNotification'] = (payload, receivedAt) =>
    this.#write(() => this.#ledger.appendNotification(payload, receivedAt));
  unprocessedNotifications: Store['unprocessedNotifications'] = (limit) =>
    this.#read(() => this.#ledger.unprocessedNotifications(limit));
  getNotification: Store['getNotification'] = (id) => this.#read(() => this.#ledger.getNotification(id));
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
  markFollowUpsAdded: Store['markFollowUpsAdded'] = (incidentId, runbook) =>
    this.#write(() => this.#engine.markFollowUpsAdded(incidentId, runbook));
  engineCounts: Store['engineCounts'] = () => this.#read(() => this.#engine.engineCounts());

  createSession: Store['createSession'] = (session) => this.#write(() => this.#sessions.createSession(session));
  session: Store['session'] = (idHash, now) => this.#read(() => this.#sessions.session(idHash, now));
  deleteSession: Store['deleteSession'] = (idHash) => this.#write(() => this.#sessions.deleteSession(idHash));
  deleteExpiredSessions: Store['deleteExpiredSessions'] = (now) => this.#write(() => this.#sessions.deleteExpiredSessions(now));
}
