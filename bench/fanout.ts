/**
 * Subscription fan-out: N graphql-ws subscribers (one websocket each, in a worker thread) on the same
 * subscription document, while the sandbox's simulators are stepped and every account polled once per round.
 * Per N: provider requests per round (one poller per account, whatever N), events and deliveries, payload
 * executions (shared per distinct document + variables), and the latency from the start of a poll round to the
 * moment the last subscriber has an event. With distinct variables per subscriber, nothing can be shared.
 */
import { Worker } from 'node:worker_threads';
import { registry } from '../src/registry.js';
import { startTestGateway, type TestGateway, waitUntil } from '../test/helpers/servers.js';
import { preciseNow } from './stats.js';

const { adapters } = registry;

/** A dashboard's subscription: what changed, and the job as it is now. */
const DASHBOARD_SUBSCRIPTION = /* GraphQL */ `
  subscription Dashboard($filter: JobEventFilter) {
    jobEvents(filter: $filter) {
      cursor kind at previousState state providerState changes
      job { id name provider account nativeId state providerState progress { percent message } drives { driveId state percentComplete } }
    }
  }
`;

/** What bench/fanout-subscribers.mjs (the worker) receives and sends. */
interface FanOutWorkerData {
  url: string;
  query: string;
  /** One variable set per subscriber. */
  variables: Record<string, unknown>[];
}
type FanOutWorkerMessage =
  | { type: 'delivered'; cursor: string; at: number }
  | { type: 'failed'; message: string }
  | { type: 'closed'; deliveries: number };

const ROUNDS = 10;
const SEED_JOBS = 10;
/** How long one round's events may take to reach every subscriber before the benchmark gives up. */
const DELIVERY_TIMEOUT_MS = 30_000;

export interface FanOutResult {
  subscribers: number;
  distinctVariables: boolean;
  rounds: number;
  /** Provider requests per round, all accounts together. */
  requestsPerRound: number;
  events: number;
  /** Results the clients received. */
  deliveries: number;
  /** Results the server handed to subscriptions (equals `deliveries` unless something was lost). */
  serverDeliveries: number;
  executions: number;
  /** Per event: ms from the start of its poll round until the last subscriber received it. */
  latenciesMs: number[];
  /** Per round: ms the poll itself took (every account, in parallel). */
  pollMs: number[];
}

/** Subscriber i's variables: the same for everyone, or distinct ones that still select every event. */
function variablesFor(i: number, distinct: boolean): Record<string, unknown> {
  const providers = adapters.map((a) => a.kind);
  // A provider name no account has matches nothing, so each subscriber gets the same events as the others.
  return { filter: { providers: distinct ? [...providers, `bench-unused-${i}`] : providers } };
}

class Subscribers {
  private readonly worker: Worker;
  private readonly delivered = new Map<string, number>();
  private failure: string | undefined;
  private closed: Promise<number>;
  /** Wakes `deliveredAt` when the worker reports something. */
  private wake: (() => void) | undefined;

  constructor(data: FanOutWorkerData) {
    this.worker = new Worker(new URL('./fanout-subscribers.mjs', import.meta.url), { workerData: data });
    this.closed = new Promise<number>((resolve, reject) => {
      this.worker.on('message', (message: FanOutWorkerMessage) => {
        if (message.type === 'delivered') this.delivered.set(message.cursor, message.at);
        else if (message.type === 'failed') this.failure ??= message.message;
        else resolve(message.deliveries);
        this.wake?.();
      });
      this.worker.once('error', (error) => {
        this.failure ??= error.message;
        reject(error);
        this.wake?.();
      });
      this.worker.once('exit', (code) => {
        this.failure ??= `the subscriber worker exited (${code})`;
        reject(new Error(this.failure));
        this.wake?.();
      });
    });
    this.closed.catch(() => undefined);
  }

  /** Throws once a subscriber failed: its numbers would mean nothing. */
  check(): void {
    if (this.failure) throw new Error(`a subscriber failed: ${this.failure}`);
  }

  /**
   * Waits (woken by the worker's messages, not by polling, so the gateway's thread stays free) until every
   * subscriber has each event; resolves with when the last one got it (epoch ms), per cursor.
   */
  async deliveredAt(cursors: readonly string[], timeoutMs: number): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.check();
      const times = cursors.map((c) => this.delivered.get(c));
      if (times.every((at) => at !== undefined)) return times as number[];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${times.filter((at) => at === undefined).length} events not delivered to all`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Disposes every client; resolves with the deliveries the clients received. */
  async close(): Promise<number> {
    this.worker.postMessage({ type: 'close' });
    try {
      return await this.closed;
    } finally {
      await this.worker.terminate();
    }
  }
}

export async function measureFanOut(subscribers: number, distinctVariables: boolean): Promise<FanOutResult> {
  const t: TestGateway = await startTestGateway({
    seedJobs: SEED_JOBS,
    seed: 9,
    autopilot: true,
    logLevel: 'warn',
    // Every subscriber is the same anonymous loopback caller, one socket each: above the default caps.
    configure: (config) => ({
      ...config,
      limits: { websocket: { maxConnections: subscribers + 100, maxConnectionsPerPrincipal: subscribers + 100 } },
    }),
  });
  let open: Subscribers | undefined;
  try {
    const accounts = [...t.gateway.accounts.keys()];
    const sims = [...t.sandbox.simulators.values()];
    await Promise.all(accounts.map((a) => t.gateway.pollNow(a))); // baseline: existing jobs are not news
    const subs = new Subscribers({
      url: t.wsUrl,
      query: DASHBOARD_SUBSCRIPTION,
      variables: Array.from({ length: subscribers }, (_, i) => variablesFor(i, distinctVariables)),
    });
    open = subs;
    await waitUntil(
      () => {
        subs.check();
        return t.gateway.events.subscriberCount === subscribers;
      },
      `${subscribers} subscriptions registered`,
      60_000,
    );
    const statsBefore = t.server.websocketStats();
    const requestsBefore = sims.reduce((sum, s) => sum + s.requests.length, 0);
    const latenciesMs: number[] = [];
    const pollMs: number[] = [];
    let events = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const sim of sims) sim.step();
      const started = preciseNow();
      const outcomes = await Promise.all(accounts.map((a) => t.gateway.pollNow(a)));
      pollMs.push(preciseNow() - started);
      const cursors = outcomes.flatMap((o) => o.events.map((e) => t.gateway.events.cursorOf(e.seq)));
      events += cursors.length;
      // Rounds do not overlap: the next poll starts once this round's events reached every subscriber.
      for (const at of await subs.deliveredAt(cursors, DELIVERY_TIMEOUT_MS)) latenciesMs.push(at - started);
    }
    const statsAfter = t.server.websocketStats();
    const requests = sims.reduce((sum, s) => sum + s.requests.length, 0) - requestsBefore;
    open = undefined;
    const deliveries = await subs.close();
    return {
      subscribers,
      distinctVariables,
      rounds: ROUNDS,
      requestsPerRound: requests / ROUNDS,
      events,
      deliveries,
      serverDeliveries: statsAfter.deliveries - statsBefore.deliveries,
      executions: statsAfter.executions - statsBefore.executions,
      latenciesMs,
      pollMs,
    };
  } finally {
    await open?.close().catch(() => undefined);
    await t.dispose();
  }
}
