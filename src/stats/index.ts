/**
 * providerStats from the store: the index's counts by state, the stats columns of the jobs that had not ended
 * before the window, and their recorded transitions — three reads, whatever the number of readers or accounts,
 * and never a provider call. The figures themselves are computed in ./provider-stats.ts.
 */
import type { GatewayStore } from '../store/types.js';
import {
  computeProviderStats,
  type GroupStats,
  type StatsAccount,
  type StatsGroupBy,
  type StatsWindow,
} from './provider-stats.js';

export type { GroupStats, StatsAccount, StatsGroupBy, StatsWindow, StuckEntry } from './provider-stats.js';
export { computeProviderStats } from './provider-stats.js';

export async function readProviderStats(
  store: GatewayStore,
  opts: { accounts: readonly StatsAccount[]; groupBy: StatsGroupBy; window: StatsWindow },
): Promise<GroupStats[]> {
  const names = opts.accounts.map((a) => a.name);
  const [counts, facts] = await Promise.all([
    store.countJobs(names),
    store.jobFacts({ accounts: names, finishedSinceMs: opts.window.sinceMs }),
  ]);
  const transitions = await store.transitions(facts.map((f) => ({ account: f.account, nativeId: f.nativeId })));
  return computeProviderStats({
    ...opts,
    counts,
    jobs: facts.map((f, i) => ({ facts: f, transitions: transitions[i] ?? [] })),
  });
}
