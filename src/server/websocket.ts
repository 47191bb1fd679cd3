/**
 * GraphQL over websockets (graphql-ws protocol, ws underneath) on the same port and path as HTTP GraphQL.
 * Hygiene: a connection must send connection_init within `connectionInitTimeoutMs`; ws pings every
 * `keepAliveMs` and drops a peer that has not answered the previous ping; messages above `maxPayloadBytes`
 * close the connection (1009). The edge applies to sockets as to HTTP: upgrades from origins not allowed are
 * refused (403), and over the total cap (503); connection_init must carry the credentials
 * (`{ "authorization": "Bearer …" }`, or the upgrade's Authorization header) or the socket is closed with
 * 4403, and a principal over its own cap with 4429; each operation counts against the principal's rate, is
 * parsed with the token limit and validated with the limit rules, and over the per-connection cap it is
 * refused with TOO_MANY_SUBSCRIPTIONS — that operation only, the socket stays open, as it does for a
 * syntax error. `authenticate` is a further hook for connection_init payloads.
 *
 * The socket glue is graphql-ws's `makeServer` wired to ws by hand, after its `use/ws` starter (which invites
 * copying it): the difference is that socket errors and handler failures go to the gateway's structured log
 * instead of the console, and an oversized message is the client's mistake, not an "internal error".
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import {
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
} from 'graphql';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { OPEN_PRINCIPAL, type Principal, shareKeyOf } from '../auth/index.js';
import { isSlowConsumerSignal, type SubscriptionItem } from '../events/hub.js';
import type { Gateway } from '../gateway.js';
import { createContext, type GatewayContext } from '../graphql/context.js';
import { ErrorCode, GatewayError } from '../sdk/errors.js';
import { type OperationType, outcomeOfErrors } from '../telemetry/index.js';
import { type Edge, refusal } from './edge.js';
import { responseTooLarge, tokenLimitError } from './limits.js';
import type { ValidDocuments } from './prepared.js';
import { SharedExecution, type SharedExecutionStats } from './shared-execution.js';

/** What the authentication hook decides for one connection. */
export type ConnectionVerdict =
  | boolean
  | {
      /**
       * Connections with the same share key may receive the same computed result for the same event. Give
       * principals whose results may differ (field-level permissions) different keys. Default: one shared key.
       */
      shareKey?: string;
      /** Sent to the client in connection_ack. */
      ackPayload?: Record<string, unknown>;
    };

/**
 * Called once per connection with what the client sent in connection_init (its `connectionParams`) and the
 * HTTP upgrade request (headers). `false` (or a throw) closes the connection with 4403 Forbidden.
 */
export type ConnectionAuthenticator = (init: {
  connectionParams: Readonly<Record<string, unknown>> | undefined;
  request: IncomingMessage;
}) => ConnectionVerdict | Promise<ConnectionVerdict>;

export interface WebSocketOptions {
  /** Close a connection that has not sent connection_init after this long (4408). Default 5 s. */
  connectionInitTimeoutMs?: number;
  /** Ping interval; a peer that has not answered one ping by the next is dropped. Default 12 s. */
  keepAliveMs?: number;
  /** Largest message a client may send. Default 256 KiB. */
  maxPayloadBytes?: number;
  /** Default: every connection is allowed. */
  authenticate?: ConnectionAuthenticator;
  /** How long closing waits for clients to acknowledge the close frame before cutting them off. Default 1 s. */
  closeGraceMs?: number;
}

export interface WebSocketStats extends SharedExecutionStats {
  connections: number;
}

export interface AttachedWebSocket {
  stats(): WebSocketStats;
  close(): Promise<void>;
}

interface ConnectionState {
  principal: Principal;
  shareKey: string;
  abort: AbortController;
}

const DEFAULT_SHARE_KEY = shareKeyOf(OPEN_PRINCIPAL);

/** A client's mistake in a document, with graphql-js's code for it (formatError makes it BAD_USER_INPUT). */
const clientMistake = (error: GraphQLError, code: string) =>
  new GraphQLError(error.message, {
    nodes: error.nodes ?? null,
    originalError: error.originalError ?? error,
    extensions: { ...error.extensions, code },
  });

const credentialsOf = (params: Readonly<Record<string, unknown>> | undefined, request: IncomingMessage) => {
  const fromInit = params?.authorization ?? params?.Authorization;
  return typeof fromInit === 'string' ? fromInit : request.headers.authorization;
};

/** The socket under a ws WebSocket (ws's own `_socket`: no public accessor exists; ws has kept it for years). */
const netSocketOf = (socket: WebSocket) => (socket as unknown as { _socket?: Socket })._socket;

const corked = new WeakSet<WebSocket>();

