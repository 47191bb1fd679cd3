/**
 * The gateway's one store: the job index (what every read answers from), the event log (what subscriptions
 * replay), idempotency keys and each account's poll state — behind one interface with an embedded SQLite and
 * an in-memory implementation, both held to test/store.test.ts. It is shaped for a shared database too
 * (PostgreSQL, several gateway instances): every call is async, a commit is one transaction, and nothing
 * another instance would need lives only in one process (the mirrors rebuild their diff state with
 * `loadAccount`, readers see poll state through it).
 *
 * Invariants every implementation keeps:
 * - `commit` is all or nothing: the events, the index rows, the removals and the poll state become visible
 *   together or not at all — a query, `Job.history` and the event stream never disagree;
 * - sequence numbers strictly increase in commit order and are never reused, even after pruning;
 * - every event with `seq > prunedThrough` is still readable, so a cursor at or after `prunedThrough` replays
 *   without a gap;
 * - `findJobs` orders newest `createdAt` first (jobs without one last), ties by id, and pages by that key.
 */
import type { JobEventRecord, JobTransition, NewJobEvent, StoredJob } from '../events/types.js';
import type { ErrorCode } from '../sdk/errors.js';
import { isTerminal, type JobSnapshot, type JobState, type JobType } from '../sdk/model.js';

/** The SQLite store's read cache default weight (`store.cacheJobs`): about a dashboard's worth of pages and jobs. */
export const DEFAULT_CACHE_JOBS = 5_000;

export interface JobKey {
  account: string;
  nativeId: string;
}

/** Transitions kept per job in `Job.history`; older ones are not shown. */
export const MAX_HISTORY = 100;

/** An account's poll rounds as the store remembers them (also across restarts and instances). */
export interface AccountPollState {
  /** The account has had its first complete observation (after which new jobs are CREATED events). */
  baselined: boolean;
  /** Epoch ms when the last complete round started (the jobs are known as of then). */
  lastRoundStartedMs: number | null;
  /** Epoch ms when the last complete round ended. */
  lastCompleteRoundMs: number | null;
  /** Rounds that failed since the last complete one. */
  failedRounds: number;
  lastFailure: RoundFailure | null;
}

export interface RoundFailure {
  atMs: number;
  code: ErrorCode;
  /** Built from provider codes and ids, never from a request: safe to show. */
  message: string;
  retryAfterSeconds?: number | undefined;
  providerCode?: string | undefined;
  /** The provider's HTTP status, where it answered. */
  status?: number | undefined;
}

export const emptyPollState = (): AccountPollState => ({
  baselined: false,
  lastRoundStartedMs: null,
  lastCompleteRoundMs: null,
  failedRounds: 0,
  lastFailure: null,
});

export interface AccountState {
  poll: AccountPollState;
  jobs: StoredJob[];
}

export interface ObservationCommit {
  account: string;
  events: NewJobEvent[];
  /** Index rows to write as they are now (new, changed, or observed again). */
  upserts: StoredJob[];
  /** Native ids of jobs that disappeared. */
  removals: string[];
  /** Jobs the provider reported again unchanged: only their `observedAtMs` moves on. */
  seen?: { nativeIds: readonly string[]; observedAtMs: number };
  /** The account's first complete observation. */
  baseline?: boolean;
  /** A round that completed: clears the account's failures. */
  round?: { startedMs: number; completedMs: number };
  /**
   * The account's lease token when the commit is the lease holder's poll round: a shared store refuses it
   * (LeaseLostError, nothing written) once another instance has taken the account. Absent: not fenced.
   */
  fence?: number;
}

/**
 * A commit decided inside the store's transaction, against the index rows as they are then: `build` gets
 * the current rows of the jobs in `read` (absent = no row) and returns the commit. With several writers per
 * account (instances sharing a store: one poller, and any instance recording its mutations' answers) every
 * diff is made against what the index holds at that moment, never against an earlier read.
 */
export interface PlannedCommit {
  account: string;
  fence?: number;
  read: readonly string[];
  /** Called once, inside the transaction; must not call the store. */
  build(current: ReadonlyMap<string, StoredJob>): ObservationCommit;
}

export const planOf = (change: ObservationCommit | PlannedCommit): PlannedCommit =>
  'build' in change
    ? change
    : {
        account: change.account,
        ...(change.fence !== undefined ? { fence: change.fence } : {}),
        read: [],
        build: () => change,
      };

/** A store this version cannot read (written by a newer crossdock, or not a crossdock store). */
export class StoreVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreVersionError';
  }
}

/** A fenced commit (or failure record) of an instance whose lease on the account has moved to another. */
export class LeaseLostError extends Error {
  constructor(readonly account: string) {
    super(`the lease on account "${account}" was taken by another gateway instance`);
    this.name = 'LeaseLostError';
  }
}

/** What a shared store knows of the instances sharing it (`heartbeat`). */
export interface LeaseView {
  /** Instances whose heartbeat has not expired, the caller included, sorted. */
  instances: string[];
  /** The account leases that have not expired. */
  leases: { account: string; owner: string; expiresInMs: number }[];
}

