/**
 * The gateway's Prometheus metrics (prom-client): one registry per gateway, so that several gateways in one
 * process (tests, embedders) keep their own counts, plus the process's default metrics, collected once per
 * process because they describe the process. Label values come only from bounded sets — configured accounts,
 * registered providers, the adapter operations, operation types and the public error codes — never from job
 * ids or from what clients send (operation names, documents).
 */
import client from 'prom-client';
import { JOB_STATES } from '../sdk/model.js';
import type { StateCount } from '../store/types.js';

/** What the gauges read when scraped. */
export interface MetricSources {
  /** The configured accounts, in config order. */
  accounts(): readonly string[];
  jobCounts(): Promise<readonly StateCount[]>;
  /** Per account, epoch ms of the start of its last complete round (null: never observed completely). */
  lastObservedMs(): Promise<readonly { account: string; ms: number | null }[]>;
  subscribers(): number;
  now(): number;
}

let processRegistry: client.Registry | undefined;

/** The process's own metrics (CPU, memory, event loop, GC), registered once however many gateways run. */
function processMetrics(): client.Registry {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const SECONDS_FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SECONDS_SLOW = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export class GatewayMetrics {
  readonly registry = new client.Registry();
  private sources: MetricSources | undefined;

  readonly providerRequests = new client.Counter({
    name: 'crossdock_provider_requests_total',
    help: 'Calls to providers by account, provider, adapter operation and outcome (ok or the public error code).',
    labelNames: ['account', 'provider', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly providerRequestDuration = new client.Histogram({
    name: 'crossdock_provider_request_duration_seconds',
    help: 'Duration of calls to providers by account, provider, adapter operation and outcome.',
    labelNames: ['account', 'provider', 'operation', 'outcome'] as const,
    buckets: SECONDS_FAST,
    registers: [this.registry],
  });

  readonly pollRoundDuration = new client.Histogram({
    name: 'crossdock_poll_round_duration_seconds',
    help: 'Duration of poll rounds (listing, per-job reads, commits) by account, failed ones included.',
    labelNames: ['account'] as const,
    buckets: SECONDS_SLOW,
    registers: [this.registry],
  });

  readonly eventsPublished = new client.Counter({
    name: 'crossdock_events_published_total',
    help: 'Job events committed to the event log and published to subscribers, by account and kind.',
    labelNames: ['account', 'kind'] as const,
    registers: [this.registry],
  });

  readonly graphqlRequests = new client.Counter({
    name: 'crossdock_graphql_requests_total',
    help: 'GraphQL operations (HTTP and websocket) by operation type and outcome (ok or the first error code).',
    labelNames: ['operation_type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly graphqlRequestDuration = new client.Histogram({
    name: 'crossdock_graphql_request_duration_seconds',
    help: 'Duration of GraphQL operations (subscriptions: until they are set up) by operation type and outcome.',
    labelNames: ['operation_type', 'outcome'] as const,
    buckets: SECONDS_FAST,
    registers: [this.registry],
  });

  constructor() {
    const metrics = this;
    new client.Gauge({
      name: 'crossdock_poll_lag_seconds',
      help: "Age of each account's jobs in the index: seconds since its last complete poll round started.",
      labelNames: ['account'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const sources = metrics.sources;
        if (!sources) return;
        const now = sources.now();
        for (const { account, ms } of await sources.lastObservedMs()) {
          if (ms !== null) this.set({ account }, Math.max(0, (now - ms) / 1000));
        }
      },
    });
    new client.Gauge({
      name: 'crossdock_jobs',
      help: 'Jobs in the index by account and normalized state (UNKNOWN: never mapped to a state).',
      labelNames: ['account', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const sources = metrics.sources;
        if (!sources) return;
        // Every state of every account, zeros included: a state emptying reads as 0, not as a gap.
        for (const account of sources.accounts()) for (const state of JOB_STATES) this.set({ account, state }, 0);
        for (const count of await sources.jobCounts()) {
          this.set({ account: count.account, state: count.state ?? 'UNKNOWN' }, count.count);
        }
      },
    });
    new client.Gauge({
      name: 'crossdock_subscribers',
      help: 'Live jobEvents subscriptions.',
      registers: [this.registry],
      collect() {
        this.set(metrics.sources?.subscribers() ?? 0);
      },
    });
    processMetrics();
  }

  /** Where the gauges read from (the gateway, once it is wired). */
  observe(sources: MetricSources): void {
    this.sources = sources;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text of this gateway's metrics and the process's. */
  async scrape(): Promise<string> {
    const [own, process] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${own}\n${process}`;
  }
}