/**
 * Holds a connection's writes until the current turn of the event loop ends, so the events of one poll round
 * leave in one write per socket rather than one each: at 10,000 subscribers the kernel writes were most of
 * the delivery cost (bench/fanout.ts).
 */
function coalesceWrites(socket: WebSocket): void {
  const raw = netSocketOf(socket);
  if (!raw || corked.has(socket)) return;
  corked.add(socket);
  raw.cork();
  setImmediate(() => {
    corked.delete(socket);
    raw.uncork();
  });
}

/** The member of a placeholder payload (see `serializedOnce`); nothing else in a message is an object key. */
const SERIALIZED_KEY = '__crossdockSerialized';
const PLACEHOLDER_AT_END = new RegExp(`"payload":\\{"${SERIALIZED_KEY}":"(\\d+)"\\}\\}$`);

/**
 * Each result's JSON made once, whatever the number of subscribers it goes to. graphql-ws serializes every
 * `next` message whole, per subscriber ({ id, type, payload }); here `onNext` hands it a placeholder payload
 * instead, and `send` writes the message as two websocket fragments (RFC 6455 §5.4, reassembled by every
 * client): the subscriber's own head (`{"id":…,"type":"next","payload":`), then the result's bytes, made once
 * and the very same Buffer for every socket. The payload is the message's last member, and a client's id cannot
 * contain an unescaped quote, so the placeholder's match is unambiguous. (Node 20 has no JSON.rawJSON.)
 *
 * A placeholder lives as long as its result (which the shared execution's memo holds while subscribers may
 * still need it); its bytes are forgotten when the placeholder is collected.
 */
function serializedOnce() {
  const bytes = new Map<string, Buffer>();
  const placeholders = new WeakMap<object, Record<string, string>>();
  const forget = new FinalizationRegistry<string>((token) => bytes.delete(token));
  let tokens = 0;
  return {
    placeholderOf(result: FormattedExecutionResult): FormattedExecutionResult {
      let placeholder = placeholders.get(result);
      if (!placeholder) {
        const token = String(++tokens);
        placeholder = { [SERIALIZED_KEY]: token };
        bytes.set(token, Buffer.from(`${JSON.stringify(result)}}`));
        placeholders.set(result, placeholder);
        forget.register(placeholder, token);
      }
      return placeholder as FormattedExecutionResult;
    },
    /** A message with a placeholder as its own head and the shared rest; undefined for any other message. */
    split(message: string): { head: string; rest: Buffer } | undefined {
      const match = PLACEHOLDER_AT_END.exec(message);
      if (!match) return undefined;
      const rest = bytes.get(match[1]!);
      if (!rest) throw new Error('a shared subscription result was forgotten before it was sent');
      return { head: `${message.slice(0, match.index)}"payload":`, rest };
    },
  };
}

/** Sends one graphql-ws message, a shared result as two fragments (see `serializedOnce`). */
function sendMessage(
  socket: WebSocket,
  message: string,
  once: ReturnType<typeof serializedOnce>,
  done: (error?: Error) => void,
): void {
  const parts = once.split(message);
  if (!parts) {
    socket.send(message, done);
    return;
  }
  socket.send(parts.head, { fin: false });
  socket.send(parts.rest, { fin: true, binary: false }, done);
}

/** A send that failed: the socket is going away, and its close ends the subscriptions. */
const dropFailedSend = () => {};

