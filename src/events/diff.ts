/**
 * Turning observations into events: a pure comparison of the stored job with a fresh snapshot. One
 * observation of one job yields at most one event, of the most significant kind among its changes.
 */
import { isDeepStrictEqual } from 'node:util';
import { jobGlobalId } from '../ids.js';
import type { JobSnapshot } from '../sdk/model.js';
import type { JobEventKind, NewJobEvent, StoredJob } from './types.js';

export interface Observation {
  account: string;
  provider: string;
  snapshot: JobSnapshot;
  /** Epoch ms of the observation. */
  observedAtMs: number;
  afterGap: boolean;
  /** See StoredJob.listingHash; absent = keep the previous one. */
  listingHash?: string | null;
}

export interface DiffResult {
  /** Absent when nothing changed. */
  event?: NewJobEvent;
  /** What to store for the job now (also when nothing changed, so `observedAtMs` moves on). */
  stored: StoredJob;
}

/** Fields whose change is a change of state: the provider's word, the normalized state, a cancel request. */
const STATE_FIELDS = new Set(['state', 'providerState', 'cancelRequested']);

/** Top-level snapshot fields (named as on the `Job` type) that differ, in a stable order. */
export function changedFields(before: JobSnapshot, after: JobSnapshot): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((key) => !isDeepStrictEqual(before[key as keyof JobSnapshot], after[key as keyof JobSnapshot]))
    .sort();
}

function kindOf(changes: readonly string[], stateChanged: boolean): JobEventKind {
  if (stateChanged || changes.some((c) => STATE_FIELDS.has(c))) return 'STATE_CHANGED';
  if (changes.includes('drives')) return 'DRIVE_CHANGED';
  // Progress and every other detail (shipping, artifacts, errors, timestamps) the provider changed.
  return 'PROGRESS';
}

/**
 * Compares what the gateway knew of a job (`previous`, absent for a job never seen) with a new observation.
 * A provider word without a normalized equivalent (snapshot.state null) keeps the last known state.
 */
export function diffJob(previous: StoredJob | undefined, next: Observation): DiffResult {
  const at = new Date(next.observedAtMs).toISOString();
  const state = next.snapshot.state ?? previous?.state ?? null;
  const stateChanged = previous !== undefined && previous.state !== state;
  const stored: StoredJob = {
    id: previous?.id ?? jobGlobalId(next.account, next.snapshot.nativeId),
    account: next.account,
    provider: next.provider,
    nativeId: next.snapshot.nativeId,
    snapshot: next.snapshot,
    state,
    stateChangedAt: previous && !stateChanged ? previous.stateChangedAt : at,
    observedAtMs: next.observedAtMs,
    listingHash: next.listingHash !== undefined ? next.listingHash : (previous?.listingHash ?? null),
  };
  const base = {
    account: next.account,
    provider: next.provider,
    nativeId: next.snapshot.nativeId,
    at,
    state,
    providerState: next.snapshot.providerState,
    afterGap: next.afterGap,
    // Events carry the effective state inside the job too, so `Job.state` of an event is the state at the event.
    snapshot: { ...next.snapshot, state },
  };
  if (!previous) {
    return {
      stored,
      event: { ...base, kind: 'CREATED', previousState: null, previousProviderState: null, changes: [] },
    };
  }
  const changes = changedFields(previous.snapshot, next.snapshot);
  if (changes.length === 0 && !stateChanged) return { stored };
  return {
    stored,
    event: {
      ...base,
      kind: kindOf(changes, stateChanged),
      previousState: previous.state,
      previousProviderState: previous.snapshot.providerState,
      changes,
    },
  };
}

/** The event for a job that disappeared from its provider (deleted, or aged out of the provider's listing). */
export function removalEvent(
  previous: StoredJob,
  provider: string,
  observedAtMs: number,
  afterGap: boolean,
): NewJobEvent {
  return {
    kind: 'REMOVED',
    account: previous.account,
    provider,
    nativeId: previous.nativeId,
    at: new Date(observedAtMs).toISOString(),
    previousState: previous.state,
    state: previous.state,
    previousProviderState: previous.snapshot.providerState,
    providerState: previous.snapshot.providerState,
    afterGap,
    changes: [],
    snapshot: { ...previous.snapshot, state: previous.state },
  };
}
