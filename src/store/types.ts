/**
 * The store interface, shaped by the domain rather than by tables. Every backend (SQLite now,
 * PostgreSQL later) implements it and passes the one contract suite in
 * test/integration/store/contract.ts.
 *
 * Durability contract: when a method's promise resolves, what it wrote is committed durably
 * (the webhook acks only after `appendNotification` resolves).
 *
 * Errors: FirebreakError with STORE_* codes (STORE_UNAVAILABLE is retriable), NOT_FOUND for
 * unknown ids (statusCode 404).
 */
import type {
  ActionItem,
  Alert,
  Incident,
  IncidentStatus,
  NewTimelineEntry,
  RoleAssignment,
  StoredNotification,
  TimelineEntry,
} from '../model/incident.ts';
import type {
  Approval,
  ApprovalDecision,
  ApprovalQuery,
  AutomationState,
  ModeSetting,
  ClaimQuery,
  ClaimResult,
  EngineCounts,
  EngineRun,
  EngineTimer,
  NewApproval,
  NewClaim,
  NewRun,
  NewTimer,
  ReleaseState,
  RevertChange,
  RevertStatus,
  RunPatch,
  RunQuery,
  StepClaim,
  TimerLease,
  TimerOutcome,
  TimerQuery,
} from '../model/engine.ts';

export type * from '../model/engine.ts';

export interface IncidentQuery {
  status?: IncidentStatus[];
  /** Only incidents of these clusters (exact values; an incident without a cluster never matches). */
  cluster?: string[];
  /** Only incidents of these severities (exact values). */
  severity?: string[];
  /** Only incidents opened at or after this time (ISO). */
  since?: string;
  /** Only incidents opened before this time (ISO). */
  until?: string;
  /** Page size, 1..500. */
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Present when more items follow. */
  nextCursor: string | null;
}

/** An incident in a list, with what needs a person in it (src/incidents/overview.ts). */
export interface IncidentSummary extends Incident {
  /** Steps of this incident waiting for a person's approval. */
  pendingApprovals: number;
  /**
   * Changes firebreak made in this incident that are still in place: mutating claims that
   * succeeded or were interrupted and are neither reverted nor left after a conflict (the
   * engine's `inPlace`, src/engine/history.ts).
   */
  containmentsInForce: number;
}

/** The record of one alert state seen, deduplicated by (fingerprint, status, startsAt). */
export interface AlertEvent {
  incidentId: string;
  alert: Alert;
  notificationId: number;
  receivedAt: string;
}

export type NewIncident = Omit<Incident, 'id' | 'updatedAt'>;

/**
 * A signed-in console browser (src/console/sessions.ts). The store keeps the SHA-256 of the
 * session id, never the id itself, and of the operator token it was signed in with.
 */
export interface ConsoleSession {
  idHash: string;
  /** The operator token's name: the actor of what is done in this session. */
  operator: string;
  role: 'viewer' | 'responder' | 'admin';
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
}

/**
 * The current state (src/incidents/alert-state.ts) of every alert of an incident, counted: what
 * decides whether the incident is resolved, without reading its whole alert history.
 */
export interface AlertStateCounts {
  /** Alerts whose current state is firing. */
  firing: number;
  /** Alerts whose current state is resolved. */
  resolved: number;
  /** Of those, how many have no endsAt. */
  resolvedWithoutEnd: number;
  /** The latest endsAt among the resolved ones, as recorded; null when none has one. */
  latestEnd: string | null;
}

/** Options of {@link Store.unprocessedNotifications}. */
export interface UnprocessedQuery {
  /** Only notifications with a greater id (the caller has the earlier ones in hand). */
  afterId?: number;
  /**
   * Stop before the bodies returned exceed this many bytes of JSON text; the first notification
   * is returned whatever its size. Bounds the memory of a page of large notifications.
   */
  maxBytes?: number;
}

/**
 * A claim on stored notifications ({@link Store.claimNotifications}): several processors (the
 * replicas on PostgreSQL) share the queue of stored notifications, and each takes only what it
 * claimed, so each notification is processed by one of them.
 */
