/**
 * `store.kind: memory`: the store contract in one process's memory (tests, throwaway gateways). The index
 * keeps its rows sorted in the `jobs` order, so a page is a bisection plus a short walk, as SQLite does with
 * its index; history is kept per job, so `Job.history` never scans the log.
 */
import { randomUUID } from 'node:crypto';
import {
  type JobEventRecord,
  type JobTransition,
  type StoredJob,
  TRANSITION_KINDS,
  toTransition,
} from '../events/types.js';
import { SingleInstanceStore } from './single-instance.js';
import {
  type AccountPollState,
  type AccountState,
  compareOrder,
  emptyPollState,
  endedBefore,
  type FactsQuery,
  factsOf,
  type GatewayStore,
  type IdempotencyRecord,
  type JobFacts,
  type JobKey,
  type JobOrderKey,
  type JobQuery,
  type JobQueryPage,
  jobKeyString,
  type LogBounds,
  MAX_HISTORY,
  matchesQuery,
  type ObservationCommit,
  orderKeyOf,
  type PlannedCommit,
  type PurgeResult,
  planOf,
  type RoundFailure,
  type StateCount,
} from './types.js';

interface LoggedEvent {
  event: JobEventRecord;
  loggedMs: number;
}

interface KeptTransition {
  seq: number;
  transition: JobTransition;
}

/** The first index in `sorted` whose key comes after `key` in the order (binary search). */
function firstAfter<T>(sorted: readonly T[], key: (item: T) => JobOrderKey, after: JobOrderKey): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareOrder(key(sorted[mid]!), after) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

export class MemoryStore extends SingleInstanceStore implements GatewayStore {
  readonly logId = randomUUID();
  private log: LoggedEvent[] = [];
  private nextSeq = 1;
  private prunedThrough = 0;
  private readonly rows = new Map<string, StoredJob>();
  /** The rows in the `jobs` order. */
  private sorted: StoredJob[] = [];
  private readonly history = new Map<string, KeptTransition[]>();
  private readonly polls = new Map<string, AccountPollState>();
  private readonly keys = new Map<string, { record: IdempotencyRecord; expiresAtMs: number }>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  async open(): Promise<void> {}

  async close(): Promise<void> {
    this.log = [];
    this.rows.clear();
    this.sorted = [];
    this.history.clear();
  }

  async loadAccount(account: string): Promise<AccountState> {
    const jobs = this.sorted.filter((j) => j.account === account).map((j) => structuredClone(j));
    return { poll: structuredClone(this.pollOf(account)), jobs };
  }

  async loadPollState(account: string): Promise<AccountPollState> {
    return structuredClone(this.pollOf(account));
  }

  async commit(planned: ObservationCommit | PlannedCommit): Promise<JobEventRecord[]> {
    // Copies are made before anything changes, and the changes themselves are synchronous: no other call can
    // observe a half-applied commit, and a commit that throws applies nothing.
    const plan = planOf(planned);
    const current = new Map<string, StoredJob>();
    for (const nativeId of plan.read) {
      const row = this.rows.get(jobKeyString({ account: plan.account, nativeId }));
      if (row) current.set(nativeId, structuredClone(row));
    }
    const change = plan.build(current);
    const loggedMs = this.now();
    const events = change.events.map((e) => structuredClone(e));
    const upserts = change.upserts.map((j) => structuredClone(j));
    const records = events.map((e, i) => ({ ...e, seq: this.nextSeq + i }));
    this.nextSeq += records.length;
    for (const event of records) {
      this.log.push({ event, loggedMs });
      if (!TRANSITION_KINDS.includes(event.kind)) continue;
      const key = jobKeyString(event);
      const kept = this.history.get(key) ?? [];
      kept.push({ seq: event.seq, transition: toTransition(event) });
      if (kept.length > MAX_HISTORY) kept.shift();
      this.history.set(key, kept);
    }
    for (const job of upserts) this.put(job);
    for (const nativeId of change.removals) this.remove({ account: change.account, nativeId });
    if (change.seen) {
      for (const nativeId of change.seen.nativeIds) {
        const row = this.rows.get(jobKeyString({ account: change.account, nativeId }));
        if (row && row.observedAtMs < change.seen.observedAtMs) row.observedAtMs = change.seen.observedAtMs;
      }
    }
    if (change.baseline || change.round) {
      const poll = this.pollOf(change.account);
      if (change.baseline) poll.baselined = true;
      if (change.round) {
        poll.lastRoundStartedMs = change.round.startedMs;
        poll.lastCompleteRoundMs = change.round.completedMs;
        poll.failedRounds = 0;
      }
      this.polls.set(change.account, poll);
    }
    return records.map((r) => structuredClone(r));
  }

  async recordRoundFailure(account: string, failure: RoundFailure): Promise<void> {
    const poll = this.pollOf(account);
    poll.failedRounds += 1;
    poll.lastFailure = { ...failure };
    this.polls.set(account, poll);
  }

