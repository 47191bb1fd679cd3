/**
 * The one place tests start real servers (like graphql-ws's tests/utils/tservers.ts): a sandbox of
 * simulators, a gateway wired to it on 127.0.0.1 port 0, and HTTP/GraphQL clients. Everything started
 * is registered for `dispose()`, which each suite calls in afterAll/afterEach.
 */
import { once } from 'node:events';
import { type AddressInfo, connect as connectTcp, createServer as createNetServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { FormattedExecutionResult } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import pino from 'pino';
import WebSocket from 'ws';
import { z } from 'zod';
import { type GatewayConfig, parseConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { registry } from '../../src/registry.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/index.js';
import { type Adapter, type AdapterRegistry, defineAdapter } from '../../src/sdk/model.js';
import { type RunningServer, startServer, type WebSocketOptions } from '../../src/server/index.js';
import type { FakeAccount } from './jobs.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** Collects every log line, so tests can assert what was (and was not) logged. */
export function captureLogs(level: pino.Level = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

export interface TestGatewayOptions {
  adapters?: readonly Adapter[];
  seedJobs?: number;
  seed?: number;
  /** Config changes on top of the sandbox's (e.g. extra accounts, store). */
  configure?: (config: Record<string, unknown>) => Record<string, unknown>;
  logLevel?: pino.Level;
  /** Whether the simulators play the customer (ship jobs, create new ones) when stepped. Default false. */
  autopilot?: boolean;
  /**
   * The `polling` config section. Default `{ enabled: false }`: no timers, so provider request counts are the
   * test's own; tests poll with `gateway.pollNow(account)`.
   */
  polling?: Record<string, unknown>;
  websocket?: WebSocketOptions;
}

export interface TestGateway {
  sandbox: Sandbox;
  gateway: Gateway;
  server: RunningServer;
  url: string;
  config: GatewayConfig;
  logs: string[];
  /** ws://… of the gateway's GraphQL endpoint. */
  wsUrl: string;
  query<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** A graphql-ws client on the gateway, closed by `dispose()`. */
  connect(opts?: WsClientOptions): WsClient;
  dispose(): Promise<void>;
}

export interface WsClientOptions {
  connectionParams?: Record<string, unknown>;
}

export interface WsSubscription<T> {
  /** Every `next` payload, in order. */
  results: FormattedExecutionResult<T>[];
  /** Resolves when the server completes the subscription, or with the error it ended with. */
  ended: Promise<{ error?: unknown }>;
  /** Waits until `predicate(results)` holds (polling every 10 ms), or throws after `timeoutMs`. */
  waitFor(predicate: (results: FormattedExecutionResult<T>[]) => boolean, timeoutMs?: number): Promise<void>;
  unsubscribe(): void;
}

export interface WsClient {
  client: Client;
  subscribe<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): WsSubscription<T>;
  dispose(): Promise<void>;
}

export const toWsUrl = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');

/** Waits until `check()` is true, polling every `everyMs`; throws `message` after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  message: string,
  timeoutMs = 20_000,
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms: ${message}`);
}

/** graphql-ws's own client with `ws` underneath, as a Node user would connect; no retries, so failures show. */
export function connectWs(url: string, opts: WsClientOptions = {}): WsClient {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(opts.connectionParams ? { connectionParams: opts.connectionParams } : {}),
  });
  const unsubscribers = new Set<() => void>();
  return {
    client,
    subscribe<T>(query: string, variables?: Record<string, unknown>): WsSubscription<T> {
      const results: FormattedExecutionResult<T>[] = [];
      let settle!: (outcome: { error?: unknown }) => void;
      const ended = new Promise<{ error?: unknown }>((resolve) => {
        settle = resolve;
      });
      const unsubscribe = client.subscribe<T>(
        { query, ...(variables ? { variables } : {}) },
        {
          next: (result) => {
            results.push(result as FormattedExecutionResult<T>);
          },
          error: (error) => settle({ error }),
          complete: () => settle({}),
        },
      );
      unsubscribers.add(unsubscribe);
      return {
        results,
        ended,
        waitFor: (predicate, timeoutMs = 20_000) =>
          waitUntil(() => predicate(results), `subscription results (${results.length} so far)`, timeoutMs),
        unsubscribe: () => {
          unsubscribers.delete(unsubscribe);
          unsubscribe();
        },
      };
    },
    async dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe();
      unsubscribers.clear();
      await client.dispose();
    },
  };
}

export async function postGraphQL<T>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(25_000),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

/** Only the simulators (manual stepping), for tests that run the gateway elsewhere, e.g. as a CLI process. */
export function startTestSandbox(
  opts: { adapters?: readonly Adapter[]; seed?: number; seedJobs?: number; autopilot?: boolean } = {},
) {
  return startSandbox({
    registry,
    kinds: (opts.adapters ?? registry.adapters).map((a) => a.kind),
    seed: opts.seed ?? 1,
    stepMs: 0,
    seedJobs: opts.seedJobs ?? 12,
    autopilot: opts.autopilot ?? false,
  });
}

