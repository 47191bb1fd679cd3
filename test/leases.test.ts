/** Which accounts an instance polls: the deal over live instances, and a single-instance store's leases. */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { assignedAccounts, LeaseKeeper } from '../src/observation/leases.js';
import { MemoryStore } from '../src/store/index.js';
import { waitUntil } from './helpers/servers.js';

describe('lease assignment', () => {
  it('deals the accounts evenly over the live instances, the same whoever computes it', () => {
    const accounts = ['c', 'a', 'e', 'b', 'd'];
    const instances = ['i-2', 'i-1', 'i-3'];
    const dealt = instances.map((i) => assignedAccounts(accounts, instances, i));
    expect(dealt.map((set) => [...set].sort())).toEqual([['b', 'e'], ['a', 'd'], ['c']]);
    // Every account exactly once.
    expect(dealt.flatMap((set) => [...set]).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    // One instance fewer (i-3 died): its account goes to a survivor.
    const survivors = ['i-1', 'i-2'];
    expect(survivors.flatMap((i) => [...assignedAccounts(accounts, survivors, i)]).sort()).toEqual(accounts.sort());
    expect(assignedAccounts(accounts, survivors, 'i-3').size).toBe(0);
  });

  it('holds every account at once on a single-instance store, and renews nothing on a timer', async () => {
    const acquired: [string, number][] = [];
    const keeper = new LeaseKeeper({
      store: new MemoryStore(),
      instance: 'only',
      accounts: ['x', 'y'],
      ttlMs: 1_000,
      logger: pino({ level: 'silent' }),
      acquired: (account, token) => acquired.push([account, token]),
      lost: () => {
        throw new Error('a single instance never loses a lease');
      },
    });
    keeper.start();
    await waitUntil(() => acquired.length === 2, 'both accounts held');
    expect(acquired.map(([account]) => account)).toEqual(['x', 'y']);
    expect(keeper.holding).toEqual(new Set(['x', 'y']));
    await keeper.dispose();
  });
});
