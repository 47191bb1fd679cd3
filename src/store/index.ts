/**
 * The gateway's state: keyv namespaces (snapshots, idempotency keys, cursors, caches) over one embedded
 * SQLite file by default, so state survives a restart; `memory` for tests. Each namespace gets its own
 * table so namespaces never see each other's keys.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';

export type StoreConfig = { kind: 'sqlite'; path: string } | { kind: 'memory' };

export interface Store {
  readonly config: StoreConfig;
  /** Absolute path of the SQLite file, when the store is SQLite (the event log shares it). */
  readonly sqlitePath: string | undefined;
  kv<T>(namespace: string): Keyv<T>;
  dispose(): Promise<void>;
}

export function createStore(config: StoreConfig, cwd = process.cwd()): Store {
  const namespaces = new Map<string, Keyv>();
  const sqlitePath = config.kind === 'sqlite' ? resolve(cwd, config.path) : undefined;
  if (sqlitePath) mkdirSync(dirname(sqlitePath), { recursive: true });

  return {
    config,
    sqlitePath,
    kv<T>(namespace: string): Keyv<T> {
      let kv = namespaces.get(namespace);
      if (!kv) {
        const table = `keyv_${namespace.replace(/[^a-z0-9_]/gi, '_')}`;
        kv = sqlitePath
          ? new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${sqlitePath}`, table, busyTimeout: 5_000 }), namespace })
          : new Keyv({ namespace });
        kv.on('error', () => {}); // surfaced through the rejected promise of the call that failed
        namespaces.set(namespace, kv);
      }
      return kv as Keyv<T>;
    },
    async dispose() {
      await Promise.allSettled([...namespaces.values()].map((kv) => kv.disconnect()));
      namespaces.clear();
    },
  };
}