export interface NotificationClaim {
  /** Who claims: one processor (a replica's pipeline), the same string for all its calls. */
  owner: string;
  /** Now, by the claimant's clock: a claim of another owner that ended at or before it is taken over. */
  now: string;
  /** The claim lasts until then unless renewed ({@link StoreTx.holdNotifications}). */
  until: string;
  /** As {@link UnprocessedQuery}: only ids above it, within a byte budget (at least one). */
  afterId?: number;
  maxBytes?: number;
  /** Ids not to claim: those the claimant already has in hand or has set aside. */
  skip?: readonly number[];
}

/** What {@link Store.claimNotifications} took, and when to look again. */
export interface ClaimedNotifications {
  /** Claimed by the owner now, oldest first. */
  notifications: StoredNotification[];
  /**
   * The earliest end of a claim another owner holds on an unprocessed notification (null when
   * none): if that owner died, its notification can be taken over then.
   */
  nextExpiry: string | null;
}

/**
 * Operations that run inside one transaction. Processing one notification (dedupe, open or
 * update incidents, append timeline entries, mark processed) is one transaction, so a crash
 * mid-way leaves it unprocessed and it is replayed whole at the next start.
 */
export interface StoreTx {
  /**
   * Records an alert state. Returns false (and writes nothing) when the same
   * fingerprint + status + startsAt was already recorded: a duplicate delivery.
   */
  recordAlertEvent(event: AlertEvent): Promise<boolean>;
  /** Alert states recorded for an incident, oldest first. NOT_FOUND for an unknown incident. */
  alertEvents(incidentId: string): Promise<AlertEvent[]>;
  /**
   * Every state recorded for an alert fingerprint, on whichever incident, oldest first (the last
   * one names the incident the fingerprint was last attached to). Empty for an unknown one.
   */
  alertStates(fingerprint: string): Promise<AlertEvent[]>;
  /** The current states of an incident's alerts, counted. NOT_FOUND for an unknown incident. */
  alertStateCounts(incidentId: string): Promise<AlertStateCounts>;
  /** The newest incident with this key that is not closed, or null. */
  findActiveIncidentByKey(key: string): Promise<Incident | null>;
  /** Which incident an alert fingerprint was last attached to, or null. */
  findIncidentByFingerprint(fingerprint: string): Promise<Incident | null>;
  /** Assigns a new sortable id (see incident-id.ts) and stamps `updatedAt` from the store's clock. */
  createIncident(incident: NewIncident): Promise<Incident>;
  /**
   * Changes only the fields present in `patch` (an `undefined` value counts as absent); stamps
   * `updatedAt` from the clock unless the patch sets it. NOT_FOUND for an unknown id.
   */
  updateIncident(id: string, patch: Partial<Omit<Incident, 'id'>>): Promise<Incident>;
  getIncident(id: string): Promise<Incident | null>;
  /** Appends an entry; ids only grow. NOT_FOUND for an unknown incident. */
  appendTimeline(entry: NewTimelineEntry): Promise<TimelineEntry>;
  /** NOT_FOUND for an unknown notification id. */
  markNotificationProcessed(id: number, at: string, error?: string | null): Promise<void>;
  /**
   * Renews the claims `owner` holds on these notifications to `until`, and keeps any other
   * claimant off them until this transaction ends. Returns the ids it holds: a notification
   * processed meanwhile, or one another owner claimed after this owner's claim ended (it
   * stalled), is left out, and this owner must not process it.
   */
  holdNotifications(ids: readonly number[], owner: string, until: string): Promise<number[]>;
  /** Sets the role's one holder, replacing any previous one. NOT_FOUND for an unknown incident. */
  assignRole(incidentId: string, assignment: RoleAssignment): Promise<void>;
  /** NOT_FOUND for an unknown incident. */
  addActionItem(item: Omit<ActionItem, 'id'>): Promise<ActionItem>;

  // The engine's records (src/model/engine.ts, docs/engine.md).

