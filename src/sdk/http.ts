/**
 * The one HTTP client every adapter uses: a per-account connection pool (undici), an optional extra CA
 * (the sandbox certificate) added to the system store rather than replacing TLS verification, a timeout
 * on every call, and network failures turned into ProviderError so the core can report them per account.
 */
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import { providerFailure } from './failures.js';

export interface HttpClientOptions {
  account: string;
  provider: string;
  timeoutMs: number;
  ca?: string | undefined;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  text: string;
}

export interface HttpClient {
  send(req: HttpRequest): Promise<HttpResponse>;
  dispose(): Promise<void>;
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  // One TLS context per account, built once: passing `ca` instead would re-parse the system roots plus the
  // extra CA on every new connection (tens of milliseconds of blocked event loop each, measured in bench/).
  const secureContext = opts.ca ? createSecureContext({ ca: [...rootCertificates, opts.ca] }) : undefined;
  const agent = new Agent({
    // undici's own connect timeout (10 s) would otherwise outlast the call's: see untilAborted.
    connect: { timeout: opts.timeoutMs, ...(secureContext ? { secureContext } : {}) },
    keepAliveTimeout: 10_000,
  });
  // No status: the classification makes it PROVIDER_UNAVAILABLE, retryable, and the outcome unknown.
  const fail = (message: string, cause: unknown) =>
    providerFailure({ account: opts.account, provider: opts.provider, message, cause });

  return {
    async send(req) {
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const signal = AbortSignal.any([req.signal, timeout]);
      try {
        const res = await untilAborted(
          request(req.url, {
            method: req.method,
            headers: req.headers ?? {},
            body: req.body ?? null,
            signal,
            dispatcher: agent,
          }),
          signal,
        );
        const text = await res.body.text();
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
        }
        return { status: res.statusCode, headers, text };
      } catch (error) {
        if (timeout.aborted) throw fail(`provider did not answer within ${opts.timeoutMs} ms`, error);
        if (req.signal.aborted) throw req.signal.reason ?? error;
        // The host, never the URL: query strings may carry signed parameters.
        const host = safeHost(req.url);
        const reason = (error as { code?: string }).code ?? 'network error';
        throw fail(`provider unreachable at ${host} (${reason})`, error);
      }
    },
    // Not close(): that would wait for a connection stuck in a handshake until the connect timeout. Callers
    // are done when they dispose, so whatever is still open is abandoned.
    dispose: () => agent.destroy(),
  };
}

/**
 * undici holds an abort back until the connection is up (it aborts in onConnect), so a provider that accepts
 * TCP but never completes TLS would keep the caller waiting for the connect timeout, past the call's own
 * timeout or a caller who gave up. The caller is answered when the signal fires; undici ends the request later.
 * Also for other libraries' calls that may not honour a signal promptly (credential token requests).
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A provider's body as JSON; undefined when it is empty or not JSON (callers say so in their own words). */
export function parseJsonBody<T = unknown>(text: string): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}
