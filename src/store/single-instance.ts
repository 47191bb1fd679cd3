/**
 * What a store that serves one gateway instance (memory, SQLite) answers about instances: it is the only one,
 * holds every lease for good, and hears of no other instance's commits (its own are published in-process).
 */
import type { LeaseView, StoreListener } from './types.js';

/** The lease token of a single-instance store: it never changes, since no other instance can take a lease. */
const ONLY_TOKEN = 1;

export abstract class SingleInstanceStore {
  readonly shared = false;

  async heartbeat(instance: string, _ttlMs: number): Promise<LeaseView> {
    return { instances: [instance], leases: [] };
  }

  async acquireLease(_account: string, _instance: string, _ttlMs: number): Promise<number | null> {
    return ONLY_TOKEN;
  }

  async releaseLeases(_instance: string, _accounts?: readonly string[]): Promise<void> {}

  listen(_listener: StoreListener): () => void {
    return () => {};
  }

  async requestRound(_account: string): Promise<void> {}
}
