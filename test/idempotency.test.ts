/**
 * Idempotency keys on their own: the input fingerprint (same input whatever the key order, salted per key,
 * nothing of the input in it), how long a key is kept (the schema's promise), and a create shared by
 * concurrent retries in one process. The end-to-end suites drive createJob with keys over HTTP.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint, IDEMPOTENCY_TTL_MS, IdempotencyKeys } from '../src/mutations/idempotency.js';
import { MemoryStore } from '../src/store/memory.js';
import { snapshot } from './helpers/jobs.js';

const DAY_MS = 86_400_000;

describe('fingerprint', () => {
  const input = {
    name: 'job-1',
    drives: [{ id: 'D1', bitLockerKey: '238810-662376' }],
    returnShipping: { carrier: 'FedEx' },
  };

  it('is a 32-byte base64url digest that holds nothing of the input', async () => {
    const print = await fingerprint(input, 'acct\nkey');
    expect(print).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(print).not.toContain('238810');
    expect(await fingerprint(structuredClone(input), 'acct\nkey')).toBe(print);
  });

  it('ignores key order and absent (null or undefined) fields at any depth', async () => {
    const reordered = {
      returnShipping: { carrier: 'FedEx', account: null },
      drives: [{ bitLockerKey: '238810-662376', id: 'D1', hash: undefined }],
      name: 'job-1',
      note: null,
    };
    expect(await fingerprint(reordered, 's')).toBe(await fingerprint(input, 's'));
  });

  it('ignores key order in objects of any size (a hundred keys, written backwards)', async () => {
    const keys = Array.from({ length: 100 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    const forwards = Object.fromEntries(keys.map((k) => [k, k]));
    const backwards = Object.fromEntries([...keys].reverse().map((k) => [k, k]));
    const shuffled = Object.fromEntries(keys.map((_, i) => keys[(i * 37) % 100]!).map((k) => [k, k]));
    const prints = await Promise.all([forwards, backwards, shuffled].map((v) => fingerprint(v, 's')));
    expect(new Set(prints).size).toBe(1);
  });

  it('tells different input apart: a value, a list order, a nesting, a type', async () => {
    const print = await fingerprint(input, 's');
    const others = [
      { ...input, name: 'job-2' },
      { ...input, drives: [...input.drives, { id: 'D2' }] },
      { ...input, returnShipping: { carrier: 'UPS' } },
      { ...input, extra: false },
      { ...input, name: ['job-1'] },
      { ...input, drives: { id: 'D1', bitLockerKey: '238810-662376' } },
    ];
    const prints = await Promise.all(others.map((other) => fingerprint(other, 's')));
    expect(new Set([print, ...prints]).size).toBe(others.length + 1);
    expect(await fingerprint(['a', 'b'], 's')).not.toBe(await fingerprint(['b', 'a'], 's'));
  });

  it('stays the same across gateway versions: keys kept for days must still match their input after an upgrade', async () => {
    // Frozen when written (scrypt N=2^14, r=8, p=1 over the canonical JSON: keys sorted, absent fields dropped,
    // list order kept): a change here makes every kept key an IDEMPOTENCY_CONFLICT for its own retry.
    const input = { zeta: 1, alpha: { mid: [3, { y: 'b', x: 'a' }], beta: true }, list: ['b', 'a'], gone: null };
    expect(await fingerprint(input, 'acct\nkey-1')).toBe('Xcjt0Qy8m3seBU0OknvLRJGwi-d_27mkMevxLJ5Ok3M');
  });

  it('depends on the salt, so equal inputs under different keys or accounts do not match', async () => {
    expect(await fingerprint(input, 'acct\nkey-1')).not.toBe(await fingerprint(input, 'acct\nkey-2'));
  });
});

describe('IdempotencyKeys', () => {
  const stores: MemoryStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  const keysAt = async (clock: { now: number }) => {
    const store = new MemoryStore(() => clock.now);
    await store.open();
    stores.push(store);
    return new IdempotencyKeys(store, () => clock.now);
  };

  it('keeps a key for the 7 days the schema promises, per account, until it is forgotten', async () => {
    const schema = readFileSync(new URL('../schema/mutations.graphql', import.meta.url), 'utf8');
    expect(schema).toContain('Keys are kept for 7 days.');
    expect(IDEMPOTENCY_TTL_MS).toBe(7 * DAY_MS);

    const clock = { now: 1_000_000 };
    const keys = await keysAt(clock);
    const record = { fingerprint: 'f', at: new Date(clock.now).toISOString(), snapshot: snapshot('j', 'CREATING') };
    await keys.remember('east', 'k', record);
    expect(await keys.get('west', 'k')).toBeUndefined();
    clock.now += 7 * DAY_MS - 1;
    expect(await keys.get('east', 'k')).toEqual(record);
    clock.now += 1;
    expect(await keys.get('east', 'k')).toBeUndefined();

    await keys.remember('east', 'k2', record);
    await keys.forget('east', 'k2');
    expect(await keys.get('east', 'k2')).toBeUndefined();
  });

  it('runs one create for concurrent retries of a key, and a new one once it settled, also after a failure', async () => {
    const keys = await keysAt({ now: 0 });
    let creates = 0;
    const pending: (() => void)[] = [];
    /** Answers every create still waiting. */
    const release = () => {
      for (const answer of pending.splice(0)) answer();
    };
    const create = () =>
      new Promise<ReturnType<typeof snapshot>>((resolve) => {
        creates += 1;
        const nativeId = `job-${creates}`;
        pending.push(() => resolve(snapshot(nativeId, 'CREATING')));
      });
    const first = keys.once('east', 'k', create);
    const retry = keys.once('east', 'k', create);
    expect(retry).toBe(first);
    expect(creates).toBe(1);
    release();
    expect((await retry).nativeId).toBe('job-1');

    // Other keys and other accounts do not share it.
    const [other, elsewhere] = [keys.once('east', 'k2', create), keys.once('west', 'k', create)];
    expect(creates).toBe(3);
    release();
    expect([(await other).nativeId, (await elsewhere).nativeId]).toEqual(['job-2', 'job-3']);

    // Settled (even by a failure): the next call creates again.
    await expect(keys.once('east', 'k', () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    const again = keys.once('east', 'k', create);
    expect(creates).toBe(4);
    release();
    expect((await again).nativeId).toBe('job-4');
  });
});
