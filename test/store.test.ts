/**
 * The store contract, run against every implementation: the event log (ordering, atomic sequence numbers,
 * retention with history kept, replay), the job index (filters, order, cursors, exact counts, observedAt),
 * poll state, idempotency keys with expiry; and for SQLite durability across a reopen, atomicity of a failed
 * commit, the migration of a previous version's file and the refusal of a newer one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import sqlite3 from 'sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { diffJob } from '../src/events/diff.js';
import type { NewJobEvent, StoredJob } from '../src/events/types.js';
import type { JobState, JobType } from '../src/sdk/model.js';
import {
  type GatewayStore,
  LeaseLostError,
  MAX_HISTORY,
  MemoryStore,
  POSTGRES_SCHEMA_VERSION,
  PostgresStore,
  SCHEMA_VERSION,
  SqliteStore,
  StoreVersionError,
} from '../src/store/index.js';
import { snapshot } from './helpers/jobs.js';
import { createTestDatabase, postgresUnavailable, stopPostgres, type TestDatabase } from './helpers/postgres.js';

const dirs: string[] = [];
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'crossdock-store-'));
  dirs.push(dir);
  return join(dir, 'store.sqlite');
};
const databases: TestDatabase[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  await Promise.all(databases.splice(0).map((d) => d.drop()));
});
afterAll(stopPostgres);

/** A new PostgreSQL database, dropped after the test. */
async function tempDatabase(): Promise<string> {
  const database = await createTestDatabase();
  databases.push(database);
  return database.url;
}

const noPostgres = postgresUnavailable();
if (noPostgres) console.warn(noPostgres);

/** An event + index row for `nativeId` going to `state`, built by the real diff. */
function change(
  account: string,
  nativeId: string,
  state: JobState | null,
  previous?: StoredJob,
  at = 1_000,
  extra: Parameters<typeof snapshot>[2] = {},
): { event: NewJobEvent; stored: StoredJob } {
  const { event, stored } = diffJob(previous, {
    account,
    provider: 'fake',
    snapshot: snapshot(nativeId, state, extra),
    observedAtMs: at,
    afterGap: false,
  });
  return { event: event!, stored };
}

/** Commits `count` transitions of job `flappy` back and forth between two states, in one commit; returns them. */
async function commitFlapping(store: GatewayStore, count: number): Promise<NewJobEvent[]> {
  let previous: StoredJob | undefined;
  const events: NewJobEvent[] = [];
  for (let i = 0; i < count; i++) {
    const c = change('acct', 'flappy', i % 2 ? 'TRANSFERRING' : 'RECEIVED', previous);
    previous = c.stored;
    events.push(c.event);
  }
  await store.commit({ account: 'acct', events, upserts: [previous!], removals: [] });
  return events;
}

type MakeStore = (clock: { now: number }) => Promise<GatewayStore>;
const implementations: [string, MakeStore][] = [
  ['memory', async (clock) => new MemoryStore(() => clock.now)],
  ['sqlite', async (clock) => new SqliteStore({ path: tempFile(), now: () => clock.now })],
];
if (!noPostgres) {
  implementations.push([
    'postgres',
    async (clock) => new PostgresStore({ url: await tempDatabase(), now: () => clock.now }),
  ]);
}