  /** Records a run request with status `pending`. NOT_FOUND for an unknown incident. */
  createRun(run: NewRun): Promise<EngineRun>;
  getRun(id: number): Promise<EngineRun | null>;
  /** Changes only the fields present in `patch`. NOT_FOUND for an unknown run. */
  updateRun(id: number, patch: RunPatch): Promise<EngineRun>;
  /** Runs matching every given filter, oldest request first. */
  runs(query: RunQuery): Promise<EngineRun[]>;
  /**
   * Extends to `until` the lease of every `running` run `owner` holds (its heartbeat); returns
   * the ids renewed. A run another engine took over meanwhile is not among them.
   */
  renewRunLeases(owner: string, until: string): Promise<number[]>;
  /**
   * Claims a step before it runs. Returns null, writing nothing, when a claim for the same
   * incident, runbook, step, trigger and episode exists: another worker or a replay has it.
   */
  claimStep(claim: NewClaim): Promise<StepClaim | null>;
  /** Records how a claimed step ended. NOT_FOUND for an unknown claim. */
  finishStep(id: number, result: ClaimResult): Promise<StepClaim>;
  /** Claims matching every given filter, in claim order. */
  stepClaims(query: ClaimQuery): Promise<StepClaim[]>;
  /**
   * Compare-and-set of a claim's revert status: moves it to `change.status` only when it is one
   * of `from` (null: never reverted) and returns the claim; returns null, writing nothing,
   * otherwise. A revert therefore starts once, whoever asks. NOT_FOUND for an unknown claim.
   */
  setRevertStatus(id: number, from: ReadonlyArray<RevertStatus | null>, change: RevertChange): Promise<StepClaim | null>;
  /** Records a release's progress on a claim (null clears it). NOT_FOUND for an unknown claim. */
  setReleaseState(id: number, state: ReleaseState | null): Promise<StepClaim>;
  /**
   * Schedules a timer. When a live (pending or running) timer with the same key exists, returns
   * it unchanged and writes nothing: scheduling is idempotent. NOT_FOUND for an unknown incident
   * or claim.
   */
  scheduleTimer(timer: NewTimer): Promise<EngineTimer>;
  /** Timers matching every given filter, in id order. */
  timers(query: TimerQuery): Promise<EngineTimer[]>;
  /**
   * Timers a process may claim at `now`: pending ones due at or before it, and running ones
   * whose lease ended at or before it (their process died); by due time, then id; at most `limit`.
   */
  dueTimers(now: string, limit: number): Promise<EngineTimer[]>;
  /**
   * Compare-and-set: takes a timer that is pending and due, or running with its lease over, at
   * `lease.now`: it becomes running, held by `lease.owner` until `lease.leaseUntil`, with a new
   * fencing token. Returns it, or null (writing nothing) when it is not claimable (another
   * process has it, it is not due, it is finished). NOT_FOUND for an unknown timer.
   */
  claimTimer(id: number, lease: TimerLease): Promise<EngineTimer | null>;
  /**
   * Finishes a run of a claimed timer: done, cancelled, or pending again with a new due time,
   * state and attempt count. Only while it is running with fencing token `token`; returns null
   * (writing nothing) otherwise (cancelled meanwhile, or claimed again by another process after
   * the lease ran out). NOT_FOUND for an unknown timer.
   */
  finishTimer(id: number, token: number, outcome: TimerOutcome): Promise<EngineTimer | null>;
  /** Cancels the live (pending or running) timers matching every given filter; returns them as cancelled. */
  cancelTimers(query: Omit<TimerQuery, 'status'>, at: string): Promise<EngineTimer[]>;
  /** Records a pending approval; the one that exists for the same run and step is returned instead. */
  requestApproval(approval: NewApproval): Promise<Approval>;
  /** Approvals matching every given filter, oldest request first. */
  approvals(query: ApprovalQuery): Promise<Approval[]>;
  /**
   * Decides a pending approval; returns null, writing nothing, when it is no longer pending
   * (decided or expired meanwhile). NOT_FOUND for an unknown approval.
   */
  decideApproval(id: number, decision: ApprovalDecision): Promise<Approval | null>;
  /** The kill switch; not paused before the first change. */
  automation(): Promise<AutomationState>;
  setAutomation(state: AutomationState): Promise<AutomationState>;
  /** Sets the mode every replica uses (the pause switch is left as it is); returns the whole switch. */
  setMode(setting: ModeSetting): Promise<AutomationState>;
  /** True the first time it is called for an incident and runbook, false afterwards. */
  markFollowUpsAdded(incidentId: string, runbook: string): Promise<boolean>;
}

export interface Store extends StoreTx {
  /** Creates or upgrades the schema (numbered migrations, applied once, in order). */
  migrate(): Promise<void>;
  /**
   * Cheap check that the store can write now, not only answer (readiness, and `serve` at start):
   * throws (STORE_UNAVAILABLE, STORE_FILE_ERROR) for a store that is unreachable, read-only or on
   * a full disk. SQLite commits a one-page write and checks free space; PostgreSQL checks that
   * the session can write (not a read-only standby or database).
   */
  ping(): Promise<void>;
  /** Lets calls already made finish, then closes; later calls fail with STORE_CLOSED. Idempotent. */
  close(): Promise<void>;

