/**
 * The PostgreSQL store: the same contract as the SQLite store (src/store/types.ts), shared by
 * several firebreak replicas.
 *
 * Isolation. Every store transaction (and every write outside one, which runs as its own)
 * starts by taking one transaction-scoped advisory lock ({@link TRANSACTION_LOCK}), so writers
 * run one after another across all replicas, exactly as SQLite's single writer does within one
 * file: the engine's find-or-create and read-modify-write sequences need no retry loop, and
 * timeline ids commit in the order they are drawn, so paging "after id N" never misses one.
 * Transactions are short (no network I/O inside them), so one lock costs little; its wait is
 * bounded by `lock_timeout` (pool.ts), after which the caller gets retriable STORE_UNAVAILABLE.
 * Reads outside a transaction see the last committed state and take no lock. The webhook's
 * `appendNotification` is a single INSERT that takes no lock either: acknowledging a
 * notification never waits for another replica's processing.
 *
 * As with SQLite, inside `transaction(fn)` only `tx` may be used: calling the store itself
 * there would wait for the lock its own transaction holds, so it fails at once with
 * STORE_TX_MISUSE.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { storeClosed, txMisuse } from '../errors.ts';
import { FirebreakError } from '../../errors.ts';
import { createIncidentIdGenerator } from '../incident-id.ts';
import type { Migration } from '../migration-files.ts';
import type { Store, StoreTx } from '../types.ts';
import { ClaimOperations } from './claim-operations.ts';
import { EngineOperations } from './engine-operations.ts';
import { mapPgError } from './errors.ts';
import { IncidentOperations } from './incident-operations.ts';
import { LedgerOperations } from './ledger-operations.ts';
import { LOCK_NAMESPACE, TRANSACTION_LOCK } from './locks.ts';
import { applyMigrations, assertSchemaNotTooNew, loadMigrations } from './migrate.ts';
import { Listener, type Topic } from './listener.ts';
import { createPool, poolConfig, redactUrl, type PoolOptions } from './pool.ts';
import { SessionOperations } from './session-operations.ts';
import { TimerOperations } from './timer-operations.ts';
import { sqlOn, type Sql } from './sql.ts';

export interface PostgresStoreOptions extends PoolOptions {
  /** Time source for `updatedAt` stamps, incident ids and migration records. Default: system clock. */
  clock?: Clock;
}

interface TxState {
  /** False once the transaction committed or rolled back; `tx` refuses calls from then on. */
  active: boolean;
}