/** What one instance hears of the others (a shared store); a single-instance store never calls them. */
export interface StoreListener {
  /** Events up to `seq` were committed (by any instance). May be missed or repeated: read the log. */
  committed?: (seq: number) => void;
  /** Some instance asks the holder of `account`'s lease for a round now (a reader wants fresher data). */
  roundRequested?: (account: string) => void;
}

/** A page position in the `jobs` order: `sortMs` is createdAt in epoch ms, NO_CREATED_AT when unknown. */
export interface JobOrderKey {
  sortMs: number;
  id: string;
}

/** Sorts after every real creation time in the descending order (jobs without createdAt come last). */
export const NO_CREATED_AT = -1;

export interface JobQuery {
  /** The accounts to read (already narrowed to configured ones by the caller); empty = none. */
  accounts: readonly string[];
  states?: readonly JobState[] | null | undefined;
  types?: readonly JobType[] | null | undefined;
  /** Jobs whose updatedAt (or createdAt, when the provider reports none) is at or after this. */
  updatedSinceMs?: number | null | undefined;
  /** Exclusive. */
  after?: JobOrderKey | null | undefined;
  first: number;
}

export interface JobQueryPage {
  jobs: StoredJob[];
  hasNextPage: boolean;
  /** Jobs matching the filter across the accounts, independent of `after` and `first`. */
  totalCount: number;
}

/** What providerStats reads of one indexed job: a few columns of its row, never the whole snapshot. */
export interface JobFacts {
  account: string;
  nativeId: string;
  provider: string;
  state: JobState | null;
  /** ISO 8601: when the gateway first observed the current state. */
  stateChangedAt: string;
  /** The provider's creation time in epoch ms; null when it reports none. */
  createdMs: number | null;
  /** The last snapshot's `progress.bytesTransferred` and `progress.itemsProcessed`. */
  bytesTransferred: number | null;
  itemsProcessed: number | null;
}

export interface FactsQuery {
  /** The accounts to read; empty = none. */
  accounts: readonly string[];
  /** Jobs in a terminal state whose `stateChangedAt` is before this (epoch ms) are left out: they ended earlier. */
  finishedSinceMs: number;
}

/** How many jobs of one account are in one state (null: the gateway never learnt the job's state). */
export interface StateCount {
  account: string;
  state: JobState | null;
  count: number;
}

export interface LogBounds {
  /** Events with seq ≤ this may have been pruned. */
  prunedThrough: number;
  /** The newest event's seq (0 for an empty log). */
  latest: number;
}

export interface IdempotencyRecord {
  fingerprint: string;
  /** The created job; absent while the create is in flight or its outcome is unknown. */
  snapshot?: JobSnapshot;
  /** ISO 8601: when the key was first used. */
  at: string;
  /**
   * ISO 8601: when the create attempt now running began (absent once it ended: created, or outcome unknown).
   * Another instance that finds it recent waits for that attempt instead of starting its own.
   */
  attemptAt?: string;
}

/** What one `purgeExpired` deleted. */
export interface PurgeResult {
  idempotencyKeys: number;
}

export interface GatewayStore {
  /** Identifies this log; cursors of another log are expired. Valid once `open()` resolved. */
  readonly logId: string;
  /** Several gateway instances may share this store (leases matter, events also come from the others). */
  readonly shared: boolean;
  /** Idempotent; every other method opens the store first too. */
  open(): Promise<void>;
  close(): Promise<void>;

  // Observation (the only writer of the index and the log)
  loadAccount(account: string): Promise<AccountState>;
  /** The account's poll state alone (what another instance's rounds left). */
  loadPollState(account: string): Promise<AccountPollState>;
  /**
   * Appends the events and applies the index changes atomically; returns the events with their seq. Throws
   * LeaseLostError, writing nothing, for a fenced commit whose token is no longer the account's.
   */
  commit(change: ObservationCommit | PlannedCommit): Promise<JobEventRecord[]>;
  /** A round that did not complete: counts it and keeps why (fenced like `commit`). */
  recordRoundFailure(account: string, failure: RoundFailure, fence?: number): Promise<void>;

  // Instances (a single-instance store: one instance, holding every lease, never expiring)
  /** Marks `instance` alive for `ttlMs`; returns the live instances and the unexpired leases. */
  heartbeat(instance: string, ttlMs: number): Promise<LeaseView>;
  /**
   * Takes the lease on `account` for `instance` for `ttlMs` when it is free or expired (a new, higher fencing
   * token), or renews it when `instance` holds it (the same token). Null: another instance holds it.
   */
  acquireLease(account: string, instance: string, ttlMs: number): Promise<number | null>;
  /** Gives up `instance`'s leases on `accounts` (all of them, and its heartbeat, when absent). */
  releaseLeases(instance: string, accounts?: readonly string[]): Promise<void>;
  /** Hears commits and round requests of every instance; returns the way to stop. */
  listen(listener: StoreListener): () => void;
  /** Asks the holder of `account`'s lease, whichever instance it is, for a round now. */
  requestRound(account: string): Promise<void>;

