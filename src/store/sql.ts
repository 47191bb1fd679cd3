/**
 * What the SQL stores (SQLite, PostgreSQL) share: the index row's columns and how a row maps to a job and
 * to poll state, the tables, history and retention statements, and chunking of long key lists.
 */
import { type JobTransition, type StoredJob, TRANSITION_KINDS } from '../events/types.js';
import { type JobSnapshot, type JobState, TERMINAL_STATES } from '../sdk/model.js';
import {
  type AccountPollState,
  indexColumns,
  type JobFacts,
  type JobKey,
  jobKeyString,
  MAX_HISTORY,
  NO_CREATED_AT,
  type RoundFailure,
  type StateCount,
} from './types.js';

/** A result row as either driver returns it (numbers may come as strings: PostgreSQL's bigint). */
export type Row = Record<string, unknown>;

export const TRANSITION_KIND_LIST = TRANSITION_KINDS.map((k) => `'${k}'`).join(', ');
export const JOB_EXISTS =
  'EXISTS (SELECT 1 FROM crossdock_job_index j WHERE j.account = crossdock_events.account AND j.native_id = crossdock_events.native_id)';
export const INDEX_COLUMNS =
  'account, native_id, id, provider, state, type, sort_ms, activity_ms, observed_ms, state_changed_at, listing_hash, snapshot';

/** Column types where the dialects differ (SQLite's names, PostgreSQL's). */
export interface SqlTypes {
  int: string;
  text: string;
  /** The global id column: compared by code point in both. */
  id: string;
}

/** The job index, poll state and idempotency keys: the same tables in both dialects. */
export function indexSchema({ int, text, id }: SqlTypes): string[] {
  return [
    `CREATE TABLE crossdock_job_index (
     account ${text} NOT NULL,
     native_id ${text} NOT NULL,
     id ${id} NOT NULL,
     provider ${text} NOT NULL,
     state ${text},
     type ${text} NOT NULL,
     sort_ms ${int} NOT NULL,
     activity_ms ${int},
     observed_ms ${int} NOT NULL,
     state_changed_at ${text} NOT NULL,
     listing_hash ${text},
     snapshot ${text} NOT NULL,
     PRIMARY KEY (account, native_id)
   )`,
    'CREATE INDEX crossdock_job_order ON crossdock_job_index (sort_ms DESC, id)',
    'CREATE INDEX crossdock_job_account_order ON crossdock_job_index (account, sort_ms DESC, id)',
    'CREATE INDEX crossdock_job_state ON crossdock_job_index (state, sort_ms DESC, id)',
    `CREATE TABLE crossdock_accounts (
     account ${text} PRIMARY KEY,
     baselined_at ${text},
     last_round_started_ms ${int},
     last_complete_round_ms ${int},
     failed_rounds ${int} NOT NULL DEFAULT 0,
     last_failure ${text}
   )`,
    `CREATE TABLE crossdock_idempotency (
     account ${text} NOT NULL,
     key ${text} NOT NULL,
     record ${text} NOT NULL,
     expires_ms ${int} NOT NULL,
     PRIMARY KEY (account, key)
   )`,
    'CREATE INDEX crossdock_idempotency_expiry ON crossdock_idempotency (expires_ms)',
  ];
}