export function attachWebSocket(
  httpServer: Server,
  path: string,
  gateway: Gateway,
  schema: GraphQLSchema,
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
  edge: Edge,
  documents: ValidDocuments,
  opts: WebSocketOptions = {},
): AttachedWebSocket {
  const { limits } = edge;
  const caps = limits.websocket;
  const wss = new WebSocketServer({
    server: httpServer,
    path,
    maxPayload: opts.maxPayloadBytes ?? 256 * 1024,
    verifyClient: ({ req }, decide) => {
      if (!edge.origins.allows(req.headers)) return decide(false, 403, 'Origin not allowed (server.cors.origins)');
      if (wss.clients.size >= caps.maxConnections)
        return decide(
          false,
          503,
          `Too many websocket connections (limits.websocket.maxConnections: ${caps.maxConnections})`,
        );
      decide(true);
    },
  });
  const connections = new WeakMap<object, ConnectionState>();
  /** Open, acknowledged connections per principal (by name). */
  const perPrincipal = new Map<string, number>();
  const contextShareKeys = new WeakMap<object, string>();
  const formatted = new WeakMap<ExecutionResult, FormattedExecutionResult>();
  const shared = new SharedExecution({
    // Logged events are shared by sequence number; a slow-consumer signal is one subscriber's own.
    payloadKey: (payload) => {
      const item = payload as SubscriptionItem;
      return isSlowConsumerSignal(item) ? undefined : `event:${item.seq}`;
    },
    // The group shares one share key, so any subscriber's principal stands for all of them.
    contextFor: (args) => createContext(gateway, (args.contextValue as GatewayContext).principal),
  });

  const once = serializedOnce();
  const format = (result: ExecutionResult): FormattedExecutionResult => {
    let out = formatted.get(result);
    if (!out) {
      const { errors, ...rest } = result;
      out = errors ? { ...rest, errors: errors.map((e) => formatError(e.toJSON(), e)) } : rest;
      formatted.set(result, out);
    }
    return out;
  };

  /** Runs an operation measured (src/telemetry): its type and, for a result (not a stream), its outcome. */
  const measured =
    <R extends ExecutionResult | AsyncIterableIterator<ExecutionResult>>(run: (args: ExecutionArgs) => Promise<R>) =>
    (args: ExecutionArgs): Promise<R> =>
      gateway.telemetry.graphql(async (operation) => {
        const ast = getOperationAST(args.document, args.operationName);
        operation.identify((ast?.operation ?? 'unknown') as OperationType, ast?.name?.value);
        const result = await run(args);
        if (!(Symbol.asyncIterator in result)) operation.finish(outcomeOfErrors(format(result).errors));
        return result;
      });

  const server = makeServer<Record<string, unknown> | undefined, { socket: WebSocket; request: IncomingMessage }>({
    schema,
    connectionInitWaitTimeout: opts.connectionInitTimeoutMs ?? 5_000,
    onConnect: async (ctx) => {
      const { socket, request } = ctx.extra;
      let principal: Principal;
      try {
        principal = await edge.authenticator.authenticate(credentialsOf(ctx.connectionParams, request));
      } catch (error) {
        if (!(error instanceof GatewayError)) gateway.logger.warn({ err: error }, 'websocket authentication failed');
        else gateway.logger.info({ reason: error.message }, 'websocket refused: not authenticated');
        return false; // 4403 Forbidden
      }
      const open = perPrincipal.get(principal.name) ?? 0;
      if (open >= caps.maxConnectionsPerPrincipal) {
        socket.close(
          4429,
          `Too many connections for ${principal.name} (limit ${caps.maxConnectionsPerPrincipal})`.slice(0, 120),
        );
        return false;
      }
      let verdict: ConnectionVerdict;
      try {
        verdict = opts.authenticate
          ? await opts.authenticate({ connectionParams: ctx.connectionParams, request })
          : true;
      } catch (error) {
        gateway.logger.warn({ err: error }, 'websocket authentication failed');
        verdict = false;
      }
      if (verdict === false) return false;
      const details = typeof verdict === 'object' ? verdict : {};
      perPrincipal.set(principal.name, open + 1);
      connections.set(socket, {
        principal,
        // Callers who may see different accounts never share a computed result.
        shareKey: `${shareKeyOf(principal)}/${details.shareKey ?? DEFAULT_SHARE_KEY}`,
        abort: new AbortController(),
      });
      return details.ackPayload ?? true;
    },
    onClose: (ctx) => connections.get(ctx.extra.socket)?.abort.abort(),
    onSubscribe: async (ctx, _id, payload) => {
      const state = connections.get(ctx.extra.socket);
      if (!state) return [new GraphQLError('Not acknowledged', { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
      // This operation's id is already among them.
      const running = Object.keys(ctx.subscriptions).length;
      if (running > caps.maxSubscriptionsPerConnection)
        return [
          refusal(
            new GatewayError(
              ErrorCode.TOO_MANY_SUBSCRIPTIONS,
              `This connection already runs ${running - 1} operations (limits.websocket.maxSubscriptionsPerConnection: ${caps.maxSubscriptionsPerConnection}).`,
              { max: caps.maxSubscriptionsPerConnection },
            ),
          ),
        ];
      const limited = await edge.consumeRate(state.principal, ctx.extra.request.socket.remoteAddress);
      if (limited) return [refusal(limited)];
      const checked = documents.check(payload.query);
      if ('syntaxError' in checked) {
        const error = checked.syntaxError;
        const tooMany = tokenLimitError(String((error as Error).message), limits.maxTokens);
        if (tooMany) return [refusal(tooMany)];
        return [
          clientMistake(
            error instanceof GraphQLError ? error : new GraphQLError(String(error)),
            'GRAPHQL_PARSE_FAILED',
          ),
        ];
      }
      if ('invalid' in checked) return checked.invalid.map((e) => clientMistake(e, 'GRAPHQL_VALIDATION_FAILED'));
      const { document } = checked;
      const operation = getOperationAST(document, payload.operationName);
      if (!operation)
        return [
          clientMistake(
            new GraphQLError('Unable to identify the operation: name it in operationName.'),
            'OPERATION_RESOLUTION_FAILURE',
          ),
        ];
      const variables = (payload.variables ?? undefined) as Record<string, unknown> | undefined;
      // As Apollo does over HTTP: wrong variables are the client's mistake, named without their value.
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, {
        maxErrors: 10,
      });
      if (coerced.errors) return coerced.errors.map((e) => clientMistake(e, ErrorCode.BAD_USER_INPUT));
      const refused = edge.checkOperation({
        principal: state.principal,
        schema,
        document,
        operation,
        variables,
        transport: 'websocket',
      });
      if (refused) {
        const error = refusal(refused);
        if (operation.operation === 'mutation') edge.audit(state.principal, document, operation, [error]);
        return [error];
      }
      return {
        schema,
        document,
        ...(payload.operationName ? { operationName: payload.operationName } : {}),
        ...(variables ? { variableValues: variables } : {}),
      };
    },
    context: (ctx) => {
      const state = connections.get(ctx.extra.socket);
      const context = createContext(gateway, state?.principal ?? OPEN_PRINCIPAL, state?.abort.signal);
      contextShareKeys.set(context, state?.shareKey ?? DEFAULT_SHARE_KEY);
      return context;
    },
    // Queries and mutations over the socket get the same partial-result errors, audit line and size limit as
    // over HTTP.
    execute: measured(async (args: ExecutionArgs) => {
      const executed = await execute(args);
      const context = args.contextValue as GatewayContext;
      const partial = context.partialErrors;
      const result = partial.length ? { ...executed, errors: [...(executed.errors ?? []), ...partial] } : executed;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation === 'mutation')
        edge.audit(context.principal, args.document, operation, result.errors ?? []);
      const bytes = Buffer.byteLength(JSON.stringify(result));
      if (bytes > limits.maxResponseBytes)
        return { errors: [refusal(responseTooLarge(limits.maxResponseBytes, bytes))] };
      return result;
    }),
    subscribe: measured((args: ExecutionArgs) =>
      shared.subscribe(args, contextShareKeys.get(args.contextValue as object) ?? DEFAULT_SHARE_KEY),
    ),
    // A subscription result shared by many subscribers is serialized once (see `serializedOnce`).
    onNext: (_ctx, _id, _payload, _args, result) => once.placeholderOf(format(result)),
    onError: (_ctx, _id, _payload, errors) => {
      const formattedErrors = errors.map((e) => formatError(e.toJSON(), e));
      // Operations refused before they ran (onSubscribe) end here; those that ran are measured above.
      void gateway.telemetry.graphql(async (operation) => operation.finish(outcomeOfErrors(formattedErrors)));
      return formattedErrors;
    },
  });
  wss.options.handleProtocols = handleProtocols;
  const keepAliveMs = opts.keepAliveMs ?? 12_000;

  wss.on('connection', (socket, request) => {
    // ws closes the connection itself on protocol errors (1009 for an oversized message, 1002, ...).
    socket.on('error', (error) => gateway.logger.debug({ err: error }, 'websocket closed on a protocol error'));
    let answered = true;
    const pinger = setInterval(() => {
      if (!answered) {
        socket.terminate();
        return;
      }
      answered = false;
      socket.ping();
    }, keepAliveMs);
    socket.on('pong', () => {
      answered = true;
    });
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => {
          if (socket.readyState !== socket.OPEN) return;
          coalesceWrites(socket);
          // Up to maxBufferedBytes waiting to be written, a delivery does not wait for the socket; past it, it
          // resolves once written, so a client that does not read holds its subscriptions back (backpressure)
          // until the event hub gives up on it (SLOW_CONSUMER) instead of buffering without bound.
          if (socket.bufferedAmount < caps.maxBufferedBytes) {
            sendMessage(socket, data, once, dropFailedSend);
            return;
          }
          return new Promise<void>((resolve, reject) => {
            sendMessage(socket, data, once, (error) => (error ? reject(error) : resolve()));
          });
        },
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (error) {
              gateway.logger.error({ err: error }, 'websocket message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      clearInterval(pinger);
      const principal = connections.get(socket)?.principal;
      if (principal) {
        const left = (perPrincipal.get(principal.name) ?? 1) - 1;
        if (left > 0) perPrincipal.set(principal.name, left);
        else perPrincipal.delete(principal.name);
      }
      closed(code, String(reason)).catch((error: unknown) =>
        gateway.logger.error({ err: error }, 'websocket close handling failed'),
      );
    });
  });

  return {
    stats: () => ({ ...shared.stats(), connections: wss.clients.size }),
    async close() {
      const clients = [...wss.clients];
      for (const client of clients) client.close(1001, 'Going away');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const deadline = Date.now() + (opts.closeGraceMs ?? 1_000);
      while (clients.some((c) => c.readyState !== c.CLOSED) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const client of clients) if (client.readyState !== client.CLOSED) client.terminate();
    },
  };
}