  async findJobs(query: JobQuery): Promise<JobQueryPage> {
    const accounts = new Set(query.accounts);
    let totalCount = 0;
    for (const row of this.sorted) if (matchesQuery(row, query, accounts)) totalCount += 1;
    const jobs: StoredJob[] = [];
    let hasNextPage = false;
    const start = query.after ? firstAfter(this.sorted, orderKeyOf, query.after) : 0;
    for (let i = start; i < this.sorted.length; i++) {
      const row = this.sorted[i]!;
      if (!matchesQuery(row, query, accounts)) continue;
      if (jobs.length === query.first) {
        hasNextPage = true;
        break;
      }
      jobs.push(structuredClone(row));
    }
    return { jobs, hasNextPage, totalCount };
  }

  async getJobs(keys: readonly JobKey[]): Promise<(StoredJob | undefined)[]> {
    return keys.map((k) => {
      const row = this.rows.get(jobKeyString(k));
      return row && structuredClone(row);
    });
  }

  async transitions(keys: readonly JobKey[]): Promise<JobTransition[][]> {
    return keys.map((k) => (this.history.get(jobKeyString(k)) ?? []).map((t) => ({ ...t.transition })));
  }

  async countJobs(accounts: readonly string[]): Promise<StateCount[]> {
    const wanted = new Set(accounts);
    const counts = new Map<string, StateCount>();
    for (const row of this.sorted) {
      if (!wanted.has(row.account)) continue;
      const key = `${row.account}\n${row.state}`;
      const entry = counts.get(key) ?? { account: row.account, state: row.state, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
    return [...counts.values()];
  }

  async jobFacts(query: FactsQuery): Promise<JobFacts[]> {
    const wanted = new Set(query.accounts);
    return this.sorted
      .filter((row) => wanted.has(row.account) && !endedBefore(row, query.finishedSinceMs))
      .map(factsOf);
  }

  async readAfter(after: number, limit: number): Promise<JobEventRecord[]> {
    const from = Math.max(after, this.prunedThrough);
    // The log is in seq order: find the first event after `from` by bisection, not by scanning it.
    let low = 0;
    let high = this.log.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.log[mid]!.event.seq <= from) low = mid + 1;
      else high = mid;
    }
    return this.log.slice(low, low + limit).map((r) => structuredClone(r.event));
  }

  async bounds(): Promise<LogBounds> {
    return { prunedThrough: this.prunedThrough, latest: this.nextSeq - 1 };
  }

  async prune(eventsBeforeMs: number): Promise<void> {
    let through = this.prunedThrough;
    for (const row of this.log) if (row.loggedMs < eventsBeforeMs && row.event.seq > through) through = row.event.seq;
    if (through === this.prunedThrough) return;
    this.prunedThrough = through;
    this.log = this.log.filter((r) => r.event.seq > through);
    // Transitions of jobs that still exist stay for history; those of removed jobs go with their events.
    for (const [key, kept] of this.history) {
      if (this.rows.has(key)) continue;
      const newer = kept.filter((t) => t.seq > through);
      if (newer.length) this.history.set(key, newer);
      else this.history.delete(key);
    }
  }

  async purgeExpired(nowMs: number): Promise<PurgeResult> {
    let idempotencyKeys = 0;
    for (const [key, entry] of this.keys) {
      if (entry.expiresAtMs > nowMs) continue;
      this.keys.delete(key);
      idempotencyKeys += 1;
    }
    return { idempotencyKeys };
  }

  async getIdempotencyKey(account: string, key: string, nowMs: number): Promise<IdempotencyRecord | undefined> {
    const entry = this.keys.get(jobKeyString({ account, nativeId: key }));
    return entry && entry.expiresAtMs > nowMs ? structuredClone(entry.record) : undefined;
  }

  async putIdempotencyKey(account: string, key: string, record: IdempotencyRecord, expiresAtMs: number) {
    this.keys.set(jobKeyString({ account, nativeId: key }), { record: structuredClone(record), expiresAtMs });
  }

  async deleteIdempotencyKey(account: string, key: string): Promise<void> {
    this.keys.delete(jobKeyString({ account, nativeId: key }));
  }

  async claimIdempotencyKey(
    account: string,
    key: string,
    record: IdempotencyRecord,
    expiresAtMs: number,
    nowMs: number,
    previous?: IdempotencyRecord,
  ): Promise<boolean> {
    const entry = this.keys.get(jobKeyString({ account, nativeId: key }));
    const current = entry && entry.expiresAtMs > nowMs ? entry.record : undefined;
    const expected = previous === undefined ? undefined : JSON.stringify(previous);
    if ((current === undefined ? undefined : JSON.stringify(current)) !== expected) return false;
    await this.putIdempotencyKey(account, key, record, expiresAtMs);
    return true;
  }

  private pollOf(account: string): AccountPollState {
    return { ...(this.polls.get(account) ?? emptyPollState()) };
  }

  private put(job: StoredJob): void {
    this.remove(job);
    this.rows.set(jobKeyString(job), job);
    const key = orderKeyOf(job);
    this.sorted.splice(firstAfter(this.sorted, orderKeyOf, key), 0, job);
  }

  private remove(key: JobKey): void {
    const existing = this.rows.get(jobKeyString(key));
    if (!existing) return;
    this.rows.delete(jobKeyString(key));
    // Rows are unique in the order (the id breaks ties): the one just before the first greater key is it.
    const at = firstAfter(this.sorted, orderKeyOf, orderKeyOf(existing)) - 1;
    if (this.sorted[at] === existing) this.sorted.splice(at, 1);
    else this.sorted = this.sorted.filter((j) => j !== existing);
  }
}
