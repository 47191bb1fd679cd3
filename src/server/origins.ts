/**
 * Which browser origins may call the gateway: CORS for HTTP and the `Origin` check of websocket upgrades use
 * the same policy. A request without `Origin` is not from a browser and passes; credentials protect those.
 */
import type { IncomingHttpHeaders } from 'node:http';

const LOOPBACK_NAMES = new Set(['localhost', '[::1]', '::1']);

export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  return LOOPBACK_NAMES.has(name) || /^127(\.\d{1,3}){3}$/.test(name) || name.endsWith('.localhost');
}

export interface OriginPolicy {
  /** Whether a request with these headers may proceed (no Origin: yes). */
  allows(headers: IncomingHttpHeaders): boolean;
  /** CORS response headers for an allowed browser request (none without Origin). */
  corsHeaders(headers: IncomingHttpHeaders): Record<string, string>;
}

export interface OriginPolicyOptions {
  origins: readonly string[];
  /**
   * The gateway is open (no auth) on loopback: pages served from loopback (a local dev server) may call it,
   * and no other page may, even one whose name resolves to 127.0.0.1 (DNS rebinding: its Host is not loopback).
   */
  openOnLoopback: boolean;
}

const ALLOWED_HEADERS = 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name';

export function createOriginPolicy(opts: OriginPolicyOptions): OriginPolicy {
  const listed = new Set(opts.origins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  const allows = (headers: IncomingHttpHeaders) => {
    const origin = headers.origin;
    if (origin === undefined) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // "null" (sandboxed frames, file://) and anything unparsable
    }
    if (listed.has(url.origin.toLowerCase())) return true;
    if (opts.openOnLoopback) return isLoopbackHost(url.hostname) && isLoopbackHost(hostName(headers.host));
    // Same origin (the page the gateway itself serves): the credentials, not the origin, protect the request.
    return headers.host !== undefined && url.host.toLowerCase() === headers.host.toLowerCase();
  };
  return {
    allows,
    corsHeaders(headers): Record<string, string> {
      if (headers.origin === undefined || !allows(headers)) return {};
      return {
        'access-control-allow-origin': headers.origin,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': '600',
        vary: 'Origin',
      };
    },
  };
}

/** The host name of a Host header ("127.0.0.1:4000" → "127.0.0.1", "[::1]:4000" → "[::1]"). */
function hostName(host: string | undefined): string {
  if (!host) return '';
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
}
