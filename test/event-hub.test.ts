/**
 * Subscriptions at the hub: replay then live with no gap and no duplicate at the seam (also while commits
 * race with subscribing), filters, cursor errors, slow consumers, and unsubscribing while idle; and its
 * retention timer, which purges expired rows from the store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { diffJob } from '../src/events/diff.js';
import { EventHub, isSlowConsumerSignal, type SubscriptionItem } from '../src/events/hub.js';
import { encodeEventCursor, type JobEventRecord, type StoredJob } from '../src/events/types.js';
import type { JobState } from '../src/sdk/model.js';
import { MemoryStore } from '../src/store/memory.js';
import { silentLogger, snapshot } from './helpers/jobs.js';
import { waitUntil } from './helpers/servers.js';

const hubs: EventHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.dispose()));
  jobs.clear();
});

function makeHub(
  opts: {
    queueLimit?: number;
    pageSize?: number;
    clock?: { now: number };
    store?: MemoryStore;
    retentionMs?: number;
  } = {},
) {
  const clock = opts.clock ?? { now: 1_000 };
  const hub = new EventHub({
    store: opts.store ?? new MemoryStore(() => clock.now),
    logger: silentLogger(),
    now: () => clock.now,
    retentionMs: opts.retentionMs ?? 60_000,
    subscriberQueueLimit: opts.queueLimit ?? 10_000,
    replayPageSize: opts.pageSize ?? 7,
  });
  hubs.push(hub);
  return hub;
}

const jobs = new Map<string, StoredJob>();
/** Commits one change of `nativeId` to `state` (a real diff against what was committed before). */
async function commit(hub: EventHub, nativeId: string, state: JobState, account = 'acct'): Promise<JobEventRecord> {
  const key = `${account}/${nativeId}`;
  const { event, stored } = diffJob(jobs.get(key), {
    account,
    provider: account === 'acct' ? 'fake' : 'other',
    snapshot: snapshot(nativeId, state, { updatedAt: new Date(jobs.size + Math.random()).toISOString() }),
    observedAtMs: 1_000,
    afterGap: false,
  });
  jobs.set(key, stored);
  const [record] = await hub.commit({ account, events: [event!], upserts: [stored], removals: [] });
  return record!;
}

