/**
 * The one HTTP client every adapter uses: a per-account connection pool (undici), an optional extra CA
 * (the sandbox certificate) added to the system store rather than replacing TLS verification, a timeout
 * on every call, and network failures turned into ProviderError so the core can report them per account.
 */
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import { ErrorCode, ProviderError } from '../../src/errors.js';

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
    connect: secureContext ? { secureContext } : {},
    keepAliveTimeout: 10_000,
  });
  const fail = (message: string, cause: unknown) =>
    new ProviderError({
      account: opts.account,
      provider: opts.provider,
      code: ErrorCode.PROVIDER_UNAVAILABLE,
      message,
      retryable: true,
      cause,
    });

  return {
    async send(req) {
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const signal = AbortSignal.any([req.signal, timeout]);
      try {
        const res = await request(req.url, {
          method: req.method,
          headers: req.headers ?? {},
          body: req.body ?? null,
          signal,
          dispatcher: agent,
        });
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
    dispose: () => agent.close(),
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

/** Parses Retry-After (seconds or an HTTP date) into seconds, as ARM and most providers send it. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