/**
 * A gateway on port 0 wired to an already running sandbox through the sandbox's own JSON; its `dispose()`
 * leaves the sandbox running, so a test can stop a gateway and start another on the same store.
 */
export async function startTestGatewayOn(
  sandbox: Sandbox,
  opts: Pick<TestGatewayOptions, 'configure' | 'logLevel' | 'polling' | 'websocket'> = {},
): Promise<TestGateway> {
  const { logger, lines } = captureLogs(opts.logLevel);
  const raw: Record<string, unknown> = {
    ...sandbox.description,
    store: { kind: 'memory' },
    logLevel: 'debug',
    polling: opts.polling ?? { enabled: false },
  };
  const config = parseConfig(opts.configure ? opts.configure(raw) : raw, registry);
  const gateway = createGateway(config, { logger, registry });
  let server: RunningServer;
  try {
    server = await startServer(gateway, {
      host: '127.0.0.1',
      port: 0,
      ...(opts.websocket ? { websocket: opts.websocket } : {}),
    });
  } catch (error) {
    await gateway.dispose();
    throw error;
  }
  const clients: WsClient[] = [];
  return {
    sandbox,
    gateway,
    server,
    url: server.url,
    wsUrl: toWsUrl(server.url),
    config,
    logs: lines,
    query: (query, variables) => postGraphQL(server.url, query, variables),
    connect(clientOpts) {
      const client = connectWs(toWsUrl(server.url), clientOpts);
      clients.push(client);
      return client;
    },
    async dispose() {
      await Promise.all(clients.splice(0).map((c) => c.dispose()));
      await server.close();
      await gateway.dispose();
    },
  };
}

/** A sandbox (manual stepping) plus a gateway on port 0 wired to it; `dispose()` stops both. */
export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const sandbox = await startTestSandbox(opts);
  try {
    const started = await startTestGatewayOn(sandbox, opts);
    return {
      ...started,
      async dispose() {
        await started.dispose();
        await sandbox.close();
      },
    };
  } catch (error) {
    await sandbox.close();
    throw error;
  }
}

export interface FakeGateway {
  gateway: Gateway;
  server: RunningServer;
  url: string;
  /** The gateway's clock: tests move it, and every observation is stamped with it. */
  clock: { now: number };
  /** POSTs an operation with these extra headers (e.g. an Authorization). */
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  dispose(): Promise<void>;
}

/**
 * A gateway on port 0 over in-memory provider accounts (FakeAccount) whose jobs the test scripts, on a clock the
 * test moves: for figures that depend on when things happened. `accounts` maps each account to its provider
 * kind; each kind becomes an adapter of its own. Polling timers are off: the test polls with `pollNow`.
 */
export async function startFakeGateway(opts: {
  accounts: { kind: string; client: FakeAccount }[];
  startMs: number;
  configure?: (config: Record<string, unknown>) => Record<string, unknown>;
}): Promise<FakeGateway> {
  const clients = new Map(opts.accounts.map((a) => [a.client.name, a.client]));
  const kinds = [...new Set(opts.accounts.map((a) => a.kind))];
  const fakeRegistry: AdapterRegistry = {
    adapters: kinds.map((kind) =>
      defineAdapter({
        kind,
        displayName: `Fake ${kind}`,
        configSchema: z.object({ kind: z.literal(kind), account: z.string() }),
        secretFields: [],
        connect: (config) => clients.get(config.account)!,
      }),
    ),
    simulators: {},
  };
  const raw: Record<string, unknown> = {
    store: { kind: 'memory' },
    logLevel: 'silent',
    polling: { enabled: false },
    providers: opts.accounts.map((a) => ({ kind: a.kind, account: a.client.name })),
  };
  const config = parseConfig(opts.configure ? opts.configure(raw) : raw, fakeRegistry);
  const clock = { now: opts.startMs };
  const gateway = createGateway(config, {
    logger: pino({ level: 'silent' }),
    registry: fakeRegistry,
    now: () => clock.now,
  });
  let server: RunningServer;
  try {
    server = await startServer(gateway, { host: '127.0.0.1', port: 0 });
  } catch (error) {
    await gateway.dispose();
    throw error;
  }
  return {
    gateway,
    server,
    url: server.url,
    clock,
    async query(query, variables, headers = {}) {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(25_000),
      });
      return (await res.json()) as GraphQLResponse<never>;
    },
    async dispose() {
      await server.close();
      await gateway.dispose();
    },
  };
}

export interface SwitchableProxy {
  /** https://127.0.0.1:PORT, for an account's `endpoint` (TLS passes through untouched). */
  endpoint: string;
  /** From now on: accepts connections and never answers (open ones are cut, so clients reconnect into it). */
  hang(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a simulator that can turn into a provider that hangs: it accepts connections and
 * never answers. Closing it destroys every socket it holds.
 */
export async function startSwitchableProxy(target: string): Promise<SwitchableProxy> {
  const { port: targetPort, hostname } = new URL(target);
  const sockets = new Set<Socket>();
  let hung = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createNetServer((client) => {
    track(client);
    if (hung) return; // accepted, never answered
    const upstream = connectTcp(Number(targetPort), hostname);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hang() {
      hung = true;
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
