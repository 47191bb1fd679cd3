/** The gateway's long-lived parts, wired from a validated config; `dispose()` releases all of them. */
import type { Logger } from 'pino';
import { type AccountRuntime, connectAccounts } from './accounts.js';
import type { GatewayConfig } from './config.js';
import { IdempotencyKeys } from './idempotency.js';
import { JobRecords } from './job-records.js';
import { SnapshotCache } from './snapshot-cache.js';
import { createStore, type Store } from './store/index.js';

export interface Gateway {
  config: GatewayConfig;
  logger: Logger;
  store: Store;
  accounts: Map<string, AccountRuntime>;
  cache: SnapshotCache;
  records: JobRecords;
  idempotency: IdempotencyKeys;
  now: () => number;
  dispose(): Promise<void>;
}

export interface GatewayOptions {
  logger: Logger;
  now?: () => number;
  cwd?: string;
}

export function createGateway(config: GatewayConfig, opts: GatewayOptions): Gateway {
  const now = opts.now ?? Date.now;
  const store = createStore(config.store, opts.cwd);
  const accounts = connectAccounts(config, opts.logger, now);
  const cache = new SnapshotCache();
  return {
    config,
    logger: opts.logger,
    store,
    accounts,
    cache,
    records: new JobRecords(store),
    idempotency: new IdempotencyKeys(store),
    now,
    async dispose() {
      await Promise.allSettled([...accounts.values()].map((a) => a.client.dispose()));
      await cache.dispose();
      await store.dispose();
    },
  };
}
