/**
 * /metrics: the gateway's Prometheus metrics (src/telemetry). On the gateway's own port it is protected like the
 * API — the origin policy, then valid credentials when `auth` is configured (open on the open loopback gateway),
 * of a principal that may see every account, since the figures name them all; `metrics.port` adds a listener on
 * 127.0.0.1 alone that serves it without credentials, for an agent on the same host.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Principal } from '../auth/index.js';
import type { Gateway } from '../gateway.js';
import { ErrorCode, GatewayError, gatewayError } from '../sdk/errors.js';
import type { Edge } from './edge.js';
import { StartupError } from './startup.js';

export const METRICS_PATH = '/metrics';

async function sendMetrics(gateway: Gateway, res: ServerResponse): Promise<void> {
  const body = await gateway.telemetry.metrics.scrape();
  res.writeHead(200, { 'content-type': gateway.telemetry.metrics.contentType, 'cache-control': 'no-store' }).end(body);
}

/**
 * Serves /metrics on the gateway's port; the refusal to send when the caller may not read it (`refuse` shapes
 * it like every other refusal of the edge).
 */
export async function serveMetrics(
  gateway: Gateway,
  edge: Edge,
  req: IncomingMessage,
  res: ServerResponse,
  refuse: (error: GatewayError, headers?: Record<string, string>) => void,
): Promise<void> {
  if (!edge.origins.allows(req.headers))
    return refuse(gatewayError(ErrorCode.FORBIDDEN, 'This origin may not call the gateway (server.cors.origins).'));
  let principal: Principal;
  try {
    principal = await edge.authenticator.authenticate(req.headers.authorization);
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return refuse(error, { 'www-authenticate': 'Bearer' });
  }
  // The figures name every account (tenancy: an account a caller may not see must not show).
  if (principal.accounts !== '*')
    return refuse(
      gatewayError(
        ErrorCode.FORBIDDEN,
        `/metrics covers every account; ${principal.name} may see only some (use credentials with accounts "*").`,
      ),
    );
  await sendMetrics(gateway, res);
}

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

/** The credential-free /metrics listener of `metrics.port`, on 127.0.0.1 only. */
export async function startMetricsListener(gateway: Gateway, port: number): Promise<MetricsListener> {
  const host = '127.0.0.1';
  const server: Server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://metrics').pathname !== METRICS_PATH || req.method !== 'GET')
      return void res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(`not found; metrics are at ${METRICS_PATH}\n`);
    sendMetrics(gateway, res).catch((error: unknown) => {
      gateway.logger.error({ err: error }, 'metrics scrape failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  try {
    server.listen(port, host);
    await once(server, 'listening');
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).message;
    throw new StartupError(`metrics.port: cannot listen on ${host}:${port} (${code})`, 1);
  }
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}${METRICS_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
