/**
 * What the embedded store has answered since its last write, kept in memory: a job row, a job's history, a page
 * of `jobs`. The SQLite store belongs to one gateway process (the lock file sees to that) and every write goes
 * through that process, so "since the last write" is exact: every write clears the whole cache, and a read that
 * overlapped a write does not keep its answer (the generation it started in is gone). Between poll rounds,
 * dashboards asking the same pages then cost no statement and no JSON parse.
 *
 * Bounded by weight (`store.cacheJobs`): a job row or a history weighs 1, a page 1 + its jobs. Entries are frozen,
 * so a resolver that tried to change what another request will read fails loudly instead.
 */
import { LRUCache } from 'lru-cache';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** A cached "nothing there" (LRUCache keeps no undefined). */
const ABSENT = Symbol('absent');

export class ReadCache {
  private generation = 0;
  private readonly entries: LRUCache<string, { value: unknown }> | undefined;

  constructor(maxWeight: number) {
    this.entries =
      maxWeight > 0
        ? new LRUCache({ maxSize: maxWeight, sizeCalculation: (entry) => weightOf(entry.value) })
        : undefined;
  }

  /** After any write (whether it committed or not): everything read before may have changed. */
  invalidate(): void {
    this.generation++;
    this.entries?.clear();
  }

  /** One answer under `key`, from the cache or from `load`. */
  async one<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries?.get(key);
    if (hit) return hit.value as T;
    const generation = this.generation;
    const value = await load();
    this.keep(generation, key, value);
    return value;
  }

  /** Answers per key; `load` gets only the keys not cached, and answers them in their order. */
  async many<K, T>(
    keys: readonly K[],
    keyOf: (key: K) => string,
    load: (missing: readonly K[]) => Promise<(T | undefined)[]>,
  ): Promise<(T | undefined)[]> {
    if (!this.entries) return load(keys);
    const answers: (T | undefined)[] = new Array(keys.length);
    const missing: K[] = [];
    const missingAt: number[] = [];
    keys.forEach((key, i) => {
      const hit = this.entries?.get(keyOf(key));
      if (!hit) {
        missing.push(key);
        missingAt.push(i);
      } else answers[i] = hit.value === ABSENT ? undefined : (hit.value as T);
    });
    if (missing.length === 0) return answers;
    const generation = this.generation;
    const loaded = await load(missing);
    loaded.forEach((value, i) => {
      answers[missingAt[i]!] = value;
      this.keep(generation, keyOf(missing[i]!), value === undefined ? ABSENT : value);
    });
    return answers;
  }

  private keep(generation: number, key: string, value: unknown): void {
    if (!this.entries || generation !== this.generation) return;
    this.entries.set(key, { value: deepFreeze(value) });
  }
}

function weightOf(value: unknown): number {
  const jobs = (value as { jobs?: unknown[] } | null)?.jobs;
  return 1 + (Array.isArray(jobs) ? jobs.length : 0);
}
