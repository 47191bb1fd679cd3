/**
 * The job event model: what the poller and the mutations record, what the log keeps and what subscribers
 * receive. Plain data only, so every log implementation (SQLite, memory, later Redis Streams) stores it as JSON.
 */

import type { JobEventKind } from '../generated/enums.js';
import { ErrorCode, gatewayError } from '../sdk/errors.js';
import type { JobSnapshot, JobState } from '../sdk/model.js';

export type { JobEventKind };

/** An event before the log gave it its sequence number. */
export interface NewJobEvent {
  kind: JobEventKind;
  account: string;
  provider: string;
  nativeId: string;
  /** ISO 8601: when the gateway observed the change. */
  at: string;
  previousState: JobState | null;
  /** The normalized state after the change (REMOVED: the last known state). */
  state: JobState | null;
  previousProviderState: string | null;
  providerState: string;
  /** The gateway was not watching when the change happened (down, or the provider unreachable). */
  afterGap: boolean;
  /** Top-level `Job` fields that changed (empty for CREATED and REMOVED). */
  changes: string[];
  /** The job as observed at the event (REMOVED: the last snapshot before it disappeared). */
  snapshot: JobSnapshot;
}

/** An event as the log keeps it: `seq` is its position, strictly increasing and never reused. */
export interface JobEventRecord extends NewJobEvent {
  seq: number;
}

/**
 * One row of the job index: what the gateway knows of one job between observations — the last snapshot, the
 * last known normalized state (the snapshot's own state may be null for provider words without an equivalent),
 * when that state began and when the provider last reported the job. Reads are answered from these rows.
 */
export interface StoredJob {
  /** The job's global id (src/ids.ts): the index orders ties by it. */
  id: string;
  account: string;
  provider: string;
  nativeId: string;
  snapshot: JobSnapshot;
  state: JobState | null;
  /** ISO 8601: when the gateway first observed the current state. */
  stateChangedAt: string;
  /** Epoch ms of the provider's last report of the job; older observations never overwrite a newer one. */
  observedAtMs: number;
  /**
   * Where the provider's listing leaves details out (`Capabilities.listingOmits`): a digest of the job's last
   * listing entry, so the job is read again only when its entry changes. Null otherwise.
   */
  listingHash: string | null;
}

/** One state transition of a job, as `Job.history` shows it. */
export interface JobTransition {
  from: JobState | null;
  to: JobState | null;
  providerState: string;
  at: string;
  afterGap: boolean;
}

/** The kinds that are state transitions, kept for `Job.history` beyond the log's retention. */
export const TRANSITION_KINDS: readonly JobEventKind[] = ['CREATED', 'STATE_CHANGED'];

export function toTransition(
  event: Pick<NewJobEvent, 'previousState' | 'state' | 'providerState' | 'at' | 'afterGap'>,
) {
  return {
    from: event.previousState,
    to: event.state,
    providerState: event.providerState,
    at: event.at,
    afterGap: event.afterGap,
  } satisfies JobTransition;
}

/**
 * Cursors name a position in one particular log: `logId` changes when the store is wiped, so a cursor from a
 * store that no longer exists is recognised as expired instead of silently meaning something else.
 */
export interface EventPosition {
  logId: string;
  seq: number;
}

const CURSOR_PREFIX = 'ev1';

export function encodeEventCursor(position: EventPosition): string {
  return Buffer.from(`${CURSOR_PREFIX}:${position.logId}:${position.seq}`).toString('base64url');
}

export function decodeEventCursor(cursor: string): EventPosition {
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  const [prefix, logId, seq] = parts;
  if (parts.length === 3 && prefix === CURSOR_PREFIX && logId && seq && /^\d{1,15}$/.test(seq)) {
    return { logId, seq: Number(seq) };
  }
  throw gatewayError(
    ErrorCode.BAD_USER_INPUT,
    'Malformed cursor: pass `after` exactly as a previous event or `latestJobEventCursor` returned it.',
    { field: 'after' },
  );
}