async function collectUntil(
  iterator: AsyncIterableIterator<SubscriptionItem>,
  done: (items: SubscriptionItem[]) => boolean,
  max = 10_000,
): Promise<SubscriptionItem[]> {
  const items: SubscriptionItem[] = [];
  while (!done(items) && items.length < max) {
    const next = await iterator.next();
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

const seqs = (items: SubscriptionItem[]) => items.map((i) => (i as JobEventRecord).seq);

describe('event hub subscriptions', () => {
  it('replays after the cursor, then goes live, with no gap and no duplicate while commits race', async () => {
    const hub = makeHub({ pageSize: 7 });
    for (let i = 0; i < 40; i++) await commit(hub, `job-${i % 5}`, i % 2 ? 'TRANSFERRING' : 'RECEIVED');
    const written = 400;
    // A writer keeps committing while subscribers join at different cursors.
    const writer = (async () => {
      for (let i = 40; i < written; i++) {
        await commit(hub, `job-${i % 5}`, i % 2 ? 'TRANSFERRING' : 'RECEIVED');
        if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const joined = [0, 3, 17, 39, 40].map(async (after, i) => {
      await new Promise((resolve) => setTimeout(resolve, i));
      return { after, iterator: await hub.subscribe({}, hub.cursorOf(after)) };
    });
    const subscribers = await Promise.all(joined);
    await writer;
    // Every subscriber has replayed the whole log by now, and its live queue holds what was committed since it
    // joined: reading one more event after that crosses the seam, where a duplicate would show.
    const replayedUpTo = await commit(hub, 'job-0', 'COMPLETED');
    const collected = [];
    for (const { after, iterator } of subscribers) {
      const items = await collectUntil(
        iterator,
        (got) => (got.at(-1) as JobEventRecord | undefined)?.seq === replayedUpTo.seq,
      );
      collected.push({ after, iterator, items });
    }
    const live = await commit(hub, 'job-1', 'COMPLETED');
    for (const { after, iterator, items } of collected) {
      items.push(...(await collectUntil(iterator, (got) => got.length === 1)));
      await iterator.return?.();
      expect(seqs(items)).toEqual(Array.from({ length: live.seq - after }, (_, i) => after + 1 + i));
    }
  });

  it('without a cursor delivers only what is logged from then on', async () => {
    const hub = makeHub();
    await commit(hub, 'a', 'CREATING');
    const iterator = await hub.subscribe({});
    const later = await commit(hub, 'a', 'SHIPPING');
    expect(seqs(await collectUntil(iterator, (got) => got.length === 1))).toEqual([later.seq]);
    expect(await hub.latestCursor()).toBe(hub.cursorOf(later.seq));
    await iterator.return?.();
  });

  it('filters by provider, account, job, kind and state', async () => {
    const hub = makeHub();
    const iterators = await Promise.all([
      hub.subscribe({ accounts: ['other'] }),
      hub.subscribe({ providers: ['fake'], states: ['SHIPPING'] }),
      hub.subscribe({ jobs: [{ account: 'acct', nativeId: 'b' }] }),
      hub.subscribe({ kinds: ['CREATED'] }),
    ]);
    const events = [
      await commit(hub, 'a', 'CREATING'),
      await commit(hub, 'a', 'SHIPPING'),
      await commit(hub, 'b', 'CREATING'),
      await commit(hub, 'x', 'SHIPPING', 'other'),
      await commit(hub, 'b', 'SHIPPING'),
    ];
    const [other, shipping, jobB, created] = await Promise.all([
      collectUntil(iterators[0]!, (got) => got.length === 1),
      collectUntil(iterators[1]!, (got) => got.length === 2),
      collectUntil(iterators[2]!, (got) => got.length === 2),
      collectUntil(iterators[3]!, (got) => got.length === 3),
    ]);
    const s = events.map((e) => e.seq);
    expect(seqs(other)).toEqual([s[3]]);
    expect(seqs(shipping)).toEqual([s[1], s[4]]);
    expect(seqs(jobB)).toEqual([s[2], s[4]]);
    expect(seqs(created)).toEqual([s[0], s[2], s[3]]);
    await Promise.all(iterators.map((i) => i.return?.()));
  });

  it('refuses expired, foreign, future and malformed cursors with typed errors', async () => {
    const clock = { now: 1_000 };
    const hub = makeHub({ clock });
    const first = await commit(hub, 'a', 'CREATING');
    await commit(hub, 'a', 'SHIPPING');
    clock.now += 120_000; // beyond the 60 s retention
    const kept = await commit(hub, 'a', 'RECEIVED');
    await hub.pruneNow();

    const codeOf = (after: string) =>
      hub.subscribe({}, after).then(
        async (it) => {
          await it.return?.();
          return 'ok';
        },
        (e: { code: string }) => e.code,
      );
    expect(await codeOf(hub.cursorOf(first.seq))).toBe('CURSOR_EXPIRED');
    expect(await codeOf(hub.cursorOf(kept.seq - 1))).toBe('ok'); // the newest pruned event is a valid start
    expect(await codeOf(hub.cursorOf(kept.seq))).toBe('ok');
    expect(await codeOf(encodeEventCursor({ logId: 'another-store', seq: kept.seq }))).toBe('CURSOR_EXPIRED');
    expect(await codeOf(hub.cursorOf(kept.seq + 5))).toBe('BAD_USER_INPUT');
    expect(await codeOf('not-a-cursor')).toBe('BAD_USER_INPUT');
    expect(hub.subscriberCount).toBe(0);
  });

  it('purges expired idempotency keys on its retention timer, unasked', async () => {
    const clock = { now: 1_000 };
    const store = new MemoryStore(() => clock.now);
    // A retention of 10 s runs the timer every second.
    const hub = makeHub({ clock, store, retentionMs: 10_000 });
    await hub.ready;
    const record = { fingerprint: 'f', at: '2026-01-01T00:00:00.000Z' };
    await store.putIdempotencyKey('acct', 'expired', record, 2_000);
    await store.putIdempotencyKey('acct', 'live', record, 60_000);
    clock.now = 5_000;
    // As of time 0 a key answers as long as it is stored.
    await waitUntil(
      async () => !(await store.getIdempotencyKey('acct', 'expired', 0)),
      'the expired key is purged',
      10_000,
    );
    expect(await store.getIdempotencyKey('acct', 'live', clock.now)).toEqual(record);
  });

  it('tells a subscriber that stops reading it is too slow, with a cursor that resumes without loss', async () => {
    const hub = makeHub({ queueLimit: 5 });
    const slow = await hub.subscribe({});
    const events: JobEventRecord[] = [];
    for (let i = 0; i < 3; i++) events.push(await commit(hub, 'a', i % 2 ? 'SHIPPING' : 'CREATING'));
    const read = await collectUntil(slow, (got) => got.length === 2); // reads two, then stalls
    for (let i = 3; i < 12; i++) events.push(await commit(hub, 'a', i % 2 ? 'SHIPPING' : 'CREATING'));

    // What was already read from the log still comes, then the signal, then nothing.
    const rest = await collectUntil(slow, () => false);
    const signal = rest.pop()!;
    expect(isSlowConsumerSignal(signal)).toBe(true);
    expect(rest.length).toBeLessThan(events.length - read.length);
    expect((await slow.next()).done).toBe(true);
    expect(hub.subscriberCount).toBe(0);

    const delivered = [...read, ...rest];
    const resumed = await hub.subscribe({}, (signal as { cursor: string }).cursor);
    const replayed = await collectUntil(resumed, (got) => got.length === events.length - delivered.length);
    expect([...seqs(delivered), ...seqs(replayed)]).toEqual(events.map((e) => e.seq));
    await resumed.return?.();
  });

  it('unsubscribes at once while waiting for the next live event', async () => {
    const hub = makeHub();
    const iterator = await hub.subscribe({});
    const pending = iterator.next();
    expect(hub.subscriberCount).toBe(1);
    await iterator.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(hub.subscriberCount).toBe(0);
  });

  it('ends live subscriptions when disposed', async () => {
    const hub = makeHub();
    const iterator = await hub.subscribe({});
    const pending = iterator.next();
    await hub.dispose();
    expect((await pending).done).toBe(true);
    await expect(hub.subscribe({})).rejects.toBeDefined();
  });
});
