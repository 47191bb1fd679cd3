/**
 * The mirrors and the scheduler against in-memory provider accounts: what they call and when, what they make
 * of the answers (baseline, real changes only, removals, stale rounds), one mirror per account whatever the
 * readers and subscribers, coalesced rounds and lookups, the negative cache, listings that omit details, the cap
 * on concurrent calls, backoff with Retry-After, the circuit breaker, and restarts on the same SQLite store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PollingConfig, ReadsConfig } from '../src/config.js';
import { EventHub, type SubscriptionItem } from '../src/events/hub.js';
import type { JobEventRecord } from '../src/events/types.js';
import type { AccountRuntime } from '../src/observation/accounts.js';
import { Observation } from '../src/observation/index.js';
import { NOT_FOUND } from '../src/sdk/model.js';
import { type GatewayStore, MemoryStore, SqliteStore } from '../src/store/index.js';
import { drive, FakeAccount, fakeRuntime, silentLogger, snapshot, testPollingConfig } from './helpers/jobs.js';

interface Harness {
  hub: EventHub;
  store: GatewayStore;
  observation: Observation;
  runtimes: Map<string, AccountRuntime>;
  clock: { now: number };
  pollNow(account: string): ReturnType<Observation['mirror']>['requestRound'] extends () => infer R ? R : never;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.useRealTimers();
});

function harness(
  accounts: FakeAccount[],
  opts: {
    config?: Partial<PollingConfig>;
    reads?: Partial<ReadsConfig>;
    store?: GatewayStore;
    clock?: { now: number };
  } = {},
): Harness {
  const clock = opts.clock ?? { now: 1_000_000 };
  const now = () => clock.now;
  const store = opts.store ?? new MemoryStore(now);
  const hub = new EventHub({
    store,
    logger: silentLogger(),
    now,
    retentionMs: 86_400_000,
    subscriberQueueLimit: 10_000,
  });
  const runtimes = new Map(accounts.map((a) => [a.name, fakeRuntime(a, now)]));
  const observation = new Observation({
    accounts: runtimes,
    store,
    hub,
    polling: testPollingConfig(opts.config),
    reads: { notFoundTtlMs: 30_000, notFoundCacheSize: 100, ...opts.reads },
    logger: silentLogger(),
    now,
    random: () => 0.5,
  });
  observation.start();
  cleanups.push(async () => {
    await observation.dispose();
    await hub.dispose();
    await store.close();
  });
  return { hub, store, observation, runtimes, clock, pollNow: (account) => observation.mirror(account).requestRound() };
}

const summary = (events: JobEventRecord[]) =>
  events.map((e) => `${e.kind} ${e.nativeId} ${e.previousState}→${e.state}`);

/** Collects what a hub subscription yields until `count` items arrived. */
async function take(iterator: AsyncIterableIterator<SubscriptionItem>, count: number): Promise<SubscriptionItem[]> {
  const items: SubscriptionItem[] = [];
  while (items.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

describe('account mirror', () => {
  it('stores the first round silently, then emits one event per real change', async () => {
    const fake = new FakeAccount('acct');
    fake.set(snapshot('a', 'CREATING'), snapshot('b', 'TRANSFERRING'));
    const { pollNow, store, runtimes, clock } = harness([fake]);

    const first = await pollNow('acct');
    expect(first).toEqual({ events: [], baseline: true });
    expect(runtimes.get('acct')!.health.status).toBe('HEALTHY');
    expect((await store.loadAccount('acct')).poll).toMatchObject({ baselined: true, lastRoundStartedMs: clock.now });
    const indexed = async () =>
      (await store.findJobs({ accounts: ['acct'], first: 10 })).jobs.map((j) => `${j.nativeId} ${j.state}`).sort();
    expect(await indexed()).toEqual(['a CREATING', 'b TRANSFERRING']);

    expect((await pollNow('acct')).events).toEqual([]); // nothing changed

    clock.now += 1_000;
    fake.set(snapshot('a', 'SHIPPING'), snapshot('c', 'CREATING'));
    fake.jobs.delete('b');
    const second = await pollNow('acct');
    expect(second.baseline).toBe(false);
    expect(summary(second.events)).toEqual([
      'STATE_CHANGED a CREATING→SHIPPING',
      'CREATED c null→CREATING',
      'REMOVED b TRANSFERRING→TRANSFERRING',
    ]);
    expect(second.events.every((e) => !e.afterGap)).toBe(true);
    expect(await indexed()).toEqual(['a SHIPPING', 'c CREATING']);
    expect((await pollNow('acct')).events).toEqual([]);
  });

  it('is one mirror per account: many subscribers cost no extra call, concurrent requests share rounds', async () => {
    const fake = new FakeAccount('acct', { pageSize: 10 });
    for (let i = 0; i < 25; i++) fake.set(snapshot(`job-${i}`, 'TRANSFERRING'));
    const { hub, pollNow } = harness([fake]);
    await pollNow('acct');
    const subscriptions = await Promise.all(Array.from({ length: 200 }, () => hub.subscribe({})));
    const callsBefore = fake.calls.length;

    fake.set(snapshot('job-3', 'PACKAGING'));
    // Rounds asked for at the same time never run side by side: the first runs, the others share the next.
    const rounds = await Promise.all([pollNow('acct'), pollNow('acct'), pollNow('acct')]);
    expect(rounds.map((r) => r.events.length)).toEqual([1, 0, 0]);
    expect(rounds[1]).toBe(rounds[2]);
    expect(fake.calls.length - callsBefore).toBe(2 * 3); // two rounds of three listing pages
    expect(fake.maxInFlight).toBe(1);
    const delivered = await Promise.all(subscriptions.map((s) => take(s, 1)));
    expect(new Set(delivered.map((d) => (d[0] as JobEventRecord).seq)).size).toBe(1);
    await Promise.all(subscriptions.map((s) => s.return?.()));
    expect(hub.subscriberCount).toBe(0);
  });

  it('fetches each non-terminal job every round and terminal jobs seldom, when the listing has no details', async () => {
    const fake = new FakeAccount('acct', { listIncludesSnapshots: false });
    fake.set(snapshot('moving', 'TRANSFERRING'), snapshot('done', 'COMPLETED'), snapshot('gone', 'CANCELLED'));
    const { pollNow, clock } = harness([fake], { config: { batchSize: 2 } });
    const fetched = () =>
      fake.calls
        .splice(0)
        .flatMap((c) => c.ids ?? [])
        .sort();

    await pollNow('acct');
    expect(fetched()).toEqual(['done', 'gone', 'moving']); // baseline reads everything once

    clock.now += 1_000;
    fake.set(snapshot('moving', 'PACKAGING'));
    expect(summary((await pollNow('acct')).events)).toEqual(['STATE_CHANGED moving TRANSFERRING→PACKAGING']);
    expect(fetched()).toEqual(['moving']);

    clock.now += 100_000; // the terminal interval has passed
    fake.set(snapshot('moving', 'COMPLETED'), snapshot('new', 'CREATING'));
    expect(summary((await pollNow('acct')).events)).toEqual([
      'STATE_CHANGED moving PACKAGING→COMPLETED',
      'CREATED new null→CREATING',
    ]);
    expect(fetched()).toEqual(['done', 'gone', 'moving', 'new']);

    clock.now += 1_000;
    await pollNow('acct');
    expect(fetched()).toEqual(['new']);
  });

  it('caps concurrent provider calls across all accounts, and reads one batch at a time per account', async () => {
    const accounts = ['one', 'two', 'three', 'four', 'five'].map(
      (name) => new FakeAccount(name, { listIncludesSnapshots: false }),
    );
    let inFlight = 0;
    let maxInFlight = 0;
    for (const account of accounts) {
      for (let i = 0; i < 12; i++) account.set(snapshot(`job-${i}`, 'TRANSFERRING'));
      account.gate = async () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight -= 1;
      };
    }
    const { pollNow } = harness(accounts, { config: { batchSize: 4, maxConcurrentCalls: 3 } });
    await Promise.all(accounts.map((a) => pollNow(a.name)));
    expect(accounts.map((a) => a.calls.length)).toEqual([4, 4, 4, 4, 4]); // a listing and 3 batches each
    expect(maxInFlight).toBe(3);
    expect(accounts.map((a) => a.maxInFlight)).toEqual([1, 1, 1, 1, 1]);
  });

  it('never lets an older round overwrite what a mutation observed meanwhile', async () => {
    const fake = new FakeAccount('acct');
    fake.set(snapshot('a', 'CREATING'));
    const { hub, pollNow, observation, clock } = harness([fake]);
    await pollNow('acct');
    const subscription = await hub.subscribe({});

    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    fake.gate = () => held;
    clock.now += 1_000;
    const round = pollNow('acct'); // lists while the job is still CREATING at the provider
    await new Promise((resolve) => setTimeout(resolve, 5));
    clock.now += 1_000;
    const observed = await observation.mirror('acct').observe(snapshot('a', 'SHIPPING'));
    expect(summary(observed.events)).toEqual(['STATE_CHANGED a CREATING→SHIPPING']);
    expect(observed.job).toMatchObject({ state: 'SHIPPING', observedAtMs: clock.now });
    fake.gate = undefined;
    release();
    expect((await round).events).toEqual([]);

    fake.set(snapshot('a', 'SHIPPING'));
    clock.now += 1_000;
    expect((await pollNow('acct')).events).toEqual([]);
    const [event] = await take(subscription, 1);
    expect((event as JobEventRecord).state).toBe('SHIPPING');
    await subscription.return?.();
  });

  it('emits CREATED for a job a mutation created, even before the first round', async () => {
    const fake = new FakeAccount('acct');
    fake.set(snapshot('old', 'COMPLETED'));
    const { pollNow, observation } = harness([fake]);
    const mirror = observation.mirror('acct');
    expect(summary((await mirror.observe(snapshot('mine', 'CREATING'))).events)).toEqual([
      'CREATED mine null→CREATING',
    ]);
    fake.set(snapshot('mine', 'CREATING'));
    expect(await pollNow('acct')).toEqual({ events: [], baseline: true });
    expect(summary(await mirror.observeRemoved('mine'))).toEqual(['REMOVED mine CREATING→CREATING']);
  });

  it('marks what it finds after failed rounds as afterGap, and keeps account health', async () => {
    const fake = new FakeAccount('acct');
    fake.set(snapshot('a', 'RECEIVED'));
    const { pollNow, runtimes, store, clock } = harness([fake]);
    await pollNow('acct');
    fake.failNext({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 3 });
    await expect(pollNow('acct')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(runtimes.get('acct')!.health).toMatchObject({ status: 'DEGRADED', lastErrorCode: 'RATE_LIMITED' });
    expect((await store.loadAccount('acct')).poll).toMatchObject({
      failedRounds: 1,
      lastFailure: { code: 'RATE_LIMITED', retryAfterSeconds: 3 },
    });
    fake.set(snapshot('a', 'TRANSFERRING'));
    clock.now += 5_000;
    const after = await pollNow('acct');
    expect(after.events).toMatchObject([{ state: 'TRANSFERRING', afterGap: true }]);
    fake.set(snapshot('a', 'PACKAGING'));
    expect((await pollNow('acct')).events).toMatchObject([{ state: 'PACKAGING', afterGap: false }]);
    expect(runtimes.get('acct')!.health.status).toBe('HEALTHY');
    expect((await store.loadAccount('acct')).poll.failedRounds).toBe(0);
  });

  it('reports an unknown account as NOT_FOUND', () => {
    const { observation } = harness([new FakeAccount('acct')]);
    expect(() => observation.mirror('nobody')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});

describe('scheduler', () => {
  it('polls on its own at the interval the job states call for, backing off on errors and honouring Retry-After', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fake = new FakeAccount('acct');
    fake.set(snapshot('a', 'SHIPPING'));
    const clock = { now: 0 };
    harness([fake], { config: { enabled: true }, clock });
    const listings = () => fake.calls.filter((c) => c.operation === 'listJobs').length;
    const advance = async (ms: number) => {
      clock.now += ms;
      await vi.advanceTimersByTimeAsync(ms);
    };

    await advance(0);
    expect(listings()).toBe(1); // the first round starts at once
    await advance(9_999);
    expect(listings()).toBe(1); // only SHIPPING jobs: the waiting interval
    await advance(1);
    expect(listings()).toBe(2);

    fake.set(snapshot('a', 'TRANSFERRING'));
    await advance(10_000);
    expect(listings()).toBe(3);
    await advance(1_000); // now a job moves: the active interval
    expect(listings()).toBe(4);

    fake.failNext({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 7 });
    await advance(1_000);
    expect(listings()).toBe(5); // failed, asked to wait 7 s (longer than the 1 s backoff)
    await advance(6_999);
    expect(listings()).toBe(5);
    fake.failNext({}, 2);
    await advance(1);
    expect(listings()).toBe(6); // failed again (2nd in a row): backoff 2 s
    await advance(1_999);
    expect(listings()).toBe(6);
    await advance(1);
    expect(listings()).toBe(7); // 3rd failure: 4 s
    await advance(3_999);
    expect(listings()).toBe(7);
    await advance(1);
    expect(listings()).toBe(8); // succeeded: back to the active interval
    await advance(1_000);
    expect(listings()).toBe(9);
  });
});

describe('mirror across a restart on the same SQLite store', () => {
  it('emits each change made while it was down once, afterGap, and repeats nothing it had published', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crossdock-restart-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'log.sqlite');
    const fake = new FakeAccount('acct', { listIncludesSnapshots: false });
    fake.set(snapshot('a', 'CREATING'), snapshot('b', 'TRANSFERRING'), snapshot('c', 'COMPLETED'));
    const clock = { now: 1_000_000 };

    const first = harness([fake], { store: new SqliteStore({ path, now: () => clock.now }), clock });
    await first.pollNow('acct');
    fake.set(snapshot('a', 'SHIPPING'));
    const published = await first.pollNow('acct');
    expect(summary(published.events)).toEqual(['STATE_CHANGED a CREATING→SHIPPING']);
    const lastCursor = first.hub.cursorOf(published.events[0]!.seq);
    await cleanups.pop()!(); // the first gateway stops

    clock.now += 60_000;
    fake.set(snapshot('b', 'PACKAGING'));
    fake.set(snapshot('b', 'COMPLETED')); // two transitions while down: seen as one
    fake.set(snapshot('d', 'CREATING'));

    const second = harness([fake], { store: new SqliteStore({ path, now: () => clock.now }), clock });
    const replay = await second.hub.subscribe({}, lastCursor);
    const round = await second.pollNow('acct');
    expect(round.baseline).toBe(false);
    expect(summary(round.events)).toEqual(['STATE_CHANGED b TRANSFERRING→COMPLETED', 'CREATED d null→CREATING']);
    expect(round.events.map((e) => e.afterGap)).toEqual([true, true]);
    expect(round.events[0]!.seq).toBe(published.events[0]!.seq + 1);
    expect((await take(replay, 2)).map((e) => (e as JobEventRecord).seq)).toEqual(round.events.map((e) => e.seq));
    await replay.return?.();

    fake.set(snapshot('d', 'SHIPPING'));
    expect((await second.pollNow('acct')).events).toMatchObject([{ nativeId: 'd', afterGap: false }]);
  });
});

describe('reads through the mirror', () => {
  it('reads a job never seen once, indexes it, and remembers for a while that an id is unknown', async () => {
    const fake = new FakeAccount('acct');
    fake.set(snapshot('old', 'COMPLETED'));
    const { pollNow, observation, store, clock } = harness([fake], { reads: { notFoundTtlMs: 10_000 } });
    await pollNow('acct');
    const mirror = observation.mirror('acct');
    fake.set(snapshot('new', 'CREATING'));
    fake.calls.splice(0);

    // Many readers at once: one lookup of each id, batched.
    const reads = await Promise.all(Array.from({ length: 10 }, () => mirror.readThrough(['new', 'nope'])));
    expect(fake.calls).toEqual([{ operation: 'getJobs', ids: ['new', 'nope'] }]);
    for (const [found, missing] of reads) {
      expect(found).toMatchObject({ nativeId: 'new', state: 'CREATING' });
      expect(missing).toBe(NOT_FOUND);
    }
    const [row] = await store.getJobs([{ account: 'acct', nativeId: 'new' }]);
    expect(row).toMatchObject({ state: 'CREATING', observedAtMs: clock.now });

    // The unknown id is answered from the negative cache until it expires; then asked again.
    fake.calls.splice(0);
    expect(await mirror.readThrough(['nope'])).toEqual([NOT_FOUND]);
    expect(fake.calls).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const short = harness([fake], { reads: { notFoundTtlMs: 1 } }).observation.mirror('acct');
    await short.readThrough(['nope']);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await short.readThrough(['nope']);
    expect(fake.calls.filter((c) => c.ids?.includes('nope'))).toHaveLength(2);
    // A mutation judging a job reads it whatever the cache says.
    fake.calls.splice(0);
    expect(await mirror.readThrough(['nope'], { force: true })).toEqual([NOT_FOUND]);
    expect(fake.calls).toHaveLength(1);
  });

  it('reads a job whose listing entry omits details once per change of that entry, so drives are never empty', async () => {
    const fake = new FakeAccount('acct', { listingOmits: ['drives'] });
    const atPercent = (percent: number) => drive('D1', percent);
    fake.set(snapshot('moving', 'TRANSFERRING', { drives: [atPercent(10)], updatedAt: '2026-01-01T01:00:00.000Z' }));
    fake.set(snapshot('done', 'COMPLETED', { drives: [atPercent(100)] }));
    const { pollNow, store } = harness([fake]);
    const reads = () =>
      fake.calls
        .splice(0)
        .flatMap((c) => c.ids ?? [])
        .sort();
    const drivesOf = async (id: string) =>
      (await store.getJobs([{ account: 'acct', nativeId: id }]))[0]!.snapshot.drives.map((d) => d.percentComplete);

    await pollNow('acct');
    expect(reads()).toEqual(['done', 'moving']); // new jobs: read once
    expect(await drivesOf('moving')).toEqual([10]);
    await pollNow('acct');
    expect(reads()).toEqual([]); // nothing in the listing changed
    expect(await drivesOf('done')).toEqual([100]);

    fake.set(snapshot('moving', 'TRANSFERRING', { drives: [atPercent(60)], updatedAt: '2026-01-01T02:00:00.000Z' }));
    const round = await pollNow('acct');
    expect(reads()).toEqual(['moving']);
    expect(round.events).toMatchObject([{ kind: 'DRIVE_CHANGED', nativeId: 'moving' }]);
    expect(await drivesOf('moving')).toEqual([60]);
    await pollNow('acct');
    expect(reads()).toEqual([]);
  });

  it('shares one round among readers who ask for fresh data at once, and answers them within the wait', async () => {
    const fake = new FakeAccount('acct');
    fake.set(snapshot('a', 'CREATING'));
    const { pollNow, observation, clock } = harness([fake]);
    await pollNow('acct');
    const mirror = observation.mirror('acct');
    fake.calls.splice(0);
    clock.now += 1_000;
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    fake.gate = () => held;
    // 50 readers want data no older than now; the provider hangs (until released below): each gets its answer
    // when the wait ends, or this would never return.
    await Promise.all(Array.from({ length: 50 }, () => mirror.ensureFresh({ maxAgeMs: 0, waitMs: 50 })));
    expect(fake.calls).toHaveLength(1); // one listing call for all of them
    fake.gate = undefined;
    release();
    await pollNow('acct');
    // Fresh enough already: no call at all.
    fake.calls.splice(0);
    await Promise.all(Array.from({ length: 50 }, () => mirror.ensureFresh({ maxAgeMs: 60_000, waitMs: 50 })));
    expect(fake.calls).toEqual([]);
  });
});

describe('circuit breaker', () => {
  it('stops calling an account that keeps failing, probes it later, and closes again when it answers', async () => {
    const fake = new FakeAccount('acct');
    fake.set(snapshot('a', 'CREATING'));
    const { pollNow, observation } = harness([fake], {
      config: { circuitBreaker: { consecutiveFailures: 3, halfOpenAfterMs: 200 } },
    });
    const mirror = observation.mirror('acct');
    fake.failNext({ code: 'PROVIDER_UNAVAILABLE' }, 3);
    for (let i = 0; i < 3; i++) await expect(pollNow('acct')).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(mirror.circuit).toBe('OPEN');
    fake.calls.splice(0);
    // Open: rounds and lookups fail at once without a call.
    await expect(pollNow('acct')).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    await expect(mirror.readThrough(['a'])).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(fake.calls).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await pollNow('acct')).baseline).toBe(true); // the probe succeeded
    expect(mirror.circuit).toBe('CLOSED');
    expect(fake.calls.length).toBe(1);
  });

  it('does not count throttling, refused credentials or calls the gateway gave up as provider outages', async () => {
    const fake = new FakeAccount('acct');
    fake.set(snapshot('a', 'CREATING'));
    const { pollNow, observation, runtimes } = harness([fake], {
      config: { circuitBreaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } },
    });
    fake.failNext({ code: 'RATE_LIMITED', status: 429 }, 2);
    fake.failNext({ code: 'PROVIDER_AUTH_FAILED', status: 401 }, 2);
    for (const code of ['RATE_LIMITED', 'RATE_LIMITED', 'PROVIDER_AUTH_FAILED', 'PROVIDER_AUTH_FAILED']) {
      await expect(pollNow('acct')).rejects.toMatchObject({ name: 'ProviderError', code });
    }
    expect(observation.mirror('acct').circuit).toBe('CLOSED');

    // A round in flight when the gateway shuts down: aborted, and neither a failure nor a DOWN account.
    await pollNow('acct');
    const health = { ...runtimes.get('acct')!.health };
    fake.gate = (_call) =>
      new Promise((_resolve, reject) => {
        const abort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        setTimeout(abort, 20);
      });
    const round = pollNow('acct');
    await observation.dispose();
    await round.catch(() => undefined);
    expect(runtimes.get('acct')!.health).toEqual(health);
  });
});
