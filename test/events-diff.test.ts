/** The diff that turns observations into events, and the polling policy: pure functions, no timers. */
import { describe, expect, it } from 'vitest';
import { changedFields, diffJob, removalEvent } from '../src/events/diff.js';
import { decodeEventCursor, encodeEventCursor } from '../src/events/types.js';
import { activityOf, backoffDelay, needsFetch, roundInterval, withJitter } from '../src/observation/policy.js';
import { drive, snapshot, testPollingConfig } from './helpers/jobs.js';

const observe = (s: ReturnType<typeof snapshot>, observedAtMs = 5_000, afterGap = false) => ({
  account: 'acct',
  provider: 'fake',
  snapshot: s,
  observedAtMs,
  afterGap,
});

describe('diffJob', () => {
  it('makes a CREATED event for a job never seen, with the snapshot and no previous state', () => {
    const { event, stored } = diffJob(undefined, observe(snapshot('j', 'CREATING')));
    expect(event).toMatchObject({
      kind: 'CREATED',
      previousState: null,
      state: 'CREATING',
      providerState: 'CREATING',
      at: new Date(5_000).toISOString(),
      changes: [],
    });
    expect(stored).toMatchObject({ state: 'CREATING', stateChangedAt: new Date(5_000).toISOString() });
  });

  it('emits nothing when nothing changed, but moves the observation time on', () => {
    const first = diffJob(undefined, observe(snapshot('j', 'SHIPPING'), 1_000)).stored;
    const { event, stored } = diffJob(first, observe(snapshot('j', 'SHIPPING'), 9_000));
    expect(event).toBeUndefined();
    expect(stored.observedAtMs).toBe(9_000);
    expect(stored.stateChangedAt).toBe(first.stateChangedAt);
  });

  it('classifies a change by its most significant field', () => {
    const base = diffJob(undefined, observe(snapshot('j', 'TRANSFERRING'), 1_000)).stored;
    const d1 = drive('d1', 10);
    const progress = { percent: 40, bytesTransferred: 1e9, itemsProcessed: null, message: null };
    const cases: [ReturnType<typeof snapshot>, string, string[]][] = [
      [snapshot('j', 'PACKAGING'), 'STATE_CHANGED', ['providerState', 'state']],
      [snapshot('j', 'TRANSFERRING', { cancelRequested: true }), 'STATE_CHANGED', ['cancelRequested']],
      [snapshot('j', 'TRANSFERRING', { providerState: 'Started' }), 'STATE_CHANGED', ['providerState']],
      [snapshot('j', 'TRANSFERRING', { drives: [d1], progress }), 'DRIVE_CHANGED', ['drives', 'progress']],
      [snapshot('j', 'TRANSFERRING', { progress }), 'PROGRESS', ['progress']],
      [snapshot('j', 'TRANSFERRING', { location: 'westus' }), 'PROGRESS', ['location']],
      // A state field among others makes the whole change a state change.
      [
        snapshot('j', 'TRANSFERRING', { cancelRequested: true, progress }),
        'STATE_CHANGED',
        ['cancelRequested', 'progress'],
      ],
    ];
    for (const [next, kind, changes] of cases) {
      const { event } = diffJob(base, observe(next));
      expect({ kind: event?.kind, changes: event?.changes }).toEqual({ kind, changes });
      expect(event!.previousState).toBe('TRANSFERRING');
    }
  });

  it('keeps the last known state when the provider word has no normalized equivalent', () => {
    const base = diffJob(undefined, observe(snapshot('j', 'RECEIVED'), 1_000)).stored;
    const { event, stored } = diffJob(base, observe(snapshot('j', null, { providerState: 'Started' })));
    expect(stored.state).toBe('RECEIVED');
    expect(stored.stateChangedAt).toBe(base.stateChangedAt);
    expect(event).toMatchObject({ kind: 'STATE_CHANGED', previousState: 'RECEIVED', state: 'RECEIVED' });
    expect(event!.snapshot.state).toBe('RECEIVED'); // the event's job shows the state at the event
    expect(stored.snapshot.state).toBeNull(); // the stored snapshot stays what the provider said

    // The provider's word gets its normalized state back: only `state` of the snapshot changed, which is a
    // change of state even though the job's effective state (RECEIVED) stays.
    const back = diffJob(stored, observe(snapshot('j', 'RECEIVED', { providerState: 'Started' }), 9_000));
    expect(back.event).toMatchObject({ kind: 'STATE_CHANGED', changes: ['state'], previousState: 'RECEIVED' });
    expect(back.stored.stateChangedAt).toBe(base.stateChangedAt);
  });

  it('makes a CREATED event without a state for a new job whose provider word has no equivalent', () => {
    const { event, stored } = diffJob(undefined, observe(snapshot('j', null, { providerState: 'Started' })));
    expect(event).toMatchObject({ kind: 'CREATED', state: null, previousState: null, providerState: 'Started' });
    expect(stored.state).toBeNull();
  });

  it('dates a new state from the observation that saw it, and keeps the date while the state stays', () => {
    const base = diffJob(undefined, observe(snapshot('j', 'SHIPPING'), 1_000)).stored;
    const moved = diffJob(base, observe(snapshot('j', 'RECEIVED'), 7_000)).stored;
    expect([base.stateChangedAt, moved.stateChangedAt]).toEqual([
      new Date(1_000).toISOString(),
      new Date(7_000).toISOString(),
    ]);
    const progressed = diffJob(moved, observe(snapshot('j', 'RECEIVED', { location: 'westus' }), 9_000)).stored;
    expect(progressed.stateChangedAt).toBe(moved.stateChangedAt);
  });

  it("keeps a job's listing digest unless the observation brings one (null clears it)", () => {
    const first = diffJob(undefined, observe(snapshot('j', 'SHIPPING'))).stored;
    expect(first.listingHash).toBeNull();
    const hashed = diffJob(first, { ...observe(snapshot('j', 'SHIPPING')), listingHash: 'h1' }).stored;
    expect(hashed.listingHash).toBe('h1');
    expect(diffJob(hashed, observe(snapshot('j', 'RECEIVED'))).stored.listingHash).toBe('h1');
    expect(diffJob(hashed, { ...observe(snapshot('j', 'RECEIVED')), listingHash: null }).stored.listingHash).toBeNull();
  });

  it('marks changes observed after a gap, and describes removals with the last known job', () => {
    const base = diffJob(undefined, observe(snapshot('j', 'SHIPPING'), 1_000)).stored;
    expect(diffJob(base, observe(snapshot('j', 'COMPLETED'), 9_000, true)).event).toMatchObject({
      previousState: 'SHIPPING',
      state: 'COMPLETED',
      afterGap: true,
    });
    expect(removalEvent(base, 'fake', 9_000, true)).toEqual({
      kind: 'REMOVED',
      account: 'acct',
      provider: 'fake',
      nativeId: 'j',
      at: new Date(9_000).toISOString(),
      previousState: 'SHIPPING',
      state: 'SHIPPING',
      previousProviderState: 'SHIPPING',
      providerState: 'SHIPPING',
      afterGap: true,
      changes: [],
      snapshot: { ...base.snapshot, state: 'SHIPPING' },
    });
  });

  it('compares nested fields by value', () => {
    const a = snapshot('j', 'TRANSFERRING', { details: { x: 1 } });
    expect(changedFields(a, structuredClone(a))).toEqual([]);
    expect(changedFields(a, { ...a, details: { x: 2 } })).toEqual(['details']);
  });
});

