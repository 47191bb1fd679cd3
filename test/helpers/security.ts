/**
 * What the security suite needs beside the shared test servers: HTTP with headers and status, a raw
 * graphql-ws protocol client (to see close codes and per-operation errors exactly), a JWKS server on loopback
 * whose keys can be rotated, an RSS sampler for a child process, and the tally of attacks it prints.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import WebSocket from 'ws';
import type { GraphQLResponse } from './servers.js';

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: GraphQLResponse<T>;
}

/** POSTs a GraphQL body (an object, or raw text) with extra headers; the status and headers come back too. */
export async function post<T = Record<string, unknown>>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(25_000),
  });
  const text = await res.text();
  let parsed: GraphQLResponse<T>;
  try {
    parsed = JSON.parse(text) as GraphQLResponse<T>;
  } catch {
    parsed = { errors: [{ message: text }] };
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export const codesOf = (body: GraphQLResponse<unknown>) => (body.errors ?? []).map((e) => e.extensions?.code);
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface ProtocolMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

/** A websocket speaking graphql-transport-ws by hand: every message and the close code are visible. */
export class RawProtocolClient {
  readonly socket: WebSocket;
  readonly messages: ProtocolMessage[] = [];
  readonly opened: Promise<void>;
  /** Resolves with the close code and reason (1006 when the upgrade itself was refused, see `refusedWith`). */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The HTTP status of a refused upgrade. */
  refusedWith: number | undefined;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, 'graphql-transport-ws', { headers });
    this.socket.on('message', (data) => this.messages.push(JSON.parse(String(data)) as ProtocolMessage));
    this.socket.on('unexpected-response', (_req, res) => {
      this.refusedWith = res.statusCode;
      this.socket.terminate();
    });
    this.socket.on('error', () => {}); // shows as the close code
    this.opened = new Promise((resolve) => this.socket.once('open', () => resolve()));
    this.closed = new Promise((resolve) =>
      this.socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  send(message: ProtocolMessage) {
    this.socket.send(JSON.stringify(message));
  }

  /** Waits for the first message (from `from` on) that matches. */
  async next(match: (m: ProtocolMessage) => boolean, timeoutMs = 15_000): Promise<ProtocolMessage> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.messages.find(match);
      if (found) return found;
      if (this.socket.readyState === WebSocket.CLOSED) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no matching message; got ${JSON.stringify(this.messages).slice(0, 1000)}`);
  }

  /** connection_init with `payload`; resolves true on connection_ack, false when the server closed instead. */
  async init(payload: Record<string, unknown> = {}): Promise<boolean> {
    await this.opened;
    this.send({ type: 'connection_init', payload });
    const outcome = await Promise.race([
      this.next((m) => m.type === 'connection_ack').then(() => true),
      this.closed.then(() => false),
    ]);
    return outcome;
  }

  /** Runs one operation to its end: its `next` payloads, or the errors of an `error` message. */
  async run(
    id: string,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ results: GraphQLResponse[]; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
    this.send({ id, type: 'subscribe', payload: { query, ...(variables ? { variables } : {}) } });
    const end = await this.next((m) => m.id === id && (m.type === 'complete' || m.type === 'error'));
    const results = this.messages
      .filter((m) => m.id === id && m.type === 'next')
      .map((m) => m.payload as GraphQLResponse);
    if (end.type === 'error') return { results, errors: end.payload as { message: string }[] };
    return { results };
  }

  close() {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.terminate();
  }
}

/** A JWKS endpoint on 127.0.0.1 and an issuer that signs with its current key; `rotate()` swaps the key. */
export async function startIssuer(issuer: string, audience: string) {
  let generation = 0;
  const keys: { kid: string; privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; jwk: JWK }[] = [];
  const addKey = async () => {
    generation += 1;
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `key-${generation}`;
    keys.unshift({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } });
  };
  await addKey();
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    /** A signed token; `claims` override the defaults (sub, role viewer), `expiresIn` in seconds from now. */
    async sign(claims: Record<string, unknown>, opts: { expiresIn?: number; issuer?: string; audience?: string } = {}) {
      const key = keys[0]!;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ role: 'viewer', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid })
        .setSubject(String(claims.sub ?? 'jwt-user'))
        .setIssuer(opts.issuer ?? issuer)
        .setAudience(opts.audience ?? audience)
        .setIssuedAt(now - 5)
        .setExpirationTime(now + (opts.expiresIn ?? 300))
        .sign(key.privateKey);
    },
    /** A new signing key; the old one leaves the JWKS. */
    async rotate() {
      await addKey();
      keys.splice(1);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Samples a process's resident memory (Linux /proc) until stopped; `max` in MB. */
export function sampleRss(pid: number, everyMs = 50) {
  let max = 0;
  let samples = 0;
  const read = () => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      if (Number.isFinite(kb)) {
        max = Math.max(max, kb / 1024);
        samples += 1;
      }
    } catch {
      // the process is gone
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    get maxMb() {
      return max;
    },
    get samples() {
      return samples;
    },
    stop: () => clearInterval(timer),
  };
}

export type AttackCategory =
  | 'limits'
  | 'auth'
  | 'roles'
  | 'tenancy: queries'
  | 'tenancy: mutations'
  | 'tenancy: subscriptions'
  | 'origins'
  | 'hostile input'
  | 'start-up faults';

/** Attacks tried and refused with the expected code, per category; printed at the end of the suite. */
export class AttackTally {
  private readonly rows = new Map<AttackCategory, { tried: number; refused: number; codes: Set<string> }>();

  /** Records one attack; `refusedWith` is the code (or exit code) it was refused with, if it was refused as expected. */
  record(category: AttackCategory, expected: string, got: string | undefined) {
    const row = this.rows.get(category) ?? { tried: 0, refused: 0, codes: new Set<string>() };
    row.tried += 1;
    if (got === expected) {
      row.refused += 1;
      row.codes.add(expected);
    }
    this.rows.set(category, row);
    return got;
  }

  get totals() {
    let tried = 0;
    let refused = 0;
    for (const row of this.rows.values()) {
      tried += row.tried;
      refused += row.refused;
    }
    return { tried, refused };
  }

  table(): string {
    const lines = [...this.rows].map(
      ([category, row]) =>
        `  ${category.padEnd(22)} ${String(row.tried).padStart(5)} ${String(row.refused).padStart(8)}   ${[...row.codes].join(', ')}`,
    );
    return [`  ${'category'.padEnd(22)} ${'tried'.padStart(5)} ${'refused'.padStart(8)}   codes`, ...lines].join('\n');
  }
}