/** `work` between `begin` and COMMIT on one connection, rolled back when it throws (`run` runs SQL text). */
export async function inTransaction<T>(
  run: (sql: string) => Promise<unknown>,
  work: () => Promise<T>,
  begin: string,
): Promise<T> {
  await run(begin);
  try {
    const result = await work();
    await run('COMMIT');
    return result;
  } catch (error) {
    await run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export function* chunksOf<T>(items: readonly T[], size: number): Generator<readonly T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** An index row's values in INDEX_COLUMNS order. */
export function rowParams(job: StoredJob): unknown[] {
  const columns = indexColumns(job);
  return [
    job.account,
    job.nativeId,
    job.id,
    job.provider,
    job.state,
    columns.type,
    columns.sortMs,
    columns.activityMs,
    job.observedAtMs,
    job.stateChangedAt,
    job.listingHash,
    JSON.stringify(job.snapshot),
  ];
}

export function jobFromRow(row: Row): StoredJob {
  return {
    id: String(row.id),
    account: String(row.account),
    provider: String(row.provider),
    nativeId: String(row.native_id),
    snapshot: JSON.parse(String(row.snapshot)) as JobSnapshot,
    state: (row.state ?? null) as JobState | null,
    stateChangedAt: String(row.state_changed_at),
    observedAtMs: Number(row.observed_ms),
    listingHash: row.listing_hash == null ? null : String(row.listing_hash),
  };
}

const num = (value: unknown): number | null => (value == null ? null : Number(value));

const TERMINAL_STATE_LIST = TERMINAL_STATES.map((s) => `'${s}'`).join(', ');

/** countJobs in either dialect: `accountsIn` is the condition on `account`. */
export const countJobsQuery = (accountsIn: string) =>
  `SELECT account, state, COUNT(*) AS n FROM crossdock_job_index WHERE ${accountsIn} GROUP BY account, state`;

export const stateCountFromRow = (row: Row): StateCount => ({
  account: String(row.account),
  state: (row.state ?? null) as JobState | null,
  count: Number(row.n),
});

/**
 * jobFacts in either dialect: `accountsIn` is the condition on `account`, `since` the placeholder of the ISO time
 * before which ended jobs are left out (state_changed_at is one fixed ISO format, so it sorts as the time does),
 * `jsonNumber(path)` the dialect's number at a dotted path of the snapshot (JSON text).
 */
export const jobFactsQuery = (accountsIn: string, since: string, jsonNumber: (path: string) => string) =>
  `SELECT account, native_id, provider, state, state_changed_at, sort_ms,
          ${jsonNumber('progress.bytesTransferred')} AS bytes, ${jsonNumber('progress.itemsProcessed')} AS items
   FROM crossdock_job_index
   WHERE ${accountsIn} AND (state IS NULL OR state NOT IN (${TERMINAL_STATE_LIST}) OR state_changed_at >= ${since})`;

export const factsFromRow = (row: Row): JobFacts => ({
  account: String(row.account),
  nativeId: String(row.native_id),
  provider: String(row.provider),
  state: (row.state ?? null) as JobState | null,
  stateChangedAt: String(row.state_changed_at),
  createdMs: Number(row.sort_ms) === NO_CREATED_AT ? null : Number(row.sort_ms),
  bytesTransferred: num(row.bytes),
  itemsProcessed: num(row.items),
});

export function pollFromRow(row: Row | undefined): AccountPollState {
  return {
    baselined: row?.baselined_at != null,
    lastRoundStartedMs: num(row?.last_round_started_ms),
    lastCompleteRoundMs: num(row?.last_complete_round_ms),
    failedRounds: Number(row?.failed_rounds ?? 0),
    lastFailure: row?.last_failure ? (JSON.parse(String(row.last_failure)) as RoundFailure) : null,
  };
}

/** Runs one statement; `$n` names the n-th parameter in the text it is given (see `placeholder`). */
export type Statement = (sql: string, params: unknown[]) => Promise<Row[]>;

/**
 * The newest MAX_HISTORY state transitions of the jobs `matching` selects (a WHERE condition), oldest first;
 * `limit` is the placeholder bound to MAX_HISTORY.
 */
export const recentTransitions = (matching: string, limit: string) =>
  `SELECT account, native_id, transition FROM (
     SELECT account, native_id, seq, transition,
            ROW_NUMBER() OVER (PARTITION BY account, native_id ORDER BY seq DESC) AS newest
     FROM crossdock_events WHERE kind IN (${TRANSITION_KIND_LIST}) AND (${matching})
   ) recent WHERE newest <= ${limit} ORDER BY seq`;

/** The rows of `recentTransitions` per job, in the order of `keys`. */
export function transitionsByJob(rows: readonly Row[], keys: readonly JobKey[]): JobTransition[][] {
  const byJob = new Map<string, JobTransition[]>();
  for (const row of rows) {
    const key = jobKeyString({ account: String(row.account), nativeId: String(row.native_id) });
    const list = byJob.get(key) ?? [];
    list.push(JSON.parse(String(row.transition)) as JobTransition);
    byJob.set(key, list);
  }
  return keys.map((k) => byJob.get(jobKeyString(k)) ?? []);
}

/**
 * Retention (GatewayStore.prune) in either dialect, inside the caller's write transaction: events logged before
 * `eventsBeforeMs` go, except the state transitions of jobs that still exist, which stay for Job.history
 * without their snapshots (a job's newest MAX_HISTORY only: older ones are never read again);
 * `pruned_through` remembers how far.
 */
export async function pruneLog(run: Statement, placeholder: (n: number) => string, eventsBeforeMs: number) {
  const [$1, $2] = [placeholder(1), placeholder(2)];
  const [pruned] = await run("SELECT value FROM crossdock_meta WHERE key = 'pruned_through'", []);
  const prunedThrough = Number(pruned?.value ?? 0);
  const [old] = await run(`SELECT MAX(seq) AS through FROM crossdock_events WHERE logged_ms < ${$1}`, [eventsBeforeMs]);
  const through = Math.max(prunedThrough, Number(old?.through ?? 0));
  if (through === prunedThrough) return;
  await run(
    `DELETE FROM crossdock_events WHERE seq <= ${$1} AND (kind NOT IN (${TRANSITION_KIND_LIST}) OR NOT ${JOB_EXISTS})`,
    [through],
  );
  await run(
    `DELETE FROM crossdock_events WHERE seq <= ${$1} AND seq IN (
       SELECT seq FROM (
         SELECT seq, ROW_NUMBER() OVER (PARTITION BY account, native_id ORDER BY seq DESC) AS newest
         FROM crossdock_events WHERE kind IN (${TRANSITION_KIND_LIST})
       ) ranked WHERE newest > ${$2}
     )`,
    [through, MAX_HISTORY],
  );
  await run(`UPDATE crossdock_events SET body = NULL WHERE seq <= ${$1} AND body IS NOT NULL`, [through]);
  await run(
    `INSERT INTO crossdock_meta (key, value) VALUES ('pruned_through', ${$1})
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [String(through)],
  );
}