  /**
   * Runs `fn` in one transaction; commits when it resolves, rolls back when it throws (and
   * rejects with what it threw). Transactions behave as if run one after another: no lost
   * updates, no uncommitted writes visible outside. Inside `fn` use only `tx`; it fails with
   * STORE_TX_MISUSE once `fn` has settled. Do not await network I/O inside `fn`.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;

  /** Durably appends a received webhook body; resolves with its id once committed. */
  appendNotification(payload: unknown, receivedAt: string): Promise<StoredNotification>;
  /** Notifications not yet processed, oldest first (for start-up replay); `limit` >= 1. */
  unprocessedNotifications(limit: number, query?: UnprocessedQuery): Promise<StoredNotification[]>;
  getNotification(id: number): Promise<StoredNotification | null>;
  /**
   * Claims for `claim.owner` up to `limit` unprocessed notifications, oldest first: those no one
   * claimed, those whose claim ended at `claim.now`, and the owner's own (but not `claim.skip`).
   * Two claimants calling at the same moment never get the same notification. The claim keeps
   * others off until `claim.until`; the owner renews it in each transaction that processes the
   * notification ({@link StoreTx.holdNotifications}). On SQLite (one process) claims live in
   * that process's store.
   */
  claimNotifications(limit: number, claim: NotificationClaim): Promise<ClaimedNotifications>;
  /**
   * Gives up `owner`'s claims on these notifications (those still unprocessed): any claimant may
   * take them at once instead of when the claims end. A processor that stops calls it for what
   * it did not finish.
   */
  releaseNotifications(ids: readonly number[], owner: string): Promise<void>;

  /** Newest opened first (ties by id), keyset-paginated; STORE_INVALID_QUERY for bad input. */
  listIncidents(query: IncidentQuery): Promise<Page<Incident>>;
  /**
   * The same page as {@link listIncidents}, each incident with its approvals waiting and changes
   * in place counted, in one read (the incident list's cost does not grow with its length).
   */
  incidentSummaries(query: IncidentQuery): Promise<Page<IncidentSummary>>;
  /** Every status present, zero when no incident has it. */
  countIncidentsByStatus(): Promise<Record<IncidentStatus, number>>;

  /**
   * Timeline of an incident, in append order: entries with id > `afterId`, at most `limit`
   * (>= 1; all when absent). NOT_FOUND for an unknown incident.
   */
  timeline(incidentId: string, options?: { afterId?: number; limit?: number }): Promise<TimelineEntry[]>;
  /**
   * The highest timeline entry id committed, of any incident (0 when there is none): a cheap
   * watermark that tells a process that another one (a replica) appended entries.
   */
  lastTimelineId(): Promise<number>;

  /** Current role holders (commander, tech-lead, communications, scribe order). NOT_FOUND for an unknown incident. */
  roles(incidentId: string): Promise<RoleAssignment[]>;
  /** In creation order. NOT_FOUND for an unknown incident. */
  actionItems(incidentId: string): Promise<ActionItem[]>;

  /** Pending approvals and reversible changes in place, for the engine's gauges. */
  engineCounts(): Promise<EngineCounts>;

  /**
   * Calls `listener` soon after another process committed work for this one (`runs`: a run
   * became pending), and after each reconnection, since a change may have been missed meanwhile.
   * Present on stores several processes share (PostgreSQL: LISTEN/NOTIFY); returns the function
   * that stops the calls.
   */
  subscribe?(topic: 'runs', listener: () => void): () => void;

  // Console sessions, shared by every replica using the store.

  /** Records a new session; STORE_CONFLICT when one with the same id hash exists. */
  createSession(session: ConsoleSession): Promise<void>;
  /** The session with this id hash, or null when there is none or it expired at or before `now`. */
  session(idHash: string, now: string): Promise<ConsoleSession | null>;
  /** Ends a session (sign-out); true when it existed. */
  deleteSession(idHash: string): Promise<boolean>;
  /** Removes the sessions expired at or before `now`; returns how many. */
  deleteExpiredSessions(now: string): Promise<number>;
}