describe.each(implementations)('store (%s)', (_name, make) => {
  const opened: GatewayStore[] = [];
  const open = async (clock = { now: 0 }) => {
    const store = await make(clock);
    await store.open();
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  describe('event log', () => {
    it('gives strictly increasing sequence numbers in commit order, also to concurrent commits', async () => {
      const store = await open();
      const commits = Array.from({ length: 20 }, (_, i) => {
        const a = change('acct', `job-${i}`, 'CREATING');
        const b = change('acct', `job-${i}`, 'SHIPPING', a.stored);
        return store.commit({ account: 'acct', events: [a.event, b.event], upserts: [b.stored], removals: [] });
      });
      const results = await Promise.all(commits);
      // Commits that run at the same time may commit in any order (a pool of connections), but each one's
      // events are consecutive, and together they number 1 to 40 without a gap.
      for (const records of results) expect(records[1]!.seq).toBe(records[0]!.seq + 1);
      const seqs = results.flat().map((e) => e.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const read = await store.readAfter(0, 1_000);
      expect(read.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const firstOfJob0 = results[0]![0]!.seq;
      expect(read[firstOfJob0]).toMatchObject({ nativeId: 'job-0', kind: 'STATE_CHANGED', previousState: 'CREATING' });
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

    it('keeps state transitions per job, oldest first, for history', async () => {
      const store = await open();
      let previous: StoredJob | undefined;
      for (const state of ['CREATING', 'SHIPPING', 'RECEIVED'] as const) {
        const c = change('acct', 'job', state, previous);
        previous = c.stored;
        await store.commit({ account: 'acct', events: [c.event], upserts: [c.stored], removals: [] });
      }
      const progress = change('acct', 'job', 'RECEIVED', previous, 2_000, {
        progress: { percent: 5, bytesTransferred: null, itemsProcessed: null, message: null },
      });
      await store.commit({ account: 'acct', events: [progress.event], upserts: [progress.stored], removals: [] });
      const [history, none] = await store.transitions([
        { account: 'acct', nativeId: 'job' },
        { account: 'acct', nativeId: 'other' },
      ]);
      expect(history!.map((t) => [t.from, t.to])).toEqual([
        [null, 'CREATING'],
        ['CREATING', 'SHIPPING'],
        ['SHIPPING', 'RECEIVED'],
      ]);
      expect(none).toEqual([]);
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
      const events = await commitFlapping(store, MAX_HISTORY + 5);
      const [history] = await store.transitions([{ account: 'acct', nativeId: 'flappy' }]);
      expect(history).toHaveLength(MAX_HISTORY);
      expect(history!.at(-1)!.to).toBe(events.at(-1)!.state);
      expect(history![0]!.to).toBe(events[5]!.state);
    });
  });

  describe('job index', () => {
    /** 30 jobs over 3 accounts: states, types and creation times vary; two have no creation time. */
    async function seeded() {
      const store = await open();
      const states: JobState[] = ['CREATING', 'TRANSFERRING', 'COMPLETED'];
      const expected: StoredJob[] = [];
      for (const account of ['a', 'b', 'c']) {
        const rows = Array.from({ length: 10 }, (_, i) => {
          const createdAt = i === 9 ? null : new Date(Date.UTC(2026, 0, 1 + (i % 5), i)).toISOString();
          const type: JobType = i % 2 ? 'EXPORT' : 'IMPORT';
          return change(account, `${account}-${i}`, states[i % 3]!, undefined, 1_000, {
            createdAt,
            type,
            updatedAt: i === 3 ? '2026-06-01T00:00:00.000Z' : null,
          }).stored;
        });
        expected.push(...rows);
        await store.commit({ account, events: [], upserts: rows, removals: [], baseline: true });
      }
      return { store, expected };
    }
    /** The order the contract promises, computed independently of the store. */
    const byOrder = (rows: StoredJob[]) =>
      [...rows].sort((x, y) => {
        const cx = x.snapshot.createdAt ? Date.parse(x.snapshot.createdAt) : -1;
        const cy = y.snapshot.createdAt ? Date.parse(y.snapshot.createdAt) : -1;
        return cy - cx || (x.id < y.id ? -1 : 1);
      });

    it('pages every job once in order: newest createdAt first, unknown ones last, ties by id', async () => {
      const { store, expected } = await seeded();
      const accounts = ['a', 'b', 'c'];
      const seen: string[] = [];
      let after: { sortMs: number; id: string } | undefined;
      for (let page = 0; page < 20; page++) {
        const result = await store.findJobs({ accounts, first: 7, after });
        expect(result.totalCount).toBe(30);
        seen.push(...result.jobs.map((j) => j.nativeId));
        const last = result.jobs.at(-1);
        if (!result.hasNextPage) break;
        after = { sortMs: last!.snapshot.createdAt ? Date.parse(last!.snapshot.createdAt) : -1, id: last!.id };
      }
      expect(seen).toEqual(byOrder(expected).map((j) => j.nativeId));
      expect(seen.slice(-3).sort()).toEqual(['a-9', 'b-9', 'c-9']);
    });

    it('filters by account, state, type and update time, with exact counts', async () => {
      const { store, expected } = await seeded();
      const query = {
        accounts: ['a', 'c'],
        states: ['CREATING', 'COMPLETED'] as JobState[],
        types: ['IMPORT'] as JobType[],
        first: 100,
      };
      const match = (j: StoredJob) =>
        ['a', 'c'].includes(j.account) && ['CREATING', 'COMPLETED'].includes(j.state!) && j.snapshot.type === 'IMPORT';
      const result = await store.findJobs(query);
      expect(result.jobs.map((j) => j.nativeId)).toEqual(byOrder(expected.filter(match)).map((j) => j.nativeId));
      expect(result.totalCount).toBe(expected.filter(match).length);
      expect(result.hasNextPage).toBe(false);

      const small = await store.findJobs({ ...query, first: 2 });
      expect(small).toMatchObject({ totalCount: result.totalCount, hasNextPage: true });
      expect(small.jobs).toHaveLength(2);

      // updatedSince: the update time where there is one, else the creation time.
      const since = await store.findJobs({
        accounts: ['b'],
        updatedSinceMs: Date.parse('2026-01-05T00:00:00Z'),
        first: 100,
      });
      expect(since.jobs.map((j) => j.nativeId).sort()).toEqual(['b-3', 'b-4']);
      expect(await store.findJobs({ accounts: [], first: 10 })).toEqual({
        jobs: [],
        hasNextPage: false,
        totalCount: 0,
      });
    });

    it('returns rows with their state, timestamps and snapshot; moves observedAt of jobs seen again', async () => {
      const store = await open();
      const a = change('acct', 'a', 'CREATING', undefined, 1_000);
      await store.commit({ account: 'acct', events: [a.event], upserts: [a.stored], removals: [] });
      await store.commit({
        account: 'acct',
        events: [],
        upserts: [],
        removals: [],
        seen: { nativeIds: ['a', 'x'], observedAtMs: 5_000 },
      });
      // An older report never moves it back.
      await store.commit({
        account: 'acct',
        events: [],
        upserts: [],
        removals: [],
        seen: { nativeIds: ['a'], observedAtMs: 3_000 },
      });
      const [row, missing] = await store.getJobs([
        { account: 'acct', nativeId: 'a' },
        { account: 'acct', nativeId: 'x' },
      ]);
      expect(row).toEqual({ ...a.stored, observedAtMs: 5_000 });
      expect(missing).toBeUndefined();

      const b = change('acct', 'b', null, undefined, 2_000);
      await store.commit({ account: 'acct', events: [], upserts: [b.stored], removals: ['a'] });
      expect((await store.findJobs({ accounts: ['acct'], first: 10 })).jobs.map((j) => [j.nativeId, j.state])).toEqual([
        ['b', null],
      ]);
      const loaded = await store.loadAccount('acct');
      expect(loaded.jobs).toEqual([b.stored]);
    });

    it('counts jobs by account and state, unknown states included', async () => {
      const { store } = await seeded();
      const unknown = change('c', 'c-x', null, undefined, 1_000).stored;
      await store.commit({ account: 'c', events: [], upserts: [unknown], removals: [] });
      const counts = await store.countJobs(['a', 'c', 'nobody']);
      const sorted = counts.map((c) => `${c.account}/${c.state}=${c.count}`).sort();
      // 10 jobs per account, states CREATING, TRANSFERRING, COMPLETED by i % 3: 4, 3, 3.
      expect(sorted).toEqual([
        'a/COMPLETED=3',
        'a/CREATING=4',
        'a/TRANSFERRING=3',
        'c/COMPLETED=3',
        'c/CREATING=4',
        'c/TRANSFERRING=3',
        'c/null=1',
      ]);
      expect(await store.countJobs([])).toEqual([]);
    });

    it('reads the stats columns of jobs that had not ended before a time', async () => {
      const store = await open();
      const progress = { percent: 50, bytesTransferred: 5e12, itemsProcessed: 7, message: null };
      // Ended at 1 000 (before the cut), ended at 9 000 (after), still running, without a creation time.
      const ended = change('acct', 'ended-early', 'COMPLETED', undefined, 1_000).stored;
      const late = change('acct', 'ended-late', 'FAILED', undefined, 9_000, { progress }).stored;
      const running = change('acct', 'running', 'TRANSFERRING', undefined, 2_000, { createdAt: null }).stored;
      const other = change('other', 'elsewhere', 'CREATING', undefined, 2_000).stored;
      await store.commit({ account: 'acct', events: [], upserts: [ended, late, running], removals: [] });
      await store.commit({ account: 'other', events: [], upserts: [other], removals: [] });
      const facts = await store.jobFacts({ accounts: ['acct'], finishedSinceMs: 5_000 });
      expect(facts.sort((x, y) => x.nativeId.localeCompare(y.nativeId))).toEqual([
        {
          account: 'acct',
          nativeId: 'ended-late',
          provider: 'fake',
          state: 'FAILED',
          stateChangedAt: new Date(9_000).toISOString(),
          createdMs: Date.parse('2026-01-01T00:00:00.000Z'),
          bytesTransferred: 5e12,
          itemsProcessed: 7,
        },
        {
          account: 'acct',
          nativeId: 'running',
          provider: 'fake',
          state: 'TRANSFERRING',
          stateChangedAt: new Date(2_000).toISOString(),
          createdMs: null,
          bytesTransferred: null,
          itemsProcessed: null,
        },
      ]);
      expect((await store.jobFacts({ accounts: ['acct'], finishedSinceMs: 0 })).length).toBe(3);
      expect(await store.jobFacts({ accounts: [], finishedSinceMs: 0 })).toEqual([]);
    });

    it('keeps poll state: baseline, complete rounds, failed rounds', async () => {
      const store = await open();
      expect(await store.loadAccount('acct')).toEqual({
        poll: {
          baselined: false,
          lastRoundStartedMs: null,
          lastCompleteRoundMs: null,
          failedRounds: 0,
          lastFailure: null,
        },
        jobs: [],
      });
      await store.commit({
        account: 'acct',
        events: [],
        upserts: [],
        removals: [],
        baseline: true,
        round: { startedMs: 10, completedMs: 20 },
      });
      const failure = { atMs: 30, code: 'RATE_LIMITED' as const, message: 'slow down', retryAfterSeconds: 3 };
      await store.recordRoundFailure('acct', failure);
      await store.recordRoundFailure('acct', { ...failure, atMs: 40 });
      expect((await store.loadAccount('acct')).poll).toEqual({
        baselined: true,
        lastRoundStartedMs: 10,
        lastCompleteRoundMs: 20,
        failedRounds: 2,
        lastFailure: { ...failure, atMs: 40 },
      });
      await store.commit({
        account: 'acct',
        events: [],
        upserts: [],
        removals: [],
        round: { startedMs: 50, completedMs: 60 },
      });
      expect((await store.loadAccount('acct')).poll).toMatchObject({ failedRounds: 0, lastCompleteRoundMs: 60 });
      expect((await store.loadAccount('other')).poll.baselined).toBe(false);
    });
  });

  it('decides a planned commit against the rows as they are inside its transaction', async () => {
    const store = await open();
    const a = change('acct', 'a', 'CREATING');
    await store.commit({ account: 'acct', events: [a.event], upserts: [a.stored], removals: [] });
    const seen: string[][] = [];
    const records = await store.commit({
      account: 'acct',
      read: ['a', 'b'],
      build(current) {
        seen.push([...current.keys()]);
        const next = change('acct', 'a', 'SHIPPING', current.get('a'));
        return { account: 'acct', events: [next.event], upserts: [next.stored], removals: [] };
      },
    });
    expect(seen).toEqual([['a']]);
    expect(records).toMatchObject([{ seq: 2, kind: 'STATE_CHANGED', previousState: 'CREATING', state: 'SHIPPING' }]);
    expect((await store.getJobs([{ account: 'acct', nativeId: 'a' }]))[0]?.state).toBe('SHIPPING');
  });

  it('reports the newest sequence number given even when every event was pruned', async () => {
    const clock = { now: 1_000 };
    const store = await open(clock);
    const a = change('acct', 'a', 'CREATING');
    await store.commit({ account: 'acct', events: [a.event], upserts: [], removals: [] });
    clock.now = 10_000;
    await store.prune(5_000);
    expect(await store.bounds()).toEqual({ prunedThrough: 1, latest: 1 });
    expect(await store.readAfter(0, 10)).toEqual([]);
  });

  it('keeps idempotency keys per account until they expire', async () => {
    const store = await open();
    const record = { fingerprint: 'f1', at: '2026-01-01T00:00:00.000Z', snapshot: snapshot('j', 'CREATING') };
    await store.putIdempotencyKey('acct', 'key', record, 1_000);
    expect(await store.getIdempotencyKey('acct', 'key', 999)).toEqual(record);
    expect(await store.getIdempotencyKey('other', 'key', 999)).toBeUndefined();
    expect(await store.getIdempotencyKey('acct', 'key', 1_000)).toBeUndefined();
    await store.putIdempotencyKey('acct', 'gone', record, 5_000);
    await store.deleteIdempotencyKey('acct', 'gone');
    expect(await store.getIdempotencyKey('acct', 'gone', 0)).toBeUndefined();
  });

  it('lets one claim of an idempotency key win: absent or expired keys, or exactly the record read', async () => {
    const store = await open();
    const first = { fingerprint: 'f1', at: '2026-01-01T00:00:00.000Z', attemptAt: '2026-01-01T00:00:00.000Z' };
    const second = { ...first, attemptAt: '2026-01-01T00:00:01.000Z' };
    // Two claims of a fresh key at once: exactly one writes.
    const claims = await Promise.all([
      store.claimIdempotencyKey('acct', 'key', first, 10_000, 0),
      store.claimIdempotencyKey('acct', 'key', second, 10_000, 0),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = claims[0] ? first : second;
    expect(await store.getIdempotencyKey('acct', 'key', 0)).toEqual(winner);
    // A claim over the record read succeeds once; a second one over the same, now stale, record fails.
    const ended = { fingerprint: 'f1', at: first.at };
    expect(await store.claimIdempotencyKey('acct', 'key', ended, 10_000, 0, winner)).toBe(true);
    expect(await store.claimIdempotencyKey('acct', 'key', second, 10_000, 0, winner)).toBe(false);
    expect(await store.getIdempotencyKey('acct', 'key', 0)).toEqual(ended);
    // Without `previous` a live key is never overwritten; an expired one is free again.
    expect(await store.claimIdempotencyKey('acct', 'key', first, 20_000, 9_999)).toBe(false);
    expect(await store.claimIdempotencyKey('acct', 'key', first, 20_000, 10_000)).toBe(true);
    expect(await store.getIdempotencyKey('acct', 'key', 10_000)).toEqual(first);
  });

  it('purges expired idempotency keys and keeps live ones', async () => {
    const store = await open();
    const record = { fingerprint: 'f1', at: '2026-01-01T00:00:00.000Z' };
    const expired = Array.from({ length: 500 }, (_, i) => ({
      account: `acct-${i % 2}`,
      key: `old-${i}`,
      expires: 1_000 + i,
    }));
    const live = Array.from({ length: 10 }, (_, i) => ({ account: `acct-${i % 2}`, key: `new-${i}`, expires: 2_000 }));
    for (const k of [...expired, ...live]) await store.putIdempotencyKey(k.account, k.key, record, k.expires);
    // Read "as of" before any expiry, a row answers as long as it is stored: all 510 are, expired or not.
    const stored = async (keys: typeof expired) =>
      (await Promise.all(keys.map((k) => store.getIdempotencyKey(k.account, k.key, 0)))).filter(Boolean).length;
    expect(await stored([...expired, ...live])).toBe(510);

    // Expiry times 1,000 … 1,499: half of them have expired by 1,249.
    expect(await store.purgeExpired(1_249)).toEqual({ idempotencyKeys: 250 });
    expect(await stored(expired)).toBe(250);
    expect(await store.purgeExpired(1_999)).toEqual({ idempotencyKeys: 250 });
    expect(await stored(expired)).toBe(0);
    expect(await stored(live)).toBe(10);
    expect(await store.getIdempotencyKey('acct-1', 'new-1', 1_999)).toEqual(record);
    expect(await store.purgeExpired(1_999)).toEqual({ idempotencyKeys: 0 });
  });
});

/** Writes a database file with sqlite3 directly (as another program, or an older crossdock, would). */
async function writeDatabase(path: string, sql: string): Promise<void> {
  const db = new sqlite3.Database(path);
  await new Promise<void>((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
  await new Promise<void>((resolve) => db.close(() => resolve()));
}

describe('store (sqlite) on disk', () => {
  it('keeps its id, events, rows and sequence across a reopen', async () => {
    const path = tempFile();
    const first = new SqliteStore({ path });
    await first.open();
    const a = change('acct', 'a', 'CREATING');
    await first.commit({ account: 'acct', events: [a.event], upserts: [a.stored], removals: [], baseline: true });
    const logId = first.logId;
    await first.close();

    const second = new SqliteStore({ path });
    await second.open();
    try {
      expect(second.logId).toBe(logId);
      expect(await second.loadAccount('acct')).toMatchObject({ poll: { baselined: true }, jobs: [{ nativeId: 'a' }] });
      const b = change('acct', 'a', 'SHIPPING', a.stored);
      const [record] = await second.commit({ account: 'acct', events: [b.event], upserts: [b.stored], removals: [] });
      expect(record!.seq).toBe(2);
      expect((await second.readAfter(0, 10)).map((e) => e.state)).toEqual(['CREATING', 'SHIPPING']);
    } finally {
      await second.close();
    }
  });

  it("keeps only a job's newest MAX_HISTORY transitions once they are past retention", async () => {
    const path = tempFile();
    const clock = { now: 1_000 };
    const store = new SqliteStore({ path, now: () => clock.now });
    await commitFlapping(store, MAX_HISTORY + 20);
    const [before] = await store.transitions([{ account: 'acct', nativeId: 'flappy' }]);
    clock.now = 10_000;
    await store.prune(5_000);
    expect(await store.transitions([{ account: 'acct', nativeId: 'flappy' }])).toEqual([before]);
    await store.close();
    // What the file holds, read as another program would: the history the gateway shows, nothing older.
    const db = new sqlite3.Database(path, sqlite3.OPEN_READONLY);
    const row = await new Promise<{ n: number }>((resolve, reject) =>
      db.get("SELECT COUNT(*) AS n FROM crossdock_events WHERE native_id = 'flappy'", (error, r: { n: number }) =>
        error ? reject(error) : resolve(r),
      ),
    );
    await new Promise<void>((resolve) => db.close(() => resolve()));
    expect(row.n).toBe(MAX_HISTORY);
  });

  it('applies nothing of a commit that fails half way', async () => {
    const store = new SqliteStore({ path: tempFile() });
    await store.open();
    try {
      const a = change('acct', 'a', 'CREATING');
      const bad = { ...change('acct', 'b', 'CREATING').stored, snapshot: { big: 1n } as never }; // not JSON
      await expect(
        store.commit({ account: 'acct', events: [a.event], upserts: [a.stored, bad], removals: [], baseline: true }),
      ).rejects.toThrow(/BigInt/);
      expect(await store.readAfter(0, 10)).toEqual([]);
      expect(await store.loadAccount('acct')).toMatchObject({ poll: { baselined: false }, jobs: [] });
      // The connection is usable afterwards, and the failed commit's sequence number was rolled back too.
      const [record] = await store.commit({ account: 'acct', events: [a.event], upserts: [a.stored], removals: [] });
      expect(record!.seq).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("migrates the previous version's file: events, jobs, baselines and idempotency keys carry over", async () => {
    const path = tempFile();
    // Version 1 as crossdock 0.1 wrote it: its event log tables, one JSON body per job, keyv for keys.
    const a = change('acct', 'a', 'TRANSFERRING');
    const { id: _id, provider: _p, listingHash: _h, ...v1Job } = a.stored;
    await writeDatabase(
      path,
      `CREATE TABLE crossdock_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
       INSERT INTO crossdock_meta VALUES ('log_id', 'old-log');
       CREATE TABLE crossdock_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, logged_ms INTEGER NOT NULL, account TEXT NOT NULL,
         native_id TEXT NOT NULL, kind TEXT NOT NULL, transition TEXT NOT NULL, body TEXT);
       INSERT INTO crossdock_events (logged_ms, account, native_id, kind, transition, body) VALUES
         (1, 'acct', 'a', 'CREATED', '${JSON.stringify({ from: null, to: 'TRANSFERRING', providerState: 'x', at: a.event.at, afterGap: false })}',
          '${JSON.stringify(a.event)}');
       CREATE TABLE crossdock_jobs (account TEXT NOT NULL, native_id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (account, native_id));
       INSERT INTO crossdock_jobs VALUES ('acct', 'a', '${JSON.stringify(v1Job)}');
       CREATE TABLE crossdock_accounts (account TEXT PRIMARY KEY, baselined_at TEXT NOT NULL);
       INSERT INTO crossdock_accounts VALUES ('acct', '2026-01-01T00:00:00.000Z');`,
    );
    const kv = new Keyv({
      store: new KeyvSqlite({ uri: `sqlite://${path}`, table: 'keyv_idempotency' }),
      namespace: 'idempotency',
    });
    const record = { fingerprint: 'f', at: '2026-01-01T00:00:00.000Z' };
    await kv.set('acct\nmy-key', record, 60_000);
    await kv.disconnect();

    const store = new SqliteStore({ path });
    await store.open();
    try {
      expect(store.logId).toBe('old-log'); // cursors handed out before the upgrade stay valid
      expect(await store.loadAccount('acct')).toEqual({
        poll: expect.objectContaining({ baselined: true }),
        jobs: [{ ...a.stored, provider: 'fake' }],
      });
      expect((await store.findJobs({ accounts: ['acct'], states: ['TRANSFERRING'], first: 5 })).totalCount).toBe(1);
      expect(await store.getIdempotencyKey('acct', 'my-key', Date.now())).toEqual(record);
      expect((await store.transitions([{ account: 'acct', nativeId: 'a' }]))[0]).toHaveLength(1);
      const b = change('acct', 'a', 'PACKAGING', a.stored);
      const [next] = await store.commit({ account: 'acct', events: [b.event], upserts: [b.stored], removals: [] });
      expect(next!.seq).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('refuses a file of a newer version, and a file that is not a crossdock store', async () => {
    const newer = tempFile();
    await writeDatabase(
      newer,
      `CREATE TABLE crossdock_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
       INSERT INTO crossdock_meta VALUES ('schema_version', '${SCHEMA_VERSION + 1}');`,
    );
    await expect(new SqliteStore({ path: newer }).open()).rejects.toThrow(StoreVersionError);
    await expect(new SqliteStore({ path: newer }).open()).rejects.toThrow(/newer crossdock/);

    const foreign = tempFile();
    await writeDatabase(foreign, 'CREATE TABLE invoices (id INTEGER)');
    await expect(new SqliteStore({ path: foreign }).open()).rejects.toThrow(/not a crossdock store/);
  });
});

describe.each([
  ['memory', async () => new MemoryStore()],
  ['sqlite', async () => new SqliteStore({ path: tempFile() })],
] as const)('store (%s) serves one instance', (_name, make) => {
  it('is the only instance and holds every lease, whoever else asks', async () => {
    const store = await make();
    await store.open();
    try {
      expect(store.shared).toBe(false);
      expect(await store.heartbeat('me', 1_000)).toEqual({ instances: ['me'], leases: [] });
      const token = await store.acquireLease('acct', 'me', 1_000);
      expect(token).not.toBeNull();
      expect(await store.acquireLease('acct', 'someone-else', 1_000)).toBe(token);
      // Its fence never refuses: no other instance can have taken the account.
      const a = change('acct', 'a', 'CREATING');
      await store.commit({ account: 'acct', events: [a.event], upserts: [a.stored], removals: [], fence: token! });
      expect(await store.loadPollState('acct')).toMatchObject({ baselined: false });
    } finally {
      await store.close();
    }
  });
});

describe.skipIf(noPostgres)('store (postgres) shared by instances', () => {
  const stores: PostgresStore[] = [];
  /** Two stores on one database: two gateway instances. */
  async function instances(count = 2): Promise<PostgresStore[]> {
    const url = await tempDatabase();
    const made = Array.from({ length: count }, () => new PostgresStore({ url }));
    stores.push(...made);
    // Started together: the migration runs once, under its lock, and both see the same log.
    await Promise.all(made.map((s) => s.open()));
    return made;
  }
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('migrates once when instances start together; both share one log', async () => {
    const [a, b] = await instances(3);
    expect(a!.shared).toBe(true);
    expect(a!.logId).toMatch(/^[0-9a-f-]{36}$/);
    expect(b!.logId).toBe(a!.logId);
    const created = change('acct', 'x', 'CREATING');
    const [record] = await a!.commit({
      account: 'acct',
      events: [created.event],
      upserts: [created.stored],
      removals: [],
    });
    expect(await b!.readAfter(0, 10)).toEqual([record]);
    expect((await b!.getJobs([{ account: 'acct', nativeId: 'x' }]))[0]).toEqual(created.stored);
  });

  it('gives one global order to concurrent commits of several instances', async () => {
    const [a, b] = await instances();
    const commits = Array.from({ length: 30 }, (_, i) => {
      const c = change(`acct-${i % 3}`, `job-${i}`, 'CREATING');
      return (i % 2 ? a! : b!).commit({
        account: c.event.account,
        events: [c.event],
        upserts: [c.stored],
        removals: [],
      });
    });
    const seqs = (await Promise.all(commits)).flat().map((e) => e.seq);
    expect(new Set(seqs).size).toBe(30);
    const read = await b!.readAfter(0, 100);
    expect(read.map((e) => e.seq)).toEqual([...seqs].sort((x, y) => x - y));
    expect(await a!.bounds()).toEqual({ prunedThrough: 0, latest: Math.max(...seqs) });
  });

  it('gives a lease to one instance at a time, to another once it expires, with a higher token', async () => {
    const [a, b] = await instances();
    const first = await a!.acquireLease('acct', 'instance-a', 1_000);
    expect(first).not.toBeNull();
    expect(await b!.acquireLease('acct', 'instance-b', 1_000)).toBeNull();
    expect(await a!.acquireLease('acct', 'instance-a', 300)).toBe(first); // renewed: the same token

    const view = await b!.heartbeat('instance-b', 5_000);
    expect(view.instances).toEqual(['instance-b']);
    expect(view.leases).toEqual([{ account: 'acct', owner: 'instance-a', expiresInMs: expect.any(Number) }]);
    expect(view.leases[0]!.expiresInMs).toBeLessThanOrEqual(300);
    await a!.heartbeat('instance-a', 5_000);
    expect((await b!.heartbeat('instance-b', 5_000)).instances).toEqual(['instance-a', 'instance-b']);

    let second: number | null = null;
    for (let i = 0; i < 100 && second === null; i++) {
      second = await b!.acquireLease('acct', 'instance-b', 1_000);
      if (second === null) await new Promise((r) => setTimeout(r, 20));
    }
    expect(second).toBeGreaterThan(first!);
    expect(await a!.acquireLease('acct', 'instance-a', 1_000)).toBeNull();

    // Released (a graceful stop): free at once, and the next holder's token is higher still.
    await b!.releaseLeases('instance-b');
    expect(await b!.heartbeat('instance-a', 5_000)).toMatchObject({ instances: ['instance-a'], leases: [] });
    expect(await a!.acquireLease('acct', 'instance-a', 1_000)).toBeGreaterThan(second!);
  });

  it("refuses a stale holder's fenced commit and failure record, writing nothing", async () => {
    const [a, b] = await instances();
    const stale = await a!.acquireLease('acct', 'instance-a', 1_000);
    await a!.releaseLeases('instance-a', ['acct']);
    const current = await b!.acquireLease('acct', 'instance-b', 10_000);
    const x = change('acct', 'x', 'CREATING');
    const commit = { account: 'acct', events: [x.event], upserts: [x.stored], removals: [], baseline: true };
    await expect(a!.commit({ ...commit, fence: stale! })).rejects.toThrow(LeaseLostError);
    const failure = { atMs: 1, code: 'PROVIDER_UNAVAILABLE' as const, message: 'down' };
    await expect(a!.recordRoundFailure('acct', failure, stale!)).rejects.toThrow(LeaseLostError);
    expect(await b!.readAfter(0, 10)).toEqual([]);
    expect(await b!.loadAccount('acct')).toMatchObject({ poll: { baselined: false, failedRounds: 0 }, jobs: [] });

    // The holder's commit passes; an unfenced one (a mutation's answer) passes whoever holds the lease.
    await b!.commit({ ...commit, fence: current! });
    const y = change('acct', 'y', 'CREATING');
    await a!.commit({ account: 'acct', events: [y.event], upserts: [y.stored], removals: [] });
    expect((await a!.readAfter(0, 10)).map((e) => e.nativeId)).toEqual(['x', 'y']);
  });

  it("tells every instance of every commit, and passes round requests to the holder's instance", async () => {
    const [a, b] = await instances();
    const committed: number[] = [];
    const rounds: string[] = [];
    const stop = b!.listen({ committed: (seq) => committed.push(seq), roundRequested: (acct) => rounds.push(acct) });
    try {
      // The listening connection reports once when it is ready (what was committed before it listened).
      await waitUntil(() => committed.includes(0));
      const x = change('acct', 'x', 'CREATING');
      const [record] = await a!.commit({ account: 'acct', events: [x.event], upserts: [x.stored], removals: [] });
      await a!.requestRound('acct');
      await waitUntil(() => committed.includes(record!.seq) && rounds.includes('acct'));
    } finally {
      stop();
    }
  });

  it('refuses a database of a newer schema version', async () => {
    const [a] = await instances(1);
    const url = await tempDatabase();
    const setup = new PostgresStore({ url });
    await setup.open();
    await setup.close();
    const pgClient = new (await import('pg')).default.Client({ connectionString: url });
    await pgClient.connect();
    await pgClient.query("UPDATE crossdock_meta SET value = $1 WHERE key = 'schema_version'", [
      String(POSTGRES_SCHEMA_VERSION + 1),
    ]);
    await pgClient.end();
    const newer = new PostgresStore({ url });
    stores.push(newer);
    await expect(newer.open()).rejects.toThrow(StoreVersionError);
    expect(a!.logId).not.toBe('');
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
