/**
 * The event log contract, run against both implementations: ordering, atomic sequence numbers, retention
 * with history kept, replay, and (SQLite) durability across a reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diffJob } from '../src/events/diff.js';
import type { NewJobEvent, StoredJob } from '../src/events/types.js';
import { type EventStore, MAX_HISTORY, MemoryEventStore } from '../src/store/event-store.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { snapshot } from './helpers/jobs.js';

const dirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'crossdock-log-'));
  dirs.push(dir);
  return join(dir, 'log.sqlite');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An event + job row for `nativeId` going to `state`, built by the real diff. */
function change(
  account: string,
  nativeId: string,
  state: Parameters<typeof snapshot>[1],
  previous?: StoredJob,
  at = 1_000,
): { event: NewJobEvent; stored: StoredJob } {
  const { event, stored } = diffJob(previous, {
    account,
    provider: 'fake',
    snapshot: snapshot(nativeId, state),
    observedAtMs: at,
    afterGap: false,
  });
  return { event: event!, stored };
}

const implementations: [string, (clock: { now: number }, path?: string) => EventStore][] = [
  ['memory', (clock) => new MemoryEventStore(() => clock.now)],
  ['sqlite', (clock, path) => new SqliteEventStore({ path: path ?? tempFile(), now: () => clock.now })],
];

