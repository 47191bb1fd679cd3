/**
 * The SQLite store's read cache (src/store/read-cache.ts): answers since the last write, never one that a write
 * overlapped; and the store itself reading its own writes through it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diffJob } from '../src/events/diff.js';
import type { StoredJob } from '../src/events/types.js';
import type { JobState } from '../src/sdk/model.js';
import { ReadCache } from '../src/store/read-cache.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { JobKey } from '../src/store/types.js';
import { snapshot } from './helpers/jobs.js';

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

describe('ReadCache', () => {
  it('answers from memory until a write, then loads again', async () => {
    const cache = new ReadCache(100);
    let loads = 0;
    const load = async () => ({ value: ++loads });
    expect(await cache.one('k', load)).toEqual({ value: 1 });
    expect(await cache.one('k', load)).toEqual({ value: 1 });
    cache.invalidate();
    expect(await cache.one('k', load)).toEqual({ value: 2 });
    expect(loads).toBe(2);
  });

  it('does not keep an answer whose read overlapped a write', async () => {
    const cache = new ReadCache(100);
    const slow = deferred<{ value: string }>();
    const overlapping = cache.one('k', () => slow.promise);
    cache.invalidate(); // a commit lands while the read is in flight
    slow.resolve({ value: 'before the commit' });
    expect(await overlapping).toEqual({ value: 'before the commit' });
    expect(await cache.one('k', async () => ({ value: 'after the commit' }))).toEqual({ value: 'after the commit' });
  });

  it('loads only the keys it does not hold, remembers absent ones, and keeps their order', async () => {
    const cache = new ReadCache(100);
    const asked: string[][] = [];
    const load = async (keys: readonly string[]) => {
      asked.push([...keys]);
      return keys.map((k) => (k === 'missing' ? undefined : `row ${k}`));
    };
    expect(await cache.many(['a', 'missing'], (k) => k, load)).toEqual(['row a', undefined]);
    expect(await cache.many(['b', 'a', 'missing'], (k) => k, load)).toEqual(['row b', 'row a', undefined]);
    expect(asked).toEqual([['a', 'missing'], ['b']]);
  });

  it("freezes what it keeps, so no reader can change another reader's answer", async () => {
    const cache = new ReadCache(100);
    const page = await cache.one('k', async () => ({ jobs: [{ state: 'SHIPPING' }] }));
    expect(() => {
      (page.jobs[0] as { state: string }).state = 'COMPLETED';
    }).toThrow(TypeError);
  });

  it('is bounded by weight: a page weighs its jobs', async () => {
    const cache = new ReadCache(10);
    let loads = 0;
    const bigPage = async () => {
      loads++;
      return { jobs: Array.from({ length: 20 }, (_, i) => ({ i })) };
    };
    await cache.one('page', bigPage);
    await cache.one('page', bigPage);
    expect(loads).toBe(2); // heavier than the whole cache: never kept
  });

  it('with weight 0 keeps nothing', async () => {
    const cache = new ReadCache(0);
    let loads = 0;
    await cache.one('k', async () => ++loads);
    await cache.one('k', async () => ++loads);
    expect(loads).toBe(2);
  });
});

describe('SqliteStore reads through the cache', () => {
  let dir: string | undefined;
  let store: SqliteStore | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sees each of its commits at once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'crossdock-read-cache-'));
    const opened = new SqliteStore({ path: join(dir, 'store.sqlite') });
    store = opened;
    const key: JobKey = { account: 'a', nativeId: 'job-1' };
    const page = () => opened.findJobs({ accounts: ['a'], first: 10 });
    const observe = async (state: JobState, previous?: StoredJob) => {
      const { event, stored } = diffJob(previous, {
        account: 'a',
        provider: 'fake',
        snapshot: snapshot('job-1', state),
        observedAtMs: 1_000,
        afterGap: false,
      });
      await opened.commit({ account: 'a', events: [event!], upserts: [stored], removals: [] });
      return stored;
    };
    expect((await page()).totalCount).toBe(0);
    expect(await opened.getJobs([key])).toEqual([undefined]);
    const created = await observe('CREATING');
    expect((await page()).jobs.map((j) => j.state)).toEqual(['CREATING']);
    expect((await opened.getJobs([key]))[0]?.state).toBe('CREATING');
    expect((await opened.transitions([key]))[0]?.map((t) => t.to)).toEqual(['CREATING']);
    await observe('SHIPPING', created);
    expect((await page()).jobs.map((j) => j.state)).toEqual(['SHIPPING']);
    expect((await opened.getJobs([key]))[0]?.state).toBe('SHIPPING');
    expect((await opened.transitions([key]))[0]?.map((t) => t.to)).toEqual(['CREATING', 'SHIPPING']);
  });
});
