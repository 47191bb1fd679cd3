/**
 * Subscription fan-out: N graphql-ws subscribers (one websocket each, in a process of their own) on the same
 * subscription document, while the sandbox's simulators are stepped and every account polled once per round.
 * Per N: provider requests per round (one poller per account, whatever N), events and deliveries, payload
 * executions (shared per distinct document + variables), and the latency from the start of a poll round to the
 * moment the last subscriber has an event. With distinct variables per subscriber, nothing can be shared.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
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

type SubscriberMessage =
  | { type: 'ready' }
  | { type: 'delivered'; event: string | number; at: number; sample?: string }
  | { type: 'failed'; message: string }
  | { type: 'closed'; deliveries: number };

const ROUNDS = 10;
const SEED_JOBS = 10;
/** How long one round's events may take to reach every subscriber before the benchmark gives up. */
const DELIVERY_TIMEOUT_MS = 60_000;
/** How long N subscribers may take to connect and subscribe. */
const CONNECT_TIMEOUT_MS = 180_000;

export interface FanOutResult {
  subscribers: number;
  distinctVariables: boolean;
  rounds: number;
  /** Provider requests per round, all accounts together. */
  requestsPerRound: number;
  /** Events per round, in order. */
  eventsPerRound: number[];
  events: number;
  /** Results the clients received. */
  deliveries: number;
  /** Results the server handed to subscriptions (equals `deliveries` unless something was lost). */
  serverDeliveries: number;
  executions: number;
  /** Per event: ms from the start of its poll round until the last subscriber received it. */
  latenciesMs: number[];
  /** Per round: ms from its start until the last subscriber had its last event. */
  roundMs: number[];
  /** Per round: ms the poll itself took (every account, in parallel). */
  pollMs: number[];
  /** Gateway process memory added per connected, subscribed, idle subscriber (KB; see settledMemoryMb). */
  idleKbPerSubscriber: number;
  /** One subscriber's message for one event, as sent (the raw broadcast sends these bytes). */
  sampleMessage: string;
}

/** Subscriber i's variables: the same for everyone, or distinct ones that still select every event. */
function variablesFor(i: number, distinct: boolean): Record<string, unknown> {
  const providers = adapters.map((a) => a.kind);
  // A provider name no account has matches nothing, so each subscriber gets the same events as the others.
  return { filter: { providers: distinct ? [...providers, `bench-unused-${i}`] : providers } };
}

/** N subscribers in a child process; resolves once all are connected (graphql-ws: and subscribed). */
class Subscribers {
  private readonly child: ChildProcess;
  private readonly delivered = new Map<string | number, number>();
  private failure: string | undefined;
  private readonly closed: Promise<number>;
  private closing: Promise<number> | undefined;
  readonly ready: Promise<void>;
  /** The first message a subscriber received, as sent. */
  sample = '';
  /** Wakes `deliveredAt` when the child reports something. */
  private wake: (() => void) | undefined;

