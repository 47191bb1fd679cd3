/**
 * The gateway's long-lived parts, wired from a validated config; `dispose()` releases all of them. Two paths
 * meet only in the store: observation (a mirror per account, driven by the scheduler) writes the job index and
 * the event log in one commit per observation; every query and subscription reads them.
 */
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import { EventHub } from './events/hub.js';
import type { JobEventRecord } from './events/types.js';
import { IdempotencyKeys } from './mutations/idempotency.js';
import { type AccountRuntime, connectAccounts } from './observation/accounts.js';
import { Observation, type PollOutcome } from './observation/index.js';
import type { AdapterRegistry } from './sdk/index.js';
import { createStore, type GatewayStore } from './store/index.js';
import { Telemetry } from './telemetry/index.js';

export interface Gateway {
  config: GatewayConfig;
  registry: AdapterRegistry;
  logger: Logger;
  /** The job index, the event log, idempotency keys and poll state. */
  store: GatewayStore;
  accounts: Map<string, AccountRuntime>;
  /** Live publication and subscriptions over the store's event log. */
  events: EventHub;
  /** One mirror per account and the scheduler that drives them. */
  observation: Observation;
  idempotency: IdempotencyKeys;
  /** Metrics (/metrics) and, when configured, traces of provider calls, poll rounds and GraphQL operations. */
  telemetry: Telemetry;
  now: () => number;
  /** Records that a job the gateway deleted no longer exists (a REMOVED event). NOT_FOUND for an unknown account. */
  observeRemoved(account: string, nativeId: string): Promise<JobEventRecord[]>;
  /** Polls one account in a round that starts after this call; resolves with what the round logged. */
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
  /** A store other than the one the config names (tests hand in one they inspect). */
  store?: GatewayStore;
}

export function createGateway(config: GatewayConfig, opts: GatewayOptions): Gateway {
  const now = opts.now ?? Date.now;
  const store = opts.store ?? createStore(config.store, { now, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  const telemetry = new Telemetry(config.telemetry, opts.logger);
  const accounts = connectAccounts(config, opts.registry, opts.logger, now, telemetry);
  const events = new EventHub({
    store,
    logger: opts.logger,
    now,
    retentionMs: config.events.retentionMs,
    subscriberQueueLimit: config.events.subscriberQueueLimit,
    ...(config.store.kind === 'postgres' ? { catchUpIntervalMs: config.store.catchUpIntervalMs } : {}),
    onPublish: (records) => telemetry.eventsPublished(records),
  });
  const observation = new Observation({
    accounts,
    store,
    hub: events,
    polling: config.polling,
    reads: config.reads,
    logger: opts.logger,
    now,
    telemetry,
    ...(opts.random ? { random: opts.random } : {}),
    ...(config.store.kind === 'postgres' ? { leaseTtlMs: config.store.leaseTtlMs } : {}),
  });
  const names = [...accounts.keys()];
  telemetry.metrics.observe({
    accounts: () => names,
    jobCounts: () => store.countJobs(names),
    lastObservedMs: () =>
      Promise.all(
        [...observation.all()].map(async (m) => ({
          account: m.accountName,
          ms: (await m.pollState()).lastRoundStartedMs,
        })),
      ),
    subscribers: () => events.subscriberCount,
    now,
  });
  // With tracing configured, the first rounds wait for it (a dynamic import), so they are traced too.
  if (config.telemetry.otlpEndpoint) void telemetry.ready.then(() => observation.start());
  else observation.start();
  return {
    config,
    registry: opts.registry,
    logger: opts.logger,
    store,
    accounts,
    events,
    observation,
    idempotency: new IdempotencyKeys(store, now),
    telemetry,
    now,
    observeRemoved: (account, nativeId) => observation.mirror(account).observeRemoved(nativeId),
    pollNow: (account) => {
      try {
        return observation.mirror(account).requestRound();
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async dispose() {
      await observation.dispose();
      await events.dispose();
      await Promise.allSettled([...accounts.values()].map((a) => a.client.dispose()));
      await telemetry.dispose();
      await store.close();
    },
  };
}