describe('event cursors', () => {
  const b64 = (text: string) => Buffer.from(text).toString('base64url');

  it('round-trip and reject anything else as BAD_USER_INPUT', () => {
    const cursor = encodeEventCursor({ logId: 'log-1', seq: 42 });
    expect(decodeEventCursor(cursor)).toEqual({ logId: 'log-1', seq: 42 });
    const malformed = [
      '',
      'garbage',
      b64('ev1:log:-1'),
      b64('x:y:1'),
      b64('ev2:log:1'),
      b64('ev1:log:1:2'),
      b64('ev1::1'),
      b64('ev1:log:'),
      b64('ev1:log:12abc'),
      b64('ev1:log:1234567890123456'),
    ];
    for (const bad of malformed) {
      expect(() => decodeEventCursor(bad), bad).toThrow(
        expect.objectContaining({
          code: 'BAD_USER_INPUT',
          extensions: { field: 'after' },
          message: expect.stringMatching(/^Malformed cursor: pass `after` exactly as/),
        }),
      );
    }
    expect(decodeEventCursor(b64('ev1:log:123456789012345'))).toEqual({ logId: 'log', seq: 123456789012345 });
  });

  it('keep their format, so cursors clients hold stay valid across gateway versions', () => {
    expect(encodeEventCursor({ logId: 'log-1', seq: 42 })).toBe(b64('ev1:log-1:42'));
  });
});

const config = testPollingConfig({ jitter: 0.2, backoff: { initialMs: 500, maxMs: 8_000 } });

describe('polling policy', () => {
  it('polls often while data moves, rarely otherwise', () => {
    expect(activityOf('TRANSFERRING')).toBe('active');
    expect(activityOf('SHIPPING')).toBe('waiting');
    expect(activityOf(null)).toBe('waiting');
    expect(activityOf('CANCELLED')).toBe('terminal');
    expect(roundInterval(config, ['CREATING', 'PACKAGING', 'COMPLETED'])).toBe(1_000);
    expect(roundInterval(config, ['CREATING', 'SHIPPING'])).toBe(10_000);
    expect(roundInterval(config, ['COMPLETED', 'FAILED'])).toBe(10_000); // still discovers new jobs
    expect(roundInterval(config, [])).toBe(10_000);
  });

  it('fetches every non-terminal job each round and terminal ones seldom', () => {
    expect(needsFetch(config, undefined, false, 0)).toBe(true);
    expect(needsFetch(config, { state: 'SHIPPING', checkedAtMs: 999 }, false, 1_000)).toBe(true);
    expect(needsFetch(config, { state: 'COMPLETED', checkedAtMs: 0 }, false, 99_999)).toBe(false);
    expect(needsFetch(config, { state: 'COMPLETED', checkedAtMs: 0 }, false, 100_000)).toBe(true);
    expect(needsFetch(config, { state: 'COMPLETED', checkedAtMs: 0 }, true, 1)).toBe(true); // listing says cancelled
    expect(needsFetch(config, { state: 'CANCELLED', checkedAtMs: 0 }, true, 1)).toBe(false);
  });

  it('jitters within the configured fraction', () => {
    expect(withJitter(1_000, 0.2, () => 0)).toBe(800);
    expect(withJitter(1_000, 0.2, () => 0.5)).toBe(1_000);
    expect(withJitter(1_000, 0.2, () => 0.999_999)).toBe(1_200);
  });

  it('backs off exponentially up to the cap, and never retries sooner than Retry-After', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(config, n, undefined, mid))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000,
    ]);
    expect(backoffDelay(config, 1, 30, mid)).toBe(30_000);
    expect(backoffDelay(config, 5, 1, () => 0)).toBe(6_400); // longer backoff wins over a short Retry-After
  });
});
