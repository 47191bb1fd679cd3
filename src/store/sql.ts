/**
 * What the SQL stores (SQLite, PostgreSQL) share: the index row's columns and how a row maps to a job and
 * to poll state, the kinds kept for history, and chunking of long key lists.
 */
import { type StoredJob, TRANSITION_KINDS } from '../events/types.js';
import type { JobSnapshot, JobState } from '../sdk/model.js';
import { type AccountPollState, indexColumns, type RoundFailure } from './types.js';

/** A result row as either driver returns it (numbers may come as strings: PostgreSQL's bigint). */
export type Row = Record<string, unknown>;

export const TRANSITION_KIND_LIST = TRANSITION_KINDS.map((k) => `'${k}'`).join(', ');
export const JOB_EXISTS =
  'EXISTS (SELECT 1 FROM crossdock_job_index j WHERE j.account = crossdock_events.account AND j.native_id = crossdock_events.native_id)';
export const INDEX_COLUMNS =
  'account, native_id, id, provider, state, type, sort_ms, activity_ms, observed_ms, state_changed_at, listing_hash, snapshot';

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

export function pollFromRow(row: Row | undefined): AccountPollState {
  return {
    baselined: row?.baselined_at != null,
    lastRoundStartedMs: num(row?.last_round_started_ms),
    lastCompleteRoundMs: num(row?.last_complete_round_ms),
    failedRounds: Number(row?.failed_rounds ?? 0),
    lastFailure: row?.last_failure ? (JSON.parse(String(row.last_failure)) as RoundFailure) : null,
  };
}