  constructor(start: {
    mode: 'graphql-ws' | 'raw';
    url: string;
    count: number;
    query?: string;
    variables?: unknown[];
  }) {
    this.child = fork(new URL('./fanout-subscribers.mjs', import.meta.url), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let ready: () => void = () => {};
    this.ready = new Promise<void>((resolve) => {
      ready = resolve;
    });
    this.closed = new Promise<number>((resolve, reject) => {
      this.child.on('message', (message: SubscriberMessage) => {
        if (message.type === 'delivered') {
          this.delivered.set(message.event, message.at);
          this.sample ||= message.sample ?? '';
        } else if (message.type === 'failed') this.failure ??= message.message;
        else if (message.type === 'ready') ready();
        else resolve(message.deliveries);
        this.wake?.();
      });
      this.child.once('exit', (code) => {
        this.failure ??= `the subscriber process exited (${code})`;
        reject(new Error(this.failure));
        this.wake?.();
      });
    });
    this.closed.catch(() => undefined);
    // A child that went away is reported through 'exit'; writing to its channel then fails with EPIPE.
    this.child.on('error', (error) => {
      this.failure ??= error.message;
    });
    this.child.send(start);
  }

  /** Throws once a subscriber failed: its numbers would mean nothing. */
  check(): void {
    if (this.failure) throw new Error(`a subscriber failed: ${this.failure}`);
  }

  /** Waits (woken by the child's messages, not by polling) until every subscriber has each event. */
  async deliveredAt(events: readonly (string | number)[], timeoutMs: number): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.check();
      const times = events.map((c) => this.delivered.get(c));
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

  /** Closes every socket (once, however often called); resolves with the deliveries the clients received. */
  close(): Promise<number> {
    this.closing ??= (async () => {
      if (this.child.connected) this.child.send({ type: 'close' });
      try {
        return await this.closed;
      } finally {
        this.child.kill();
      }
    })();
    return this.closing;
  }
}

/**
 * The process's JavaScript memory (heap in use plus the buffers it holds outside the heap) once collected
 * (the benchmark runs with --expose-gc). Resident memory would say less here: this process ran other gateways
 * before, and a heap reuses the pages they freed.
 */
async function settledMemoryMb(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const { heapUsed, external } = process.memoryUsage();
  return (heapUsed + external) / 1024 / 1024;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
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
      limits: {
        requestsPerMinute: 100_000_000,
        websocket: { maxConnections: subscribers + 100, maxConnectionsPerPrincipal: subscribers + 100 },
      },
    }),
  });
  let open: Subscribers | undefined;
  try {
    const accounts = [...t.gateway.accounts.keys()];
    const sims = [...t.sandbox.simulators.values()];
    await Promise.all(accounts.map((a) => t.gateway.pollNow(a))); // baseline: existing jobs are not news
    const before = await settledMemoryMb();
    const subs = new Subscribers({
      mode: 'graphql-ws',
      url: t.wsUrl,
      count: subscribers,
      query: DASHBOARD_SUBSCRIPTION,
      variables: Array.from({ length: subscribers }, (_, i) => variablesFor(i, distinctVariables)),
    });
    open = subs;
    await withTimeout(subs.ready, CONNECT_TIMEOUT_MS, `${subscribers} subscribers connected`);
    await waitUntil(
      () => {
        subs.check();
        return t.gateway.events.subscriberCount === subscribers;
      },
      `${subscribers} subscriptions registered`,
      CONNECT_TIMEOUT_MS,
    );
    const idleKbPerSubscriber = (((await settledMemoryMb()) - before) * 1024) / subscribers;
    const statsBefore = t.server.websocketStats();
    const requestsBefore = sims.reduce((sum, s) => sum + s.requests.length, 0);
    const latenciesMs: number[] = [];
    const roundMs: number[] = [];
    const pollMs: number[] = [];
    const eventsPerRound: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const sim of sims) sim.step();
      const started = preciseNow();
      const outcomes = await Promise.all(accounts.map((a) => t.gateway.pollNow(a)));
      pollMs.push(preciseNow() - started);
      const events = outcomes.flatMap((o) => o.events);
      const cursors = events.map((e) => t.gateway.events.cursorOf(e.seq));
      eventsPerRound.push(cursors.length);
      // Rounds do not overlap: the next poll starts once this round's events reached every subscriber.
      const arrivals = await subs.deliveredAt(cursors, DELIVERY_TIMEOUT_MS);
      for (const at of arrivals) latenciesMs.push(at - started);
      if (arrivals.length) roundMs.push(Math.max(...arrivals) - started);
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
      eventsPerRound,
      events: eventsPerRound.reduce((a, b) => a + b, 0),
      deliveries,
      serverDeliveries: statsAfter.deliveries - statsBefore.deliveries,
      executions: statsAfter.executions - statsBefore.executions,
      latenciesMs,
      roundMs,
      pollMs,
      idleKbPerSubscriber,
      sampleMessage: subs.sample,
    };
  } finally {
    await open?.close().catch(() => undefined);
    await t.dispose();
  }
}

export interface BroadcastResult {
  subscribers: number;
  /** The bare server's memory added per connected idle socket (KB; see settledMemoryMb). */
  idleKbPerSocket: number;
  deliveries: number;
  latenciesMs: number[];
  roundMs: number[];
}

/**
 * The ceiling for the same work: a bare `ws` server broadcasting the gateway's very message bytes to N sockets,
 * round after round with the gateway's numbers of events, timed the same way (from the start of the round to
 * the last arrival).
 */
export async function measureRawBroadcast(
  subscribers: number,
  eventsPerRound: readonly number[],
  message: string,
): Promise<BroadcastResult> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  const before = await settledMemoryMb();
  const subs = new Subscribers({ mode: 'raw', url, count: subscribers });
  try {
    await withTimeout(subs.ready, CONNECT_TIMEOUT_MS, `${subscribers} raw sockets connected`);
    const idleKbPerSocket = (((await settledMemoryMb()) - before) * 1024) / subscribers;
    const latenciesMs: number[] = [];
    const roundMs: number[] = [];
    let next = 0;
    for (const events of eventsPerRound) {
      const started = preciseNow();
      const ids = Array.from({ length: events }, () => next++);
      for (let i = 0; i < events; i++) for (const socket of wss.clients) socket.send(message);
      const arrivals = await subs.deliveredAt(ids, DELIVERY_TIMEOUT_MS);
      for (const at of arrivals) latenciesMs.push(at - started);
      if (arrivals.length) roundMs.push(Math.max(...arrivals) - started);
    }
    const deliveries = await subs.close();
    return { subscribers, deliveries, latenciesMs, roundMs, idleKbPerSocket };
  } finally {
    await subs.close().catch(() => undefined);
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }
}
