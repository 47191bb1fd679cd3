/**
 * One port for everything: GraphQL over HTTP at /graphql (Apollo Server 5 on node:http, through its
 * documented executeHTTPGraphQLRequest integration API — no web framework needed), /healthz and /readyz.
 * Every GraphQL request passes the edge first (src/server/edge.ts): origin, body size, credentials, rate,
 * then limits and roles once its operation is known; refusals carry a public code and the matching status.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Principal } from '../auth/index.js';
import { ConfigError } from '../config.js';
import { createDashboard } from '../dashboard/index.js';
import type { Gateway } from '../gateway.js';
import { createContext, type GatewayContext } from '../graphql/context.js';
import { toGraphQLError } from '../graphql/errors.js';
import { withoutInputValues } from '../graphql/input-errors.js';
import { healthOf } from '../graphql/resolvers/accounts.js';
import { gatewaySchema } from '../graphql/schema.js';
import { visibleAccounts } from '../graphql/scope.js';
import { ErrorCode, GatewayError, gatewayError, ProviderError } from '../sdk/errors.js';
import { type GraphQLOperation, outcomeOfErrors } from '../telemetry/index.js';
import { createEdge, describeAuth, type Edge, HTTP_STATUS, refusal } from './edge.js';
import { checkIdsAtTheEdge } from './input-checks.js';
import { responseTooLarge, tokenLimitError } from './limits.js';
import { METRICS_PATH, type MetricsListener, serveMetrics, startMetricsListener } from './metrics.js';
import { failedBeforeExecution, fastRequest, formatErrors, PreparedQueries, ValidDocuments } from './prepared.js';
import { listenFailure, openHostProblem } from './startup.js';
import { type AttachedWebSocket, attachWebSocket, type WebSocketOptions, type WebSocketStats } from './websocket.js';

export type { ConnectionAuthenticator, ConnectionVerdict, WebSocketOptions } from './websocket.js';

export const GRAPHQL_PATH = '/graphql';

/** GraphQL answers carry one caller's jobs: never stored by a shared cache (Apollo's own default header). */
const NO_STORE = 'no-store';

export interface ServerOptions {
  host: string;
  port: number;
  schema?: GraphQLSchema;
  /** Extra Apollo plugins (limits, auth, metrics), envelop-style. */
  plugins?: ApolloServerPlugin<GatewayContext>[];
  /** graphql-ws on the same port and path: timeouts, payload limit and the connection_init auth hook. */
  websocket?: WebSocketOptions;
}

export interface ExecutionStats {
  prepared: number;
  apollo: number;
}

