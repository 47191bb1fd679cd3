/** The gateway's long-lived parts, wired from a validated config; `dispose()` releases all of them. */
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import { EventHub } from './events/hub.js';
import type { JobEventRecord } from './events/types.js';
import { IdempotencyKeys } from './mutations/idempotency.js';
import { type AccountRuntime, connectAccounts } from './observation/accounts.js';
import { Pollers, type PollOutcome } from './observation/index.js';
import { SnapshotCache } from './observation/snapshot-cache.js';
import type { AdapterRegistry, JobSnapshot } from './sdk/index.js';
import { type EventStore, MemoryEventStore } from './store/event-store.js';
import { createStore, type Store } from './store/index.js';
import { SqliteEventStore } from './store/sqlite-event-store.js';

export interface Gateway {
  config: GatewayConfig;
  registry: AdapterRegistry;
  logger: Logger;
  store: Store;
  accounts: Map<string, AccountRuntime>;
  cache: SnapshotCache;
  /** The durable event log, live publication and subscriptions. */
  events: EventHub;
  /** One poller per account. */
  pollers: Pollers;
  idempotency: IdempotencyKeys;
  now: () => number;
  /**
   * Records a job snapshot the gateway just got from its provider outside polling — the answer to a create,
   * update or cancel — so the change is in subscriptions, `Job.history` and the snapshot cache at once.
   * Resolves with the events it logged (none when nothing changed). NOT_FOUND for an unknown account.
   */
  observe(account: string, snapshot: JobSnapshot): Promise<JobEventRecord[]>;
  /** Records that a job the gateway deleted no longer exists (a REMOVED event). */
  observeRemoved(account: string, nativeId: string): Promise<JobEventRecord[]>;
  /** Polls one account now (after the round in flight, if any); resolves with what the round logged. */
  pollNow(account: string): Promise<PollOutcome>;
  dispose(): Promise<void>;
}

export interface GatewayOptions {
  logger: Logger;
  /** The adapters the config's accounts may use (`registry` of src/registry.ts for the bundled ones). */
  registry: AdapterRegistry;
  now?: () => number;
  cwd?: string;
  /** Randomness for polling jitter (tests pass a seeded one). */
  random?: () => number;
}

function createEventStore(store: Store, now: () => number): EventStore {
  return store.sqlitePath ? new SqliteEventStore({ path: store.sqlitePath, now }) : new MemoryEventStore(now);
}

export function createGateway(config: GatewayConfig, opts: GatewayOptions): Gateway {
  const now = opts.now ?? Date.now;
  const store = createStore(config.store, opts.cwd);
  const accounts = connectAccounts(config, opts.registry, opts.logger, now);
  const cache = new SnapshotCache();
  const events = new EventHub({
    store: createEventStore(store, now),
    logger: opts.logger,
    now,
    retentionMs: config.events.retentionMs,
    subscriberQueueLimit: config.events.subscriberQueueLimit,
  });
  const pollers = new Pollers({
    accounts,
    hub: events,
    cache,
    config: config.polling,
    logger: opts.logger,
    now,
    ...(opts.random ? { random: opts.random } : {}),
  });
  pollers.start();
  return {
    config,
    registry: opts.registry,
    logger: opts.logger,
    store,
    accounts,
    cache,
    events,
    pollers,
    idempotency: new IdempotencyKeys(store),
    now,
    observe: (account, snapshot) => pollers.observe(account, snapshot),
    observeRemoved: (account, nativeId) => pollers.observeRemoved(account, nativeId),
    pollNow: (account) => pollers.pollNow(account),
    async dispose() {
      await pollers.dispose();
      await events.dispose();
      await Promise.allSettled([...accounts.values()].map((a) => a.client.dispose()));
      await cache.dispose();
      await store.dispose();
    },
  };
}
