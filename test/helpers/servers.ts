/**
 * The one place tests start real servers (like graphql-ws's tests/utils/tservers.ts): a sandbox of
 * simulators, a gateway wired to it on 127.0.0.1 port 0, and HTTP/GraphQL clients. Everything started
 * is registered for `dispose()`, which each suite calls in afterAll/afterEach.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Adapter } from '../../src/adapter.js';
import { adapters as allAdapters } from '../../src/adapters.js';
import { type GatewayConfig, parseConfig } from '../../src/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { type Sandbox, startSandbox } from '../../src/sandbox.js';
import { type RunningServer, startServer } from '../../src/server/index.js';

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
}

export interface TestGateway {
  sandbox: Sandbox;
  gateway: Gateway;
  server: RunningServer;
  url: string;
  config: GatewayConfig;
  logs: string[];
  query<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  dispose(): Promise<void>;
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

/** A sandbox (manual stepping) plus a gateway on port 0 wired to it through the sandbox's own JSON. */
export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const sandbox = await startSandbox({
    adapters: opts.adapters ?? allAdapters,
    seed: opts.seed ?? 1,
    stepMs: 0,
    seedJobs: opts.seedJobs ?? 12,
    autopilot: false,
  });
  const { logger, lines } = captureLogs(opts.logLevel);
  let gateway: Gateway | undefined;
  try {
    const raw: Record<string, unknown> = { ...sandbox.description, store: { kind: 'memory' }, logLevel: 'debug' };
    const config = parseConfig(opts.configure ? opts.configure(raw) : raw);
    gateway = createGateway(config, { logger });
    const server = await startServer(gateway, { host: '127.0.0.1', port: 0 });
    const started = gateway;
    return {
      sandbox,
      gateway: started,
      server,
      url: server.url,
      config,
      logs: lines,
      query: (query, variables) => postGraphQL(server.url, query, variables),
      async dispose() {
        await server.close();
        await started.dispose();
        await sandbox.close();
      },
    };
  } catch (error) {
    await gateway?.dispose();
    await sandbox.close();
    throw error;
  }
}