  // The index (reads)
  findJobs(query: JobQuery): Promise<JobQueryPage>;
  getJobs(keys: readonly JobKey[]): Promise<(StoredJob | undefined)[]>;
  /** State transitions per job, oldest first (the newest MAX_HISTORY). */
  transitions(keys: readonly JobKey[]): Promise<JobTransition[][]>;
  /** Jobs of the accounts by state (one entry per account and state that has jobs), for metrics and stats. */
  countJobs(accounts: readonly string[]): Promise<StateCount[]>;
  /** The stats columns of the accounts' jobs that had not ended before `finishedSinceMs`, in no set order. */
  jobFacts(query: FactsQuery): Promise<JobFacts[]>;

  // The event log
  /** Events with seq > `after`, oldest first, at most `limit`. */
  readAfter(after: number, limit: number): Promise<JobEventRecord[]>;
  bounds(): Promise<LogBounds>;
  /**
   * Forgets events logged before `eventsBeforeMs`: state transitions of jobs that still exist stay for history
   * (without their snapshots, and only a job's newest MAX_HISTORY), the rest goes.
   */
  prune(eventsBeforeMs: number): Promise<void>;
  /**
   * Deletes the rows whose time to live ended by `nowMs` (idempotency keys: reads already ignore them), so
   * they do not pile up; answers how many went. Run periodically (the event hub's retention timer).
   */
  purgeExpired(nowMs: number): Promise<PurgeResult>;

  // Idempotency keys (per account)
  getIdempotencyKey(account: string, key: string, nowMs: number): Promise<IdempotencyRecord | undefined>;
  putIdempotencyKey(account: string, key: string, record: IdempotencyRecord, expiresAtMs: number): Promise<void>;
  deleteIdempotencyKey(account: string, key: string): Promise<void>;
  /**
   * Writes `record` only if nobody else did first, atomically (instances sharing the store race for a key):
   * without `previous`, when the key has no unexpired record; with it, when the unexpired record is still
   * exactly `previous` (as read). Answers whether it wrote.
   */
  claimIdempotencyKey(
    account: string,
    key: string,
    record: IdempotencyRecord,
    expiresAtMs: number,
    nowMs: number,
    previous?: IdempotencyRecord,
  ): Promise<boolean>;
}

/** The order of `jobs` as a comparison: newest first, unknown creation times last, then by id. */
export function compareOrder(a: JobOrderKey, b: JobOrderKey): number {
  if (a.sortMs !== b.sortMs) return b.sortMs - a.sortMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Epoch ms of an ISO date a provider gave, or null when absent or unreadable. */
export function epochMs(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** The columns the index filters and orders by, derived from a row the same way by every implementation. */
export function indexColumns(job: StoredJob) {
  const createdMs = epochMs(job.snapshot.createdAt);
  return {
    sortMs: createdMs ?? NO_CREATED_AT,
    /** updatedSince compares with this: the provider's update time, or its creation time when it has none. */
    activityMs: epochMs(job.snapshot.updatedAt) ?? createdMs,
    type: job.snapshot.type,
  };
}

export const orderKeyOf = (job: StoredJob): JobOrderKey => ({ sortMs: indexColumns(job).sortMs, id: job.id });

export const jobKeyString = (k: JobKey) => `${k.account}\n${k.nativeId}`;

/** Whether a row matches a query's filter (not its page position): what the memory store applies per row. */
export function matchesQuery(job: StoredJob, query: JobQuery, accounts: ReadonlySet<string>): boolean {
  if (!accounts.has(job.account)) return false;
  if (query.states?.length && (job.state === null || !query.states.includes(job.state))) return false;
  if (query.types?.length && !query.types.includes(job.snapshot.type)) return false;
  if (query.updatedSinceMs != null) {
    const activity = indexColumns(job).activityMs;
    if (activity === null || activity < query.updatedSinceMs) return false;
  }
  return true;
}

/** A row's stats columns, derived the same way by every implementation (the memory store applies it per row). */
export function factsOf(job: StoredJob): JobFacts {
  return {
    account: job.account,
    nativeId: job.nativeId,
    provider: job.provider,
    state: job.state,
    stateChangedAt: job.stateChangedAt,
    createdMs: epochMs(job.snapshot.createdAt),
    bytesTransferred: job.snapshot.progress?.bytesTransferred ?? null,
    itemsProcessed: job.snapshot.progress?.itemsProcessed ?? null,
  };
}

/** Whether a row belongs in `jobFacts`: not in a terminal state that began before `finishedSinceMs`. */
export function endedBefore(job: Pick<StoredJob, 'state' | 'stateChangedAt'>, finishedSinceMs: number): boolean {
  return isTerminal(job.state) && (epochMs(job.stateChangedAt) ?? 0) < finishedSinceMs;
}