describe.each(implementations)('event log (%s)', (_name, make) => {
  const opened: EventStore[] = [];
  const open = async (clock = { now: 0 }, path?: string) => {
    const store = make(clock, path);
    await store.open();
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('gives strictly increasing sequence numbers in commit order, also to concurrent commits', async () => {
    const store = await open();
    const commits = Array.from({ length: 20 }, (_, i) => {
      const a = change('acct', `job-${i}`, 'CREATING');
      const b = change('acct', `job-${i}`, 'SHIPPING', a.stored);
      return store.commit({ account: 'acct', events: [a.event, b.event], upserts: [b.stored], removals: [] });
    });
    const results = await Promise.all(commits);
    const seqs = results.flat().map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const read = await store.readAfter(0, 1_000);
    expect(read.map((e) => e.seq)).toEqual(seqs);
    expect(read[1]).toMatchObject({ nativeId: 'job-0', kind: 'STATE_CHANGED', previousState: 'CREATING' });
    expect(await store.bounds()).toEqual({ prunedThrough: 0, latest: 40 });
  });

  it('replays after a position, exclusive, in pages', async () => {
    const store = await open();
    for (let i = 0; i < 7; i++) {
      const c = change('acct', `job-${i}`, 'CREATING');
      await store.commit({ account: 'acct', events: [c.event], upserts: [c.stored], removals: [] });
    }
    expect((await store.readAfter(3, 2)).map((e) => e.seq)).toEqual([4, 5]);
    expect((await store.readAfter(5, 100)).map((e) => e.nativeId)).toEqual(['job-5', 'job-6']);
    expect(await store.readAfter(7, 100)).toEqual([]);
  });

  it('stores jobs and baselines with the events, and removes jobs', async () => {
    const store = await open();
    const a = change('acct', 'a', 'CREATING');
    const b = change('acct', 'b', 'TRANSFERRING');
    await store.commit({ account: 'acct', events: [], upserts: [a.stored, b.stored], removals: [], baseline: true });
    expect(await store.loadAccount('other')).toEqual({ baselined: false, jobs: [] });
    const loaded = await store.loadAccount('acct');
    expect(loaded.baselined).toBe(true);
    expect(loaded.jobs.map((j) => j.nativeId).sort()).toEqual(['a', 'b']);
    await store.commit({ account: 'acct', events: [], upserts: [], removals: ['a'] });
    const [gone, kept] = await store.jobs([
      { account: 'acct', nativeId: 'a' },
      { account: 'acct', nativeId: 'b' },
    ]);
    expect(gone).toBeUndefined();
    expect(kept).toMatchObject({ nativeId: 'b', state: 'TRANSFERRING' });
  });

  it('keeps state transitions per job, oldest first, for history', async () => {
    const store = await open();
    let previous: StoredJob | undefined;
    for (const state of ['CREATING', 'SHIPPING', 'RECEIVED'] as const) {
      const c = change('acct', 'job', state, previous);
      previous = c.stored;
      await store.commit({ account: 'acct', events: [c.event], upserts: [c.stored], removals: [] });
    }
    const progress = diffJob(previous, {
      account: 'acct',
      provider: 'fake',
      snapshot: snapshot('job', 'RECEIVED', {
        progress: { percent: 5, bytesTransferred: null, itemsProcessed: null, message: null },
      }),
      observedAtMs: 2_000,
      afterGap: false,
    });
    await store.commit({ account: 'acct', events: [progress.event!], upserts: [progress.stored], removals: [] });
    const [history] = await store.transitions([{ account: 'acct', nativeId: 'job' }]);
    expect(history!.map((t) => [t.from, t.to])).toEqual([
      [null, 'CREATING'],
      ['CREATING', 'SHIPPING'],
      ['SHIPPING', 'RECEIVED'],
    ]);
  });

  it('prunes by retention: old events are no longer replayed, history of existing jobs stays', async () => {
    const clock = { now: 1_000 };
    const store = await open(clock);
    const a1 = change('acct', 'a', 'CREATING');
    const b1 = change('acct', 'b', 'CREATING');
    await store.commit({
      account: 'acct',
      events: [a1.event, b1.event],
      upserts: [a1.stored, b1.stored],
      removals: [],
    });
    const a2 = change('acct', 'a', 'SHIPPING', a1.stored);
    await store.commit({ account: 'acct', events: [a2.event], upserts: [a2.stored], removals: ['b'] });
    clock.now = 10_000;
    const a3 = change('acct', 'a', 'RECEIVED', a2.stored);
    await store.commit({ account: 'acct', events: [a3.event], upserts: [a3.stored], removals: [] });

    await store.prune(5_000);
    expect(await store.bounds()).toEqual({ prunedThrough: 3, latest: 4 });
    expect((await store.readAfter(0, 100)).map((e) => e.seq)).toEqual([4]);
    const [historyA, historyB] = await store.transitions([
      { account: 'acct', nativeId: 'a' },
      { account: 'acct', nativeId: 'b' },
    ]);
    expect(historyA!.map((t) => t.to)).toEqual(['CREATING', 'SHIPPING', 'RECEIVED']);
    expect(historyB).toEqual([]); // b no longer exists: its history went with the pruned events

    // Pruning again with the same cutoff changes nothing; sequence numbers are never reused.
    await store.prune(5_000);
    const a4 = change('acct', 'a', 'TRANSFERRING', a3.stored);
    const [record] = await store.commit({ account: 'acct', events: [a4.event], upserts: [a4.stored], removals: [] });
    expect(record!.seq).toBe(5);
  });

  it('caps history at the newest MAX_HISTORY transitions', async () => {
    const store = await open();
    let previous: StoredJob | undefined;
    const events: NewJobEvent[] = [];
    for (let i = 0; i < MAX_HISTORY + 5; i++) {
      const c = change('acct', 'flappy', i % 2 ? 'TRANSFERRING' : 'RECEIVED', previous);
      previous = c.stored;
      events.push(c.event);
    }
    await store.commit({ account: 'acct', events, upserts: [previous!], removals: [] });
    const [history] = await store.transitions([{ account: 'acct', nativeId: 'flappy' }]);
    expect(history).toHaveLength(MAX_HISTORY);
    expect(history!.at(-1)!.to).toBe(events.at(-1)!.state);
  });
});

describe('event log (sqlite) durability', () => {
  it('keeps its id, events, jobs and sequence across a reopen', async () => {
    const path = tempFile();
    const first = new SqliteEventStore({ path });
    await first.open();
    const a = change('acct', 'a', 'CREATING');
    await first.commit({ account: 'acct', events: [a.event], upserts: [a.stored], removals: [], baseline: true });
    const logId = first.logId;
    await first.close();

    const second = new SqliteEventStore({ path });
    await second.open();
    try {
      expect(second.logId).toBe(logId);
      expect(await second.loadAccount('acct')).toMatchObject({ baselined: true, jobs: [{ nativeId: 'a' }] });
      const b = change('acct', 'a', 'SHIPPING', a.stored);
      const [record] = await second.commit({ account: 'acct', events: [b.event], upserts: [b.stored], removals: [] });
      expect(record!.seq).toBe(2);
      expect((await second.readAfter(0, 10)).map((e) => e.state)).toEqual(['CREATING', 'SHIPPING']);
    } finally {
      await second.close();
    }
  });

  it('applies nothing of a commit that fails half way', async () => {
    const store = new SqliteEventStore({ path: tempFile() });
    await store.open();
    try {
      const a = change('acct', 'a', 'CREATING');
      const bad = { ...change('acct', 'b', 'CREATING').stored, observedAtMs: 1n as unknown as number }; // not JSON
      await expect(
        store.commit({ account: 'acct', events: [a.event], upserts: [a.stored, bad], removals: [], baseline: true }),
      ).rejects.toThrow();
      expect(await store.readAfter(0, 10)).toEqual([]);
      expect(await store.loadAccount('acct')).toEqual({ baselined: false, jobs: [] });
      // The connection is usable afterwards, and the failed commit's sequence number was rolled back too.
      const [record] = await store.commit({ account: 'acct', events: [a.event], upserts: [a.stored], removals: [] });
      expect(record!.seq).toBe(1);
    } finally {
      await store.close();
    }
  });
});