export interface RunningServer {
  url: string;
  port: number;
  httpServer: Server;
  schema: GraphQLSchema;
  /** One line saying how callers authenticate (or that the gateway is open, and to whom). */
  authSummary: string;
  /** The credential-free /metrics of `metrics.port` (127.0.0.1), when configured. */
  metricsUrl: string | undefined;
  /** Websocket connections and how often subscription results were computed versus delivered. */
  websocketStats(): WebSocketStats;
  /** HTTP operations answered as prepared queries (src/server/prepared.ts) and through Apollo's pipeline. */
  executionStats(): ExecutionStats;
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

/**
 * The GraphQL operation each HTTP request is measured as (src/telemetry), by its response (refusals made before
 * Apollo) and by the request Apollo's plugins see (what Apollo resolved, how it ended).
 */
const measuring = new WeakMap<object, GraphQLOperation>();

/** Tells the request's measurement what the operation is and how it ended (first error's code). */
const measurePlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart({ request }) {
    const operation = request.http && measuring.get(request.http);
    if (!operation) return;
    return {
      async didResolveOperation({ operation: resolved }) {
        if (resolved) operation.identify(resolved.operation, resolved.name?.value);
      },
      async willSendResponse({ response }) {
        operation.finish(
          outcomeOfErrors(response.body.kind === 'single' ? response.body.singleResult.errors : undefined),
        );
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

/** Cuts a message that may quote what the client sent (a 900 KB field name stays in the client's request). */
function truncate(message: string, max: number): string {
  return message.length <= max ? message : `${message.slice(0, max)}… (${message.length - max} more characters cut)`;
}

/** The GatewayError behind a GraphQL error: thrown by a resolver, or the cause of an edge refusal or limit rule. */
function gatewayCause(error: unknown): unknown {
  const original = unwrapResolverError(error);
  const cause = (original as { originalError?: unknown } | undefined)?.originalError;
  return cause instanceof GatewayError || cause instanceof ProviderError ? cause : original;
}

/** Every error leaves with a public code; unexpected ones are logged and reported without internals. */
export function formatError(gateway: Gateway) {
  const limits = gateway.config.limits;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const out = formatOne(gateway, formatted, error);
    return { ...out, message: truncate(out.message, limits.maxErrorMessageChars) };
  };
}

function formatOne(gateway: Gateway, formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = gatewayCause(error);
  const where = {
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
  };
  if (original instanceof ProviderError || original instanceof GatewayError)
    return { ...toGraphQLError(original).toJSON(), ...where };
  const code = String(formatted.extensions?.code ?? '');
  const tooManyTokens =
    code === 'GRAPHQL_PARSE_FAILED' && tokenLimitError(formatted.message, gateway.config.limits.maxTokens);
  if (tooManyTokens) return toGraphQLError(tooManyTokens).toJSON();
  const { stacktrace: _drop, ...extensions } = formatted.extensions ?? {};
  const inputError = code === ErrorCode.BAD_USER_INPUT || CLIENT_MISTAKES.has(code);
  // For variable errors graphql-js keeps the bare reason as originalError; the message also holds the value.
  const reason = (error as { originalError?: unknown } | undefined)?.originalError;
  const message = inputError ? withoutInputValues(formatted.message, reason) : formatted.message;
  if (PUBLIC_CODES.has(code)) return { ...formatted, message, extensions };
  if (CLIENT_MISTAKES.has(code))
    return { ...formatted, message, extensions: { ...extensions, code: ErrorCode.BAD_USER_INPUT, reason: code } };
  gateway.logger.error({ err: unwrapResolverError(error) }, 'unexpected error while resolving a request');
  return { message: 'Internal error', ...where, extensions: { code: ErrorCode.INTERNAL } };
}

/** Limits, roles and the audit line for HTTP operations, once Apollo has parsed, validated and resolved them. */
function edgePlugin(edge: Edge, websocketUrl: () => string): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation, request, schema }) {
          if (!operation) return; // Apollo refuses it itself
          const refused = edge.checkOperation({
            principal: contextValue.principal,
            schema,
            document,
            operation,
            variables: request.variables,
            transport: 'http',
            websocketUrl: websocketUrl(),
          });
          if (refused) throw refusal(refused);
        },
        async willSendResponse({ contextValue, document, operation, response }) {
          if (operation?.operation !== 'mutation' || !document) return;
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          edge.audit(contextValue.principal, document, operation, errors);
        },
      };
    },
  };
}

/**
 * The request body, or undefined when it is larger than `max`. Past the limit the rest is read and dropped (up
 * to 4x the limit; more and the connection is cut), so the 413 reaches a client still sending, and the
 * connection then closes cleanly (`connection: close`) instead of being reset mid-request.
 */
function readBody(req: IncomingMessage, max: number): Promise<string | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
      else if (size > 4 * max) req.destroy();
    });
    req.on('end', () => resolve(size > max ? 'too-large' : Buffer.concat(chunks).toString('utf8')));
    // Settles nothing after 'end'; otherwise the client went away (or was cut off) mid-body.
    req.on('close', () => resolve('aborted'));
    req.on('error', () => resolve('aborted'));
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** A refusal made before Apollo sees the request (or of its too large answer), shaped like any GraphQL error response. */
function sendRefusal(
  res: ServerResponse,
  error: GatewayError,
  headers: Record<string, string> = {},
  status = HTTP_STATUS[error.code] ?? 400,
) {
  measuring.get(res)?.finish(error.code);
  sendJson(res, status, { errors: [toGraphQLError(error).toJSON()] }, headers);
}

