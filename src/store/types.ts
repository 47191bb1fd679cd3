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
}

/** What one `purgeExpired` deleted. */
export interface PurgeResult {
  idempotencyKeys: number;
}

export interface GatewayStore {
  /** Identifies this log; cursors of another log are expired. Valid once `open()` resolved. */
  readonly logId: string;
  /** Idempotent; every other method opens the store first too. */
  open(): Promise<void>;
  close(): Promise<void>;

  // Observation (the only writer of the index and the log)
  loadAccount(account: string): Promise<AccountState>;
  /** Appends the events and applies the index changes atomically; returns the events with their seq. */
  commit(change: ObservationCommit): Promise<JobEventRecord[]>;
  /** A round that did not complete: counts it and keeps why. */
  recordRoundFailure(account: string, failure: RoundFailure): Promise<void>;

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
