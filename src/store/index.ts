/**
 * The store the config names: embedded SQLite (the default; survives restarts) or memory (tests). Both
 * implement `GatewayStore` (./types.ts) and pass the same suite (test/store.test.ts).
 */
import { resolve } from 'node:path';
import { MemoryStore } from './memory.js';
import { SqliteStore } from './sqlite.js';
import type { GatewayStore } from './types.js';

export { MemoryStore } from './memory.js';
export { SCHEMA_VERSION, SqliteStore, StoreVersionError } from './sqlite.js';
export * from './types.js';

export type StoreConfig = { kind: 'sqlite'; path: string } | { kind: 'memory' };

export function createStore(config: StoreConfig, opts: { cwd?: string; now?: () => number } = {}): GatewayStore {
  const now = opts.now ?? Date.now;
  return config.kind === 'sqlite'
    ? new SqliteStore({ path: resolve(opts.cwd ?? process.cwd(), config.path), now })
    : new MemoryStore(now);
}