/** Each account the principal may see, with how fresh its jobs are: what /readyz shows. */
async function readiness(gateway: Gateway, principal: Principal) {
  return Object.fromEntries(
    await Promise.all(
      visibleAccounts(gateway, principal).map(async (a) => {
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
}

export async function startServer(gateway: Gateway, opts: ServerOptions): Promise<RunningServer> {
  const openHost = openHostProblem(gateway.config.auth, opts.host);
  if (openHost) throw new ConfigError([openHost]);
  const schema = checkIdsAtTheEdge(
    opts.schema ?? (await gatewaySchema(gateway.registry, { federation: gateway.config.server.federation })),
  );
  const edge = await createEdge(gateway.config, opts.host, gateway.logger);
  const { limits } = edge;
  let shuttingDown = false;
  let websocketUrl = '';
  const httpServer = createServer();
  const introspection = true;
  const { server: web } = gateway.config;
  const dashboard = createDashboard({
    dashboard: web.dashboard,
    explorer: web.explorer && introspection,
    graphqlPath: GRAPHQL_PATH,
  });
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    introspection,
    includeStacktraceInErrorResponses: false,
    // Whoever starts the server owns the process's signals (the CLI closes the gateway and its store too).
    // Apollo's own handler would stop it and re-send the signal, which reads as a second Ctrl-C.
    stopOnTerminationSignals: false,
    formatError: formatError(gateway),
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: edge.validationRules,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo's own landing page loads its explorer from a CDN; the gateway serves GraphiQL itself.
      ApolloServerPluginLandingPageDisabled(),
      // Per-field cache hints would wrap every resolver; job data is never cacheable (see NO_STORE).
      ApolloServerPluginCacheControlDisabled(),
      partialErrorsPlugin,
      measurePlugin,
      edgePlugin(edge, () => websocketUrl),
      ...(opts.plugins ?? []),
    ],
    logger: {
      debug: (m) => gateway.logger.debug(m),
      info: (m) => gateway.logger.info(m),
      warn: (m) => gateway.logger.warn(m),
      error: (m) => gateway.logger.error(m),
    },
  });
  await apollo.start();
  const format = formatError(gateway);
  const executionStats: ExecutionStats = { prepared: 0, apollo: 0 };
  const documents = new ValidDocuments(schema, {
    size: web.preparedQueries,
    maxTokens: limits.maxTokens,
    validationRules: edge.validationRules,
  });
  // Users' own Apollo plugins see every request, so with any of them every request goes through Apollo; so does
  // a subgraph's (graphql-jit answers `_entities` lists differently from graphql-js).
  const prepared =
    web.preparedQueries > 0 && !opts.plugins?.length && !web.federation
      ? new PreparedQueries(schema, documents, web.preparedQueries)
      : undefined;

  /** The caller, or undefined once missing or bad credentials were answered with 401. */
  async function authenticated(req: IncomingMessage, res: ServerResponse): Promise<Principal | undefined> {
    try {
      return await edge.authenticator.authenticate(req.headers.authorization);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      sendRefusal(res, error, { 'www-authenticate': 'Bearer' });
      return undefined;
    }
  }

  /** Answers a body larger than `limits.maxResponseBytes` with the refusal instead; true when it did. */
  function refusedAsTooLarge(res: ServerResponse, body: string): boolean {
    const bytes = Buffer.byteLength(body);
    if (bytes <= limits.maxResponseBytes) return false;
    // Not the request's size: a plain 400, so the client does not read it as "body too large" (413).
    sendRefusal(res, responseTooLarge(limits.maxResponseBytes, bytes), {}, 400);
    return true;
  }

  /**
   * A query already prepared (src/server/prepared.ts), executed without Apollo's pipeline; false, before any
   * resolver ran, when Apollo must answer it (not preparable, refused by the edge, variables that do not coerce).
   */
  async function answerPrepared(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    principal: Principal,
    signal: AbortSignal,
    operation: GraphQLOperation,
  ): Promise<boolean> {
    const request = fastRequest(req.method, req.headers, body);
    const query = request && prepared?.get(request);
    if (!request || !query) return false;
    const check = { principal, schema, document: query.document, operation: query.operation } as const;
    if (edge.checkOperation({ ...check, variables: request.variables, transport: 'http' })) return false;
    const context = createContext(gateway, principal, signal);
    const result = await query.execute(context, request.variables);
    if (failedBeforeExecution(result)) return false;
    operation.identify('query', query.operation.name?.value);
    const errors = [...formatErrors(result.errors ?? [], format), ...context.partialErrors.map((e) => e.toJSON())];
    operation.finish(outcomeOfErrors(errors.length ? errors : undefined));
    // Apollo's own serialization: the same bytes either way.
    const answer = `${JSON.stringify(errors.length ? { errors, data: result.data } : { data: result.data })}\n`;
    if (refusedAsTooLarge(res, answer)) return true;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(answer);
    return true;
  }

  /** The GraphQL endpoint: origin, size, credentials and rate, then Apollo (limits and roles in edgePlugin). */
  async function serveGraphQL(req: IncomingMessage, res: ServerResponse, url: URL, operation: GraphQLOperation) {
    measuring.set(res, operation);
    const cors = edge.origins.corsHeaders(req.headers);
    if (!edge.origins.allows(req.headers))
      return sendRefusal(
        res,
        gatewayError(ErrorCode.FORBIDDEN, 'This origin may not call the gateway (server.cors.origins).'),
      );
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);

    const raw = await readBody(req, limits.maxRequestBytes);
    if (raw === 'aborted') return void res.destroy();
    if (raw === 'too-large')
      return sendRefusal(
        res,
        gatewayError(ErrorCode.PAYLOAD_TOO_LARGE, `The request body is larger than ${limits.maxRequestBytes} bytes.`, {
          limit: 'requestBytes',
          max: limits.maxRequestBytes,
        }),
        { connection: 'close' },
      );
    const principal = await authenticated(req, res);
    if (!principal) return;
    const limited = await edge.consumeRate(principal, req.socket.remoteAddress);
    if (limited) return sendRefusal(res, limited, { 'retry-after': String(limited.extensions.retryAfterSeconds) });

    let body: unknown = raw;
    if (raw && req.headers['content-type']?.includes('application/json')) {
      try {
        body = JSON.parse(raw);
      } catch {
        return sendRefusal(res, gatewayError(ErrorCode.BAD_USER_INPUT, 'Request body is not valid JSON.'));
      }
    }
    // Provider calls made for this request stop when the client goes away.
    const abort = new AbortController();
    res.on('close', () => {
      // An answered request has nothing left to stop (and an abort costs a DOMException per request).
      if (!res.writableFinished) abort.abort();
    });
    res.setHeader('cache-control', NO_STORE);
    if (prepared && (await answerPrepared(req, res, body, principal, abort.signal, operation))) {
      executionStats.prepared++;
      return;
    }
    executionStats.apollo++;
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const httpGraphQLRequest = { method: req.method ?? 'GET', headers, search: url.search, body };
    // Apollo hands plugins this very object (the context it copies per operation).
    measuring.set(httpGraphQLRequest, operation);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => createContext(gateway, principal, abort.signal),
    });
    if (result.body.kind === 'complete' && refusedAsTooLarge(res, result.body.string)) return;
    for (const [name, value] of result.headers) res.setHeader(name, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  httpServer.on('request', async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    try {
      if (await dashboard.handle(req, res, url)) return;
      if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz') {
        if (shuttingDown) return sendJson(res, 503, { status: 'shutting down' });
        // Ready while the gateway serves (reads answer from the index even when an account is down). Behind
        // auth, a probe without credentials learns only that; with credentials, each account the caller may
        // see says how fresh its jobs are (account names are a tenant's business too).
        if (edge.authenticator.required && !req.headers.authorization) return sendJson(res, 200, { status: 'ready' });
        const principal = await authenticated(req, res);
        if (principal) sendJson(res, 200, { status: 'ready', accounts: await readiness(gateway, principal) });
        return;
      }
      if (url.pathname === METRICS_PATH && gateway.config.metrics.enabled && req.method === 'GET')
        return await serveMetrics(gateway, edge, req, res, (error, headers) => sendRefusal(res, error, headers));
      if (url.pathname !== GRAPHQL_PATH)
        return sendJson(res, 404, { error: `not found; GraphQL is at ${GRAPHQL_PATH}` });
      // A CORS preflight is no GraphQL operation: not measured.
      if (req.method === 'OPTIONS') return await serveGraphQL(req, res, url, { identify() {}, finish() {} });
      await gateway.telemetry.graphql((operation) => serveGraphQL(req, res, url, operation));
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
    edge,
    documents,
    opts.websocket,
  );

  try {
    httpServer.listen(opts.port, opts.host);
    await once(httpServer, 'listening');
  } catch (error) {
    await websocket.close();
    await apollo.stop();
    throw listenFailure(error, opts.host, opts.port);
  }
  let metrics: MetricsListener | undefined;
  try {
    await gateway.telemetry.ready;
    if (gateway.config.metrics.port !== undefined)
      metrics = await startMetricsListener(gateway, gateway.config.metrics.port);
  } catch (error) {
    await websocket.close();
    await apollo.stop();
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${port}${GRAPHQL_PATH}`;
  websocketUrl = url.replace(/^http/, 'ws');
  return {
    url,
    port,
    httpServer,
    schema,
    authSummary: describeAuth(gateway.config, opts.host),
    metricsUrl: metrics?.url,
    websocketStats: () => websocket.stats(),
    executionStats: () => ({ ...executionStats }),
    async close() {
      shuttingDown = true;
      // Upgraded sockets are no longer HTTP connections: the drain plugin would wait for them forever.
      await websocket.close();
      await metrics?.close();
      await apollo.stop(); // the drain plugin closes the HTTP server and its idle connections
    },
  };
}
