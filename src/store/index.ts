/**
 * The store the config names: embedded SQLite (the default; survives restarts), memory (tests), or PostgreSQL
 * (several gateway instances sharing one index and log). All implement `GatewayStore` (./types.ts) and pass
 * the same suite (test/store.test.ts).
 */
import { resolve } from 'node:path';
import { MemoryStore } from './memory.js';
import { PostgresStore, type PostgresStoreOptions } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { GatewayStore } from './types.js';

export { MemoryStore } from './memory.js';
export { POSTGRES_SCHEMA_VERSION, PostgresStore, type PostgresStoreOptions } from './postgres.js';
export { SCHEMA_VERSION, SqliteStore } from './sqlite.js';
export * from './types.js';

export type StoreConfig =
  | { kind: 'sqlite'; path: string; cacheJobs?: number }
  | { kind: 'memory' }
  | ({ kind: 'postgres'; leaseTtlMs?: number; catchUpIntervalMs?: number } & Omit<PostgresStoreOptions, 'now'>);

export function createStore(config: StoreConfig, opts: { cwd?: string; now?: () => number } = {}): GatewayStore {
  const now = opts.now ?? Date.now;
  switch (config.kind) {
    case 'sqlite':
      return new SqliteStore({
        path: resolve(opts.cwd ?? process.cwd(), config.path),
        now,
        ...(config.cacheJobs === undefined ? {} : { cacheJobs: config.cacheJobs }),
      });
    case 'postgres': {
      const { kind: _kind, leaseTtlMs: _ttl, catchUpIntervalMs: _catchUp, ...options } = config;
      return new PostgresStore({ ...options, now });
    }
    default:
      return new MemoryStore(now);
  }
}
