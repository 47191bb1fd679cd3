/**
 * Scaffolding shared by every provider simulator: an HTTPS server on loopback, body reading, a request
 * log tests can count, fault injection (error answers, throttling, slowness, dropped connections, slow and
 * truncated bodies), a journal of every job state change and a lifecycle timer. Each simulator supplies only
 * its wire protocol (`handle`), how its provider spells an injected failure (`renderFault`) and its jobs'
 * state words (`createStateJournal`).
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulatorFault, SimulatorRequest, SimulatorStateChange } from '../../src/sdk/index.js';

export interface SimRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** Scheme://host:port the client used, for building absolute links (nextLink). */
  origin: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface SimHandled extends SimResponse {
  /** Operation name recorded in the request log (e.g. Jobs_Get, GetStatus). */
  operation: string;
}

export interface SimulatorServerOptions {
  tls: { key: string; cert: string };
  host?: string | undefined;
  port?: number | undefined;
  handle(req: SimRequest): Promise<SimHandled> | SimHandled;
  renderFault(fault: SimulatorFault): SimResponse;
  /** Largest request body accepted; larger ones get 413. */
  maxBodyBytes?: number;
}

export interface SimulatorServer {
  endpoint: string;
  port: number;
  requests: SimulatorRequest[];
  inject(fault: SimulatorFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const MAX_LOGGED_REQUESTS = 100_000;

export async function startSimulatorServer(opts: SimulatorServerOptions): Promise<SimulatorServer> {
  const requests: SimulatorRequest[] = [];
  const faults: (SimulatorFault & { count: number })[] = [];
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const host = opts.host ?? '127.0.0.1';
  // Ends the delays of answers still held back (slowness faults), so close() leaves no timer behind.
  const closing = new AbortController();
  const delay = (ms: number) => sleep(ms, undefined, { signal: closing.signal }).catch(() => undefined);

  const server: Server = createServer({ key: opts.tls.key, cert: opts.tls.cert }, async (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBody) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? host}`);
    const simReq: SimRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      origin: url.origin,
    };
    const record = (
      operation: string,
      status: number,
      answer: Pick<SimulatorRequest, 'answerDelayedMs' | 'answerReplaced' | 'injected'>,
    ) => {
      if (requests.length < MAX_LOGGED_REQUESTS) {
        requests.push({ method: simReq.method, path: simReq.path, operation, status, at: Date.now(), ...answer });
      }
    };
    /** The fault's answer: its error as the provider spells it, or a dropped connection (status 0). */
    const answerWithFault = (fault: SimulatorFault) => {
      if (fault.status === 0) {
        req.socket.destroy();
        return;
      }
      const out = opts.renderFault(fault);
      const headers: Record<string, string> = { ...out.headers };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      return send(res, { ...out, headers }, fault, delay);
    };

    const waiting = faults[0];
    const fault = waiting && (!waiting.method || waiting.method === simReq.method) ? waiting : undefined;
    if (fault) {
      fault.count -= 1;
      if (fault.count <= 0) faults.shift();
    }
    // A slow body spends the delay on the body itself, not before the answer.
    const delayFirst = fault?.delayMs && fault.body !== 'slow' ? fault.delayMs : 0;
    if (fault && !fault.passThrough) {
      if (delayFirst) await delay(delayFirst);
      record('fault', fault.status, { injected: true });
      await answerWithFault(fault);
      return;
    }

    let out: SimHandled;
    try {
      out = await opts.handle(simReq);
    } catch (error) {
      out = { operation: 'crash', status: 500, body: String((error as Error).message) };
    }
    // The work is done; a passThrough fault with an error status replaces the answer to it.
    const replaced = fault !== undefined && (fault.status === 0 || fault.status >= 300);
    record(out.operation, replaced ? fault.status : out.status, {
      ...(fault?.delayMs ? { answerDelayedMs: fault.delayMs } : {}),
      ...(replaced ? { answerReplaced: true } : {}),
      ...(fault ? { injected: true } : {}),
    });
    if (delayFirst) await delay(delayFirst);
    if (replaced) await answerWithFault(fault);
    else await send(res, out, fault, delay);
  });
  // Simulators keep client connections alive; closing must not wait for idle sockets.
  server.keepAliveTimeout = 5_000;
  server.listen(opts.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;

  return {
    endpoint: `https://${hostForUrl}:${port}`,
    port,
    requests,
    clearFaults() {
      faults.length = 0;
    },
    inject(fault) {
      faults.push({ ...fault, count: fault.count ?? 1 });
    },
    async close() {
      closing.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Pieces a slow body is sent in. */
const SLOW_BODY_PIECES = 8;

/** Writes an answer, its body as the fault says (`slow`, `truncated`, `cut`), or whole. */
async function send(
  res: ServerResponse,
  out: SimResponse,
  fault: SimulatorFault | undefined,
  delay: (ms: number) => Promise<unknown>,
): Promise<void> {
  if (res.destroyed) return;
  const body = Buffer.from(out.body ?? '', 'utf8');
  const half = body.subarray(0, Math.floor(body.length / 2));
  const headers = { ...out.headers };
  switch (fault?.body) {
    case 'truncated':
      res.writeHead(out.status, { ...headers, 'content-length': String(half.length) }).end(half);
      return;
    case 'cut':
      res.writeHead(out.status, { ...headers, 'content-length': String(body.length) });
      res.write(half, () => res.destroy());
      return;
    case 'slow': {
      res.writeHead(out.status, { ...headers, 'content-length': String(body.length) });
      const size = Math.ceil(body.length / SLOW_BODY_PIECES) || 1;
      for (let at = 0; at < body.length && !res.destroyed; at += size) {
        res.write(body.subarray(at, at + size));
        await delay((fault.delayMs ?? 0) / SLOW_BODY_PIECES);
      }
      if (!res.destroyed) res.end();
      return;
    }
    default:
      res.writeHead(out.status, headers).end(body);
  }
}

const MAX_JOURNAL_ENTRIES = 100_000;

export interface StateJournal {
  /** Every change recorded, oldest first (the first MAX_JOURNAL_ENTRIES). */
  readonly changes: SimulatorStateChange[];
  /**
   * Compares every job's state word with the last one recorded and records what changed (a job no longer
   * there: null). Simulators call it after every lifecycle step and every request that may change a job:
   * O(jobs), so never after plain reads.
   */
  scan(): void;
}

/** A journal of state changes over the jobs `states()` yields as [native id, the adapter's `providerState`]. */
export function createStateJournal(
  states: () => Iterable<readonly [nativeId: string, providerState: string]>,
  now: () => number = Date.now,
): StateJournal {
  const last = new Map<string, string>();
  const changes: SimulatorStateChange[] = [];
  const record = (nativeId: string, providerState: string | null, at: number) => {
    if (changes.length < MAX_JOURNAL_ENTRIES) changes.push({ nativeId, providerState, at });
  };
  return {
    changes,
    scan() {
      const at = now();
      const present = new Set<string>();
      for (const [nativeId, state] of states()) {
        present.add(nativeId);
        if (last.get(nativeId) === state) continue;
        last.set(nativeId, state);
        record(nativeId, state, at);
      }
      if (present.size === last.size) return;
      for (const nativeId of last.keys()) {
        if (present.has(nativeId)) continue;
        last.delete(nativeId);
        record(nativeId, null, at);
      }
    },
  };
}

/** Runs `step` every `stepMs` (0 = never: tests step by hand). The timer never keeps the process alive. */
export function startLifecycleTimer(stepMs: number, step: () => void): { stop(): void } {
  if (stepMs <= 0) return { stop() {} };
  const timer = setInterval(step, stepMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
