/**
 * The pollers against in-memory provider accounts: what they call and when, what they make of the answers
 * (baseline, real changes only, removals, stale rounds), one poller per account whatever the subscribers,
 * the cap on concurrent calls, backoff with Retry-After, and restarts on the same SQLite log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PollingConfig } from '../src/config.js';
import { EventHub, type SubscriptionItem } from '../src/events/hub.js';
import type { JobEventRecord } from '../src/events/types.js';
import type { AccountRuntime } from '../src/observation/accounts.js';
import { Pollers } from '../src/observation/index.js';
import { SnapshotCache } from '../src/observation/snapshot-cache.js';
import { type EventStore, MemoryEventStore } from '../src/store/event-store.js';
import { SqliteEventStore } from '../src/store/sqlite-event-store.js';
import { FakeAccount, fakeRuntime, silentLogger, snapshot, testPollingConfig } from './helpers/jobs.js';

interface Harness {
  hub: EventHub;
  pollers: Pollers;
  cache: SnapshotCache;
  runtimes: Map<string, AccountRuntime>;
  clock: { now: number };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.useRealTimers();
});

function harness(
  accounts: FakeAccount[],
  opts: { config?: Partial<PollingConfig>; store?: EventStore; clock?: { now: number } } = {},
): Harness {
  const clock = opts.clock ?? { now: 1_000_000 };
  const now = () => clock.now;
  const hub = new EventHub({
    store: opts.store ?? new MemoryEventStore(now),
    logger: silentLogger(),
    now,
    retentionMs: 86_400_000,
    subscriberQueueLimit: 10_000,
  });
  const cache = new SnapshotCache();
  const runtimes = new Map(accounts.map((a) => [a.name, fakeRuntime(a, now)]));
  const pollers = new Pollers({
    accounts: runtimes,
    hub,
    cache,
    config: testPollingConfig(opts.config),
    logger: silentLogger(),
    now,
    random: () => 0.5,
  });
  pollers.start();
  cleanups.push(async () => {
    await pollers.dispose();
    await hub.dispose();
    await cache.dispose();
  });
  return { hub, pollers, cache, runtimes, clock };
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

describe('account poller', () => {
  it('stores the first round silently, then emits one event per real change', async () => {
    const fake = new FakeAccount('acct');
    fake.set(snapshot('a', 'CREATING'), snapshot('b', 'TRANSFERRING'));
    const { pollers, cache, runtimes, clock } = harness([fake]);

    const first = await pollers.pollNow('acct');
    expect(first).toEqual({ events: [], baseline: true });
    expect(runtimes.get('acct')!.health).toMatchObject({
      status: 'HEALTHY',
      lastPollAt: new Date(clock.now).toISOString(),
    });
    expect((await cache.getMany('acct', ['a', 'b'])).map((s) => s?.state)).toEqual(['CREATING', 'TRANSFERRING']);

    expect((await pollers.pollNow('acct')).events).toEqual([]); // nothing changed

    clock.now += 1_000;
    fake.set(snapshot('a', 'SHIPPING'), snapshot('c', 'CREATING'));
    fake.jobs.delete('b');
    const second = await pollers.pollNow('acct');
    expect(second.baseline).toBe(false);
    expect(summary(second.events)).toEqual([
      'STATE_CHANGED a CREATING→SHIPPING',
      'CREATED c null→CREATING',
      'REMOVED b TRANSFERRING→TRANSFERRING',
    ]);
    expect(second.events.every((e) => !e.afterGap)).toBe(true);
    expect(await cache.getMany('acct', ['b'])).toEqual([undefined]);
    expect((await pollers.pollNow('acct')).events).toEqual([]);
  });

  it('is one poller per account: many subscribers cost no extra provider call', async () => {
    const fake = new FakeAccount('acct', { pageSize: 10 });
    for (let i = 0; i < 25; i++) fake.set(snapshot(`job-${i}`, 'TRANSFERRING'));
    const { hub, pollers } = harness([fake]);
    await pollers.pollNow('acct');
    const subscriptions = await Promise.all(Array.from({ length: 200 }, () => hub.subscribe({})));
    const callsBefore = fake.calls.length;

    fake.set(snapshot('job-3', 'PACKAGING'));
    // Rounds asked for at the same time run one after another, never side by side.
    const rounds = await Promise.all([pollers.pollNow('acct'), pollers.pollNow('acct'), pollers.pollNow('acct')]);
    expect(rounds.map((r) => r.events.length)).toEqual([1, 0, 0]);
    expect(fake.calls.length - callsBefore).toBe(3 * 3); // three rounds of three listing pages
    expect(fake.maxInFlight).toBe(1);
    const delivered = await Promise.all(subscriptions.map((s) => take(s, 1)));
    expect(new Set(delivered.map((d) => (d[0] as JobEventRecord).seq)).size).toBe(1);
    await Promise.all(subscriptions.map((s) => s.return?.()));
    expect(hub.subscriberCount).toBe(0);
  });

  it('fetches each non-terminal job every round and terminal jobs seldom, when the listing has no details', async () => {
    const fake = new FakeAccount('acct', { listIncludesSnapshots: false });
    fake.set(snapshot('moving', 'TRANSFERRING'), snapshot('done', 'COMPLETED'), snapshot('gone', 'CANCELLED'));
    const { pollers, clock } = harness([fake], { config: { batchSize: 2 } });
    const fetched = () =>
      fake.calls
        .splice(0)
        .flatMap((c) => c.ids ?? [])
        .sort();

    await pollers.pollNow('acct');
    expect(fetched()).toEqual(['done', 'gone', 'moving']); // baseline reads everything once

    clock.now += 1_000;
    fake.set(snapshot('moving', 'PACKAGING'));
    expect(summary((await pollers.pollNow('acct')).events)).toEqual(['STATE_CHANGED moving TRANSFERRING→PACKAGING']);
    expect(fetched()).toEqual(['moving']);

    clock.now += 100_000; // the terminal interval has passed
    fake.set(snapshot('moving', 'COMPLETED'), snapshot('new', 'CREATING'));
    expect(summary((await pollers.pollNow('acct')).events)).toEqual([
      'STATE_CHANGED moving PACKAGING→COMPLETED',
      'CREATED new null→CREATING',
    ]);
    expect(fetched()).toEqual(['done', 'gone', 'moving', 'new']);

    clock.now += 1_000;
    await pollers.pollNow('acct');
    expect(fetched()).toEqual(['new']);
  });

  it('caps concurrent provider calls across all accounts', async () => {
    const accounts = [
      new FakeAccount('one', { listIncludesSnapshots: false }),
      new FakeAccount('two', { listIncludesSnapshots: false }),
    ];
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
    const { pollers } = harness(accounts, { config: { batchSize: 1, maxConcurrentCalls: 3 } });
    await Promise.all([pollers.pollNow('one'), pollers.pollNow('two')]);
    expect(accounts.reduce((n, a) => n + a.calls.length, 0)).toBe(2 * 13);
    expect(maxInFlight).toBe(3);
  });

  it('never lets an older round overwrite what a mutation observed meanwhile', async () => {
    const fake = new FakeAccount('acct');
    fake.set(snapshot('a', 'CREATING'));
    const { hub, pollers, clock } = harness([fake]);
    await pollers.pollNow('acct');
    const subscription = await hub.subscribe({});

    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    fake.gate = () => held;
    clock.now += 1_000;
    const round = pollers.pollNow('acct'); // lists while the job is still CREATING at the provider
    await new Promise((resolve) => setTimeout(resolve, 5));
    clock.now += 1_000;
    const observed = await pollers.observe('acct', snapshot('a', 'SHIPPING'));
    expect(summary(observed)).toEqual(['STATE_CHANGED a CREATING→SHIPPING']);
    fake.gate = undefined;
    release();
    expect((await round).events).toEqual([]);

    fake.set(snapshot('a', 'SHIPPING'));
    clock.now += 1_000;
    expect((await pollers.pollNow('acct')).events).toEqual([]);
    const [event] = await take(subscription, 1);
    expect((event as JobEventRecord).state).toBe('SHIPPING');
    await subscription.return?.();
  });

  it('emits CREATED for a job a mutation created, even before the first round', async () => {
    const fake = new FakeAccount('acct');
    fake.set(snapshot('old', 'COMPLETED'));
    const { pollers } = harness([fake]);
    expect(summary(await pollers.observe('acct', snapshot('mine', 'CREATING')))).toEqual([
      'CREATED mine null→CREATING',
    ]);
    fake.set(snapshot('mine', 'CREATING'));
    expect(await pollers.pollNow('acct')).toEqual({ events: [], baseline: true });
    expect(summary(await pollers.observeRemoved('acct', 'mine'))).toEqual(['REMOVED mine CREATING→CREATING']);
  });

  it('marks what it finds after failed rounds as afterGap, and keeps account health', async () => {
    const fake = new FakeAccount('acct');
    fake.set(snapshot('a', 'RECEIVED'));
    const { pollers, runtimes, clock } = harness([fake]);
    await pollers.pollNow('acct');
    fake.failNext({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 3 });
    await expect(pollers.pollNow('acct')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(runtimes.get('acct')!.health).toMatchObject({ status: 'DEGRADED', lastErrorCode: 'RATE_LIMITED' });
    fake.set(snapshot('a', 'TRANSFERRING'));
    clock.now += 5_000;
    const after = await pollers.pollNow('acct');
    expect(after.events).toMatchObject([{ state: 'TRANSFERRING', afterGap: true }]);
    fake.set(snapshot('a', 'PACKAGING'));
    expect((await pollers.pollNow('acct')).events).toMatchObject([{ state: 'PACKAGING', afterGap: false }]);
    expect(runtimes.get('acct')!.health.status).toBe('HEALTHY');
  });

  it('reports an unknown account as NOT_FOUND', async () => {
    const { pollers } = harness([new FakeAccount('acct')]);
    const notFound = expect.objectContaining({ code: 'NOT_FOUND' });
    await expect(pollers.pollNow('nobody')).rejects.toEqual(notFound);
    await expect(pollers.observe('nobody', snapshot('x', 'CREATING'))).rejects.toEqual(notFound);
  });
});

describe('poller timers', () => {
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

describe('poller across a restart on the same SQLite log', () => {
  it('emits each change made while it was down once, afterGap, and repeats nothing it had published', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crossdock-restart-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'log.sqlite');
    const fake = new FakeAccount('acct', { listIncludesSnapshots: false });
    fake.set(snapshot('a', 'CREATING'), snapshot('b', 'TRANSFERRING'), snapshot('c', 'COMPLETED'));
    const clock = { now: 1_000_000 };

    const first = harness([fake], { store: new SqliteEventStore({ path, now: () => clock.now }), clock });
    await first.pollers.pollNow('acct');
    fake.set(snapshot('a', 'SHIPPING'));
    const published = await first.pollers.pollNow('acct');
    expect(summary(published.events)).toEqual(['STATE_CHANGED a CREATING→SHIPPING']);
    const lastCursor = first.hub.cursorOf(published.events[0]!.seq);
    await cleanups.pop()!(); // the first gateway stops

    clock.now += 60_000;
    fake.set(snapshot('b', 'PACKAGING'));
    fake.set(snapshot('b', 'COMPLETED')); // two transitions while down: seen as one
    fake.set(snapshot('d', 'CREATING'));

    const second = harness([fake], { store: new SqliteEventStore({ path, now: () => clock.now }), clock });
    const replay = await second.hub.subscribe({}, lastCursor);
    const round = await second.pollers.pollNow('acct');
    expect(round.baseline).toBe(false);
    expect(summary(round.events)).toEqual(['STATE_CHANGED b TRANSFERRING→COMPLETED', 'CREATED d null→CREATING']);
    expect(round.events.every((e) => e.afterGap)).toBe(true);
    expect(round.events[0]!.seq).toBe(published.events[0]!.seq + 1);
    expect((await take(replay, 2)).map((e) => (e as JobEventRecord).seq)).toEqual(round.events.map((e) => e.seq));
    await replay.return?.();

    fake.set(snapshot('d', 'SHIPPING'));
    expect((await second.pollers.pollNow('acct')).events).toMatchObject([{ nativeId: 'd', afterGap: false }]);
  });
});
