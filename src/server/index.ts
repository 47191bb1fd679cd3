/**
 * One port for everything: GraphQL over HTTP at /graphql (Apollo Server 5 on node:http, through its
 * documented executeHTTPGraphQLRequest integration API — no web framework needed), /healthz and /readyz.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Gateway } from '../gateway.js';
import { createContext, type GatewayContext } from '../graphql/context.js';
import { toGraphQLError } from '../graphql/errors.js';
import { withoutInputValues } from '../graphql/input-errors.js';
import { healthOf } from '../graphql/resolvers/accounts.js';
import { buildSchema } from '../graphql/schema.js';
import { ErrorCode, GatewayError, ProviderError } from '../sdk/errors.js';
import { type AttachedWebSocket, attachWebSocket, type WebSocketOptions, type WebSocketStats } from './websocket.js';

export type { ConnectionAuthenticator, ConnectionVerdict, WebSocketOptions } from './websocket.js';

export const GRAPHQL_PATH = '/graphql';
const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerOptions {
  host: string;
  port: number;
  schema?: GraphQLSchema;
  /** Extra Apollo plugins (limits, auth, metrics), envelop-style. */
  plugins?: ApolloServerPlugin<GatewayContext>[];
  /** graphql-ws on the same port and path: timeouts, payload limit and the connection_init auth hook. */
  websocket?: WebSocketOptions;
}

export interface RunningServer {
  url: string;
  port: number;
  httpServer: Server;
  schema: GraphQLSchema;
  /** Websocket connections and how often subscription results were computed versus delivered. */
  websocketStats(): WebSocketStats;
  close(): Promise<void>;
}

/** Appends each account's error to a result that still carries the other accounts' data. */
const partialErrorsPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single' || contextValue.partialErrors.length === 0) return;
        const result = response.body.singleResult;
        const extra: GraphQLFormattedError[] = contextValue.partialErrors.map((e) => e.toJSON());
        result.errors = [...(result.errors ?? []), ...extra];
      },
    };
  },
};

const PUBLIC_CODES = new Set<string>(Object.values(ErrorCode));
const CLIENT_MISTAKES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Every error leaves with a public code; unexpected ones are logged and reported without internals. */
export function formatError(gateway: Gateway) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const where = {
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
    };
    if (original instanceof ProviderError || original instanceof GatewayError)
      return { ...toGraphQLError(original).toJSON(), ...where };
    const code = String(formatted.extensions?.code ?? '');
    const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
    const inputError = code === ErrorCode.BAD_USER_INPUT || CLIENT_MISTAKES.has(code);
    // For variable errors graphql-js keeps the bare reason as originalError; the message also holds the value.
    const reason = (error as { originalError?: unknown } | undefined)?.originalError;
    const message = inputError ? withoutInputValues(formatted.message, reason) : formatted.message;
    if (PUBLIC_CODES.has(code)) return { ...formatted, message, extensions };
    if (CLIENT_MISTAKES.has(code))
      return { ...formatted, message, extensions: { ...extensions, code: ErrorCode.BAD_USER_INPUT, reason: code } };
    gateway.logger.error({ err: original }, 'unexpected error while resolving a request');
    return { message: 'Internal error', ...where, extensions: { code: ErrorCode.INTERNAL } };
  };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

export async function startServer(gateway: Gateway, opts: ServerOptions): Promise<RunningServer> {
  const schema = opts.schema ?? buildSchema(gateway.registry);
  let shuttingDown = false;
  const httpServer = createServer();
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // Whoever starts the server owns the process's signals (the CLI closes the gateway and its store too).
    // Apollo's own handler would stop it and re-send the signal, which reads as a second Ctrl-C.
    stopOnTerminationSignals: false,
    formatError: formatError(gateway),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), partialErrorsPlugin, ...(opts.plugins ?? [])],
    logger: {
      debug: (m) => gateway.logger.debug(m),
      info: (m) => gateway.logger.info(m),
      warn: (m) => gateway.logger.warn(m),
      error: (m) => gateway.logger.error(m),
    },
  });
  await apollo.start();

  httpServer.on('request', async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    try {
      if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz') {
        if (shuttingDown) return sendJson(res, 503, { status: 'shutting down' });
        // Ready while the gateway serves (reads answer from the index even when an account is down); each
        // account's health says how fresh its jobs are.
        const accounts = Object.fromEntries(
          await Promise.all(
            [...gateway.accounts.values()].map(async (a) => {
              const h = await healthOf(a, gateway.observation.mirror(a.name));
              const view = {
                status: h.status,
                circuit: h.circuit,
                stale: h.stale,
                lastCompleteRoundAt: h.lastCompleteRoundAt,
                lastErrorCode: h.lastErrorCode,
              };
              return [a.name, view] as const;
            }),
          ),
        );
        return sendJson(res, 200, { status: 'ready', accounts });
      }
      if (url.pathname !== GRAPHQL_PATH)
        return sendJson(res, 404, { error: `not found; GraphQL is at ${GRAPHQL_PATH}` });

      const raw = await readBody(req);
      if (raw === undefined) return sendJson(res, 413, { error: `request body larger than ${MAX_BODY_BYTES} bytes` });
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      let body: unknown = raw;
      if (raw && headers.get('content-type')?.includes('application/json')) {
        try {
          body = JSON.parse(raw);
        } catch {
          return sendJson(res, 400, {
            errors: [{ message: 'Request body is not valid JSON.', extensions: { code: ErrorCode.BAD_USER_INPUT } }],
          });
        }
      }
      // Provider calls made for this request stop when the client goes away.
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: async () => createContext(gateway, abort.signal),
      });
      for (const [name, value] of result.headers) res.setHeader(name, value);
      res.statusCode = result.status ?? 200;
      if (result.body.kind === 'complete') {
        res.end(result.body.string);
      } else {
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } catch (error) {
      gateway.logger.error({ err: error }, 'request failed');
      if (!res.headersSent)
        sendJson(res, 500, { errors: [{ message: 'Internal error', extensions: { code: ErrorCode.INTERNAL } }] });
      else res.end();
    }
  });

  const websocket: AttachedWebSocket = attachWebSocket(
    httpServer,
    GRAPHQL_PATH,
    gateway,
    schema,
    formatError(gateway),
    opts.websocket,
  );

  httpServer.listen(opts.port, opts.host);
  await once(httpServer, 'listening');
  const { port } = httpServer.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}${GRAPHQL_PATH}`,
    port,
    httpServer,
    schema,
    websocketStats: () => websocket.stats(),
    async close() {
      shuttingDown = true;
      // Upgraded sockets are no longer HTTP connections: the drain plugin would wait for them forever.
      await websocket.close();
      await apollo.stop(); // the drain plugin closes the HTTP server and its idle connections
    },
  };
}
