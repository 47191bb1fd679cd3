/**
 * The durable event log and the job snapshots it describes, behind one small interface. A key-value store
 * cannot give an ordered log with atomic sequence numbers, so this is its own interface: SQLite (same file as
 * the keyv store) by default, memory for `store.kind: memory`. A Redis Streams implementation would map
 * `commit` to one MULTI (XADD per event + HSET per job) and `readAfter` to XRANGE.
 *
 * Invariants every implementation keeps:
 * - `commit` is all or nothing: the events, the job upserts and removals become visible together or not at all;
 * - sequence numbers strictly increase in commit order and are never reused, even after pruning;
 * - every event with `seq > prunedThrough` is still readable, so a cursor at or after `prunedThrough` replays
 *   without a gap.
 */
import { randomUUID } from 'node:crypto';
import {
  type JobEventRecord,
  type JobTransition,
  type NewJobEvent,
  type StoredJob,
  TRANSITION_KINDS,
  toTransition,
} from '../events/types.js';

export interface LogCommit {
  account: string;
  events: NewJobEvent[];
  /** Jobs to store as they are now (new, changed, or observed again). */
  upserts: StoredJob[];
  /** Native ids of jobs that disappeared. */
  removals: string[];
  /** Marks the account's first complete observation (after which new jobs are CREATED events). */
  baseline?: boolean;
}

export interface AccountState {
  /** The account has had its first complete observation. */
  baselined: boolean;
  jobs: StoredJob[];
}

export interface LogBounds {
  /** Events with seq ≤ this may have been pruned. */
  prunedThrough: number;
  /** The newest event's seq (0 for an empty log). */
  latest: number;
}

export interface JobKey {
  account: string;
  nativeId: string;
}

/** Transitions kept per job in `Job.history`; older ones are not shown. */
export const MAX_HISTORY = 100;

export interface EventStore {
  /** Identifies this log; cursors of another log are expired. Valid after `open`. */
  readonly logId: string;
  open(): Promise<void>;
  loadAccount(account: string): Promise<AccountState>;
  /** Appends events and updates the jobs atomically; returns the events with their sequence numbers. */
  commit(change: LogCommit): Promise<JobEventRecord[]>;
  /** Events with seq > `after`, oldest first, at most `limit`. */
  readAfter(after: number, limit: number): Promise<JobEventRecord[]>;
  bounds(): Promise<LogBounds>;
  jobs(keys: readonly JobKey[]): Promise<(StoredJob | undefined)[]>;
  /** State transitions per job, oldest first (the newest MAX_HISTORY). */
  transitions(keys: readonly JobKey[]): Promise<JobTransition[][]>;
  /**
   * Forgets events logged before `cutoffMs`. State transitions of jobs that still exist are kept for history
   * (without their snapshots); replay still only starts after `prunedThrough`.
   */
  prune(cutoffMs: number): Promise<void>;
  close(): Promise<void>;
}

const jobKey = (account: string, nativeId: string) => `${account}\n${nativeId}`;

interface MemoryRow {
  event: JobEventRecord;
  loggedMs: number;
  /** Pruned rows kept only as a history entry. */
  transitionOnly?: JobTransition;
}

/** `store.kind: memory`: the same contract in one process's memory (tests, throwaway gateways). */
export class MemoryEventStore implements EventStore {
  readonly logId = randomUUID();
  private rows: MemoryRow[] = [];
  private nextSeq = 1;
  private prunedThrough = 0;
  private readonly jobsByKey = new Map<string, StoredJob>();
  private readonly baselined = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  async open(): Promise<void> {}

  async loadAccount(account: string): Promise<AccountState> {
    const jobs = [...this.jobsByKey.values()].filter((j) => j.account === account).map((j) => structuredClone(j));
    return { baselined: this.baselined.has(account), jobs };
  }

  async commit(change: LogCommit): Promise<JobEventRecord[]> {
    // Copies are made before anything changes, and the changes themselves are synchronous: no other call can
    // observe a half-applied commit, and a commit that throws applies nothing.
    const loggedMs = this.now();
    const events = change.events.map((e) => structuredClone(e));
    const upserts = change.upserts.map((j) => structuredClone(j));
    const records = events.map((e, i) => ({ ...e, seq: this.nextSeq + i }));
    this.nextSeq += records.length;
    for (const event of records) this.rows.push({ event, loggedMs });
    for (const job of upserts) this.jobsByKey.set(jobKey(job.account, job.nativeId), job);
    for (const nativeId of change.removals) this.jobsByKey.delete(jobKey(change.account, nativeId));
    if (change.baseline) this.baselined.add(change.account);
    return records.map((r) => structuredClone(r));
  }

  async readAfter(after: number, limit: number): Promise<JobEventRecord[]> {
    const from = Math.max(after, this.prunedThrough);
    // Rows are in seq order: find the first one after `from` by bisection, not by scanning the whole log.
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.rows[mid]!.event.seq <= from) low = mid + 1;
      else high = mid;
    }
    return this.rows
      .slice(low, low + limit)
      .filter((r) => !r.transitionOnly)
      .map((r) => structuredClone(r.event));
  }

  async bounds(): Promise<LogBounds> {
    return { prunedThrough: this.prunedThrough, latest: this.nextSeq - 1 };
  }

  async jobs(keys: readonly JobKey[]): Promise<(StoredJob | undefined)[]> {
    return keys.map((k) => {
      const job = this.jobsByKey.get(jobKey(k.account, k.nativeId));
      return job && structuredClone(job);
    });
  }

  async transitions(keys: readonly JobKey[]): Promise<JobTransition[][]> {
    return keys.map((k) =>
      this.rows
        .filter(
          (r) =>
            r.event.account === k.account && r.event.nativeId === k.nativeId && TRANSITION_KINDS.includes(r.event.kind),
        )
        .slice(-MAX_HISTORY)
        .map((r) => r.transitionOnly ?? toTransition(r.event)),
    );
  }

  async prune(cutoffMs: number): Promise<void> {
    const through = this.rows.reduce(
      (max, r) => (r.loggedMs < cutoffMs && r.event.seq > max ? r.event.seq : max),
      this.prunedThrough,
    );
    if (through === this.prunedThrough) return;
    this.prunedThrough = through;
    this.rows = this.rows.flatMap((r): MemoryRow[] => {
      if (r.event.seq > through) return [r];
      const keep =
        TRANSITION_KINDS.includes(r.event.kind) && this.jobsByKey.has(jobKey(r.event.account, r.event.nativeId));
      return keep ? [{ ...r, transitionOnly: r.transitionOnly ?? toTransition(r.event) }] : [];
    });
  }

  async close(): Promise<void> {
    this.rows = [];
    this.jobsByKey.clear();
  }
}