/**
 * Connects to the database at `options.url` and checks its schema: STORE_SCHEMA_TOO_NEW when a
 * newer firebreak migrated it, STORE_UNAVAILABLE when it cannot be reached. Call `migrate()`
 * before first use.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const migrations = loadMigrations();
  const pool = createPool(options);
  try {
    const client = await pool.connect();
    try {
      await assertSchemaNotTooNew(client, migrations);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    const mapped = mapPgError(err, `open ${redactUrl(options.url)}`);
    throw mapped;
  }
  return new PostgresStore(pool, migrations, options.clock ?? systemClock, options.logger, new Listener(poolConfig(options), options.logger));
}

export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #sql: Sql;
  readonly #migrations: Migration[];
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #incidents: IncidentOperations;
  readonly #ledger: LedgerOperations;
  readonly #engine: EngineOperations;
  readonly #timers: TimerOperations;
  readonly #sessions = new SessionOperations();
  readonly #claims = new ClaimOperations();
  readonly #context = new AsyncLocalStorage<TxState>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #listener: Listener;
  #closing: Promise<void> | undefined;

  constructor(pool: pg.Pool, migrations: Migration[], clock: Clock, logger: Logger, listener: Listener) {
    this.#pool = pool;
    this.#listener = listener;
    this.#sql = sqlOn(pool);
    this.#migrations = migrations;
    this.#clock = clock;
    this.#logger = logger;
    this.#incidents = new IncidentOperations(clock, createIncidentIdGenerator(clock));
    this.#ledger = new LedgerOperations(this.#incidents);
    this.#engine = new EngineOperations(this.#incidents);
    this.#timers = new TimerOperations(this.#incidents);
  }

  /** Wakes `listener` when another replica commits work (listener.ts). */
  subscribe(topic: Topic, listener: () => void): () => void {
    return this.#listener.subscribe(topic, listener);
  }

  /** Refuses calls from inside a transaction and after close; tracks the call for close(). */
  #enter<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#context.getStore()?.active === true) {
      return Promise.reject(txMisuse('the store was called inside its own transaction; use the tx passed to transaction(fn)'));
    }
    if (this.#closing !== undefined) return Promise.reject(storeClosed());
    const call = fn();
    this.#inFlight.add(call);
    const forget = () => this.#inFlight.delete(call);
    call.then(forget, forget);
    return call;
  }

  #read<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.#enter(() => fn(this.#sql));
  }

  /** A write outside `transaction`: its own transaction, under the transaction lock. */
  #write<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.#enter(() => this.#withTransaction((sql) => fn(sql)));
  }

  /**
   * A connection for a while (a transaction, the migrations). The server may end it between two
   * statements (a restart, a failover): its `error` event must have a listener while it is checked
   * out, or it would crash the process; the statement that follows fails and the caller gets
   * STORE_UNAVAILABLE.
   */
  async #checkOut(operation: string): Promise<{ client: pg.PoolClient; release: (err?: Error) => void }> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw mapPgError(err, operation);
    }
    let lost: Error | undefined;
    const onError = (err: Error) => {
      lost = err;
    };
    client.on('error', onError);
    return {
      client,
      release: (err) => {
        client.off('error', onError);
        client.release(err ?? lost);
      },
    };
  }

  async #withTransaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const { client, release } = await this.#checkOut('connect');
    let broken: Error | undefined;
    try {
      const sql = sqlOn(client);
      await sql.query('transaction', 'BEGIN');
      let result: T;
      try {
        await sql.query('transaction', 'SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, TRANSACTION_LOCK]);
        result = await fn(sql);
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError as Error;
        });
        throw err;
      }
      await sql.query('commit', 'COMMIT');
      return result;
    } catch (err) {
      if (broken === undefined && mapPgError(err, 'transaction').code === 'STORE_UNAVAILABLE') broken = err as Error;
      throw err;
    } finally {
      // A connection that failed is discarded rather than handed to the next caller.
      release(broken);
    }
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#enter(() =>
      this.#withTransaction(async (sql) => {
        const state: TxState = { active: true };
        try {
          return await this.#context.run(state, () => fn(this.#txView(sql, state)));
        } finally {
          state.active = false;
        }
      }),
    );
  }

  /** The `tx` handed to a transaction: runs on the connection the transaction holds. */
  #txView(sql: Sql, state: TxState): StoreTx {
    const ops = this.#incidents;
    const engine = this.#engine;
    const timers = this.#timers;
    const call = <T>(op: () => Promise<T>): Promise<T> => {
      if (!state.active) return Promise.reject(txMisuse('this transaction has already finished'));
      return op();
    };
    return {
      recordAlertEvent: (event) => call(() => ops.recordAlertEvent(sql, event)),
      alertEvents: (incidentId) => call(() => ops.alertEvents(sql, incidentId)),
      alertStates: (fingerprint) => call(() => ops.alertStates(sql, fingerprint)),
      alertStateCounts: (incidentId) => call(() => ops.alertStateCounts(sql, incidentId)),
      findActiveIncidentByKey: (key) => call(() => ops.findActiveIncidentByKey(sql, key)),
      findIncidentByFingerprint: (fingerprint) => call(() => ops.findIncidentByFingerprint(sql, fingerprint)),
      createIncident: (incident) => call(() => ops.createIncident(sql, incident)),
      updateIncident: (id, patch) => call(() => ops.updateIncident(sql, id, patch)),
      getIncident: (id) => call(() => ops.getIncident(sql, id)),
      appendTimeline: (entry) => call(() => ops.appendTimeline(sql, entry)),
      markNotificationProcessed: (id, at, error) => call(() => ops.markNotificationProcessed(sql, id, at, error ?? null)),
      holdNotifications: (ids, owner, until) => call(() => this.#claims.holdNotifications(sql, ids, owner, until)),
      assignRole: (incidentId, assignment) => call(() => ops.assignRole(sql, incidentId, assignment)),
      addActionItem: (item) => call(() => ops.addActionItem(sql, item)),
      createRun: (run) => call(() => engine.createRun(sql, run)),
      getRun: (id) => call(() => engine.getRun(sql, id)),
      updateRun: (id, patch) => call(() => engine.updateRun(sql, id, patch)),
      runs: (query) => call(() => engine.runs(sql, query)),
      renewRunLeases: (owner, until) => call(() => engine.renewRunLeases(sql, owner, until)),
      claimStep: (claim) => call(() => engine.claimStep(sql, claim)),
      finishStep: (id, result) => call(() => engine.finishStep(sql, id, result)),
      stepClaims: (query) => call(() => engine.stepClaims(sql, query)),
      setRevertStatus: (id, from, change) => call(() => engine.setRevertStatus(sql, id, from, change)),
      setReleaseState: (id, release) => call(() => engine.setReleaseState(sql, id, release)),
      scheduleTimer: (timer) => call(() => timers.scheduleTimer(sql, timer)),
      timers: (query) => call(() => timers.timers(sql, query)),
      dueTimers: (now, limit) => call(() => timers.dueTimers(sql, now, limit)),
      claimTimer: (id, lease) => call(() => timers.claimTimer(sql, id, lease)),
      finishTimer: (id, token, outcome) => call(() => timers.finishTimer(sql, id, token, outcome)),
      cancelTimers: (query, at) => call(() => timers.cancelTimers(sql, query, at)),
      requestApproval: (approval) => call(() => engine.requestApproval(sql, approval)),
      approvals: (query) => call(() => engine.approvals(sql, query)),
      decideApproval: (id, decision) => call(() => engine.decideApproval(sql, id, decision)),
      automation: () => call(() => engine.automation(sql)),
      setAutomation: (automation) => call(() => engine.setAutomation(sql, automation)),
      setMode: (setting) => call(() => engine.setMode(sql, setting)),
      markFollowUpsAdded: (incidentId, runbook) => call(() => engine.markFollowUpsAdded(sql, incidentId, runbook)),
    };
  }

  migrate(): Promise<void> {
    return this.#enter(async () => {
      const { client, release } = await this.#checkOut('migrate');
      try {
        await applyMigrations(client, this.#migrations, this.#clock, this.#logger);
      } finally {
        release();
      }
    });
  }

  /** Readiness: the database answers and this session may write (not a standby, not read-only). */
  ping(): Promise<void> {
    return this.#read(async (sql) => {
      const { rows } = await sql.query('ping', "SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS read_only");
      const row = rows[0] ?? {};
      if (row.standby === true || row.read_only === 'on') {
        throw new FirebreakError('STORE_UNAVAILABLE', `PostgreSQL accepts no writes here (${row.standby === true ? 'a standby in recovery' : 'transactions are read-only'})`, {
          retriable: true,
          statusCode: 503,
          details: { standby: row.standby === true, readOnly: row.read_only === 'on' },
        });
      }
    });
  }

  /** Waits for the calls already made, then closes every connection. Calling it again is harmless. */
  close(): Promise<void> {
    if (this.#context.getStore()?.active === true) {
      return Promise.reject(txMisuse('the store cannot be closed from inside its own transaction'));
    }
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      await this.#listener.close();
      await this.#pool.end();
    })();
    return this.#closing;
  }

  recordAlertEvent: Store['recordAlertEvent'] = (event) => this.#write((sql) => this.#incidents.recordAlertEvent(sql, event));
  alertEvents: Store['alertEvents'] = (incidentId) => this.#read((sql) => this.#incidents.alertEvents(sql, incidentId));
  alertStates: Store['alertStates'] = (fingerprint) => this.#read((sql) => this.#incidents.alertStates(sql, fingerprint));
  alertStateCounts: Store['alertStateCounts'] = (incidentId) => this.#read((sql) => this.#incidents.alertStateCounts(sql, incidentId));
  findActiveIncidentByKey: Store['findActiveIncidentByKey'] = (key) => this.#read((sql) => this.#incidents.findActiveIncidentByKey(sql, key));
  findIncidentByFingerprint: Store['findIncidentByFingerprint'] = (fingerprint) =>
    this.#read((sql) => this.#incidents.findIncidentByFingerprint(sql, fingerprint));
  createIncident: Store['createIncident'] = (incident) => this.#write((sql) => this.#incidents.createIncident(sql, incident));
  updateIncident: Store['updateIncident'] = (id, patch) => this.#write((sql) => this.#incidents.updateIncident(sql, id, patch));
  getIncident: Store['getIncident'] = (id) => this.#read((sql) => this.#incidents.getIncident(sql, id));
  appendTimeline: Store['appendTimeline'] = (entry) => this.#write((sql) => this.#incidents.appendTimeline(sql, entry));
  markNotificationProcessed: Store['markNotificationProcessed'] = (id, at, error) =>
    this.#write((sql) => this.#incidents.markNotificationProcessed(sql, id, at, error ?? null));
  assignRole: Store['assignRole'] = (incidentId, assignment) => this.#write((sql) => this.#incidents.assignRole(sql, incidentId, assignment));
  addActionItem: Store['addActionItem'] = (item) => this.#write((sql) => this.#incidents.addActionItem(sql, item));

  appendNotification: Store['appendNotification'] = (payload, receivedAt) => this.#read((sql) => this.#ledger.appendNotification(sql, payload, receivedAt));
  unprocessedNotifications: Store['unprocessedNotifications'] = (limit, query) => this.#read((sql) => this.#ledger.unprocessedNotifications(sql, limit, query));
  getNotification: Store['getNotification'] = (id) => this.#read((sql) => this.#ledger.getNotification(sql, id));
  // Claims: single statements with row locks, not under the transaction lock (claim-operations.ts).
  claimNotifications: Store['claimNotifications'] = (limit, claim) => this.#read((sql) => this.#claims.claimNotifications(sql, limit, claim));
  holdNotifications: Store['holdNotifications'] = (ids, owner, until) => this.#read((sql) => this.#claims.holdNotifications(sql, ids, owner, until));
  releaseNotifications: Store['releaseNotifications'] = (ids, owner) => this.#read((sql) => this.#claims.releaseNotifications(sql, ids, owner));
  listIncidents: Store['listIncidents'] = (query) => this.#read((sql) => this.#ledger.listIncidents(sql, query));
  incidentSummaries: Store['incidentSummaries'] = (query) => this.#read((sql) => this.#ledger.incidentSummaries(sql, query));
  countIncidentsByStatus: Store['countIncidentsByStatus'] = () => this.#read((sql) => this.#ledger.countIncidentsByStatus(sql));
  timeline: Store['timeline'] = (incidentId, options) => this.#read((sql) => this.#ledger.timeline(sql, incidentId, options));
  lastTimelineId: Store['lastTimelineId'] = () => this.#read((sql) => this.#ledger.lastTimelineId(sql));
  roles: Store['roles'] = (incidentId) => this.#read((sql) => this.#ledger.roles(sql, incidentId));
  actionItems: Store['actionItems'] = (incidentId) => this.#read((sql) => this.#ledger.actionItems(sql, incidentId));

  createRun: Store['createRun'] = (run) => this.#write((sql) => this.#engine.createRun(sql, run));
  getRun: Store['getRun'] = (id) => this.#read((sql) => this.#engine.getRun(sql, id));
  updateRun: Store['updateRun'] = (id, patch) => this.#write((sql) => this.#engine.updateRun(sql, id, patch));
  runs: Store['runs'] = (query) => this.#read((sql) => this.#engine.runs(sql, query));
  renewRunLeases: Store['renewRunLeases'] = (owner, until) => this.#write((sql) => this.#engine.renewRunLeases(sql, owner, until));
  claimStep: Store['claimStep'] = (claim) => this.#write((sql) => this.#engine.claimStep(sql, claim));
  finishStep: Store['finishStep'] = (id, result) => this.#write((sql) => this.#engine.finishStep(sql, id, result));
  stepClaims: Store['stepClaims'] = (query) => this.#read((sql) => this.#engine.stepClaims(sql, query));
  setRevertStatus: Store['setRevertStatus'] = (id, from, change) => this.#write((sql) => this.#engine.setRevertStatus(sql, id, from, change));
  setReleaseState: Store['setReleaseState'] = (id, release) => this.#write((sql) => this.#engine.setReleaseState(sql, id, release));
  scheduleTimer: Store['scheduleTimer'] = (timer) => this.#write((sql) => this.#timers.scheduleTimer(sql, timer));
  timers: Store['timers'] = (query) => this.#read((sql) => this.#timers.timers(sql, query));
  dueTimers: Store['dueTimers'] = (now, limit) => this.#read((sql) => this.#timers.dueTimers(sql, now, limit));
  claimTimer: Store['claimTimer'] = (id, lease) => this.#write((sql) => this.#timers.claimTimer(sql, id, lease));
  finishTimer: Store['finishTimer'] = (id, token, outcome) => this.#write((sql) => this.#timers.finishTimer(sql, id, token, outcome));
  cancelTimers: Store['cancelTimers'] = (query, at) => this.#write((sql) => this.#timers.cancelTimers(sql, query, at));
  requestApproval: Store['requestApproval'] = (approval) => this.#write((sql) => this.#engine.requestApproval(sql, approval));
  approvals: Store['approvals'] = (query) => this.#read((sql) => this.#engine.approvals(sql, query));
  decideApproval: Store['decideApproval'] = (id, decision) => this.#write((sql) => this.#engine.decideApproval(sql, id, decision));
  automation: Store['automation'] = () => this.#read((sql) => this.#engine.automation(sql));
  setAutomation: Store['setAutomation'] = (state) => this.#write((sql) => this.#engine.setAutomation(sql, state));
  setMode: Store['setMode'] = (setting) => this.#write((sql) => this.#engine.setMode(sql, setting));
  markFollowUpsAdded: Store['markFollowUpsAdded'] = (incidentId, runbook) => this.#write((sql) => this.#engine.markFollowUpsAdded(sql, incidentId, runbook));
  engineCounts: Store['engineCounts'] = () => this.#read((sql) => this.#engine.engineCounts(sql));

  createSession: Store['createSession'] = (session) => this.#write((sql) => this.#sessions.createSession(sql, session));
  session: Store['session'] = (idHash, now) => this.#read((sql) => this.#sessions.session(sql, idHash, now));
  deleteSession: Store['deleteSession'] = (idHash) => this.#write((sql) => this.#sessions.deleteSession(sql, idHash));
  deleteExpiredSessions: Store['deleteExpiredSessions'] = (now) => this.#write((sql) => this.#sessions.deleteExpiredSessions(sql, now));
}
