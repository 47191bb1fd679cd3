/**
 * GraphQL over websockets (graphql-ws protocol, ws underneath) on the same port and path as HTTP GraphQL.
 * Hygiene: a connection must send connection_init within `connectionInitTimeoutMs`; ws pings every
 * `keepAliveMs` and drops a peer that has not answered the previous ping; messages above `maxPayloadBytes`
 * close the connection (1009); `authenticate` decides in connection_init whether the connection may stay.
 *
 * The socket glue is graphql-ws's `makeServer` wired to ws by hand, after its `use/ws` starter (which invites
 * copying it): the difference is that socket errors and handler failures go to the gateway's structured log
 * instead of the console, and an oversized message is the client's mistake, not an "internal error".
 */
import type { IncomingMessage, Server } from 'node:http';
import type {
  ExecutionArgs,
  ExecutionResult,
  FormattedExecutionResult,
  GraphQLFormattedError,
  GraphQLSchema,
} from 'graphql';
import { execute } from 'graphql';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { isSlowConsumerSignal, type SubscriptionItem } from '../events/hub.js';
import type { Gateway } from '../gateway.js';
import { createContext, type GatewayContext } from '../graphql/context.js';
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
  shareKey: string;
  abort: AbortController;
}

const DEFAULT_SHARE_KEY = 'anonymous';

export function attachWebSocket(
  httpServer: Server,
  path: string,
  gateway: Gateway,
  schema: GraphQLSchema,
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
  opts: WebSocketOptions = {},
): AttachedWebSocket {
  const wss = new WebSocketServer({ server: httpServer, path, maxPayload: opts.maxPayloadBytes ?? 256 * 1024 });
  const connections = new WeakMap<object, ConnectionState>();
  const contextShareKeys = new WeakMap<object, string>();
  const formatted = new WeakMap<ExecutionResult, FormattedExecutionResult>();
  const shared = new SharedExecution({
    // Logged events are shared by sequence number; a slow-consumer signal is one subscriber's own.
    payloadKey: (payload) => {
      const item = payload as SubscriptionItem;
      return isSlowConsumerSignal(item) ? undefined : `event:${item.seq}`;
    },
    contextFor: () => createContext(gateway),
  });

  const format = (result: ExecutionResult): FormattedExecutionResult => {
    let out = formatted.get(result);
    if (!out) {
      const { errors, ...rest } = result;
      out = errors ? { ...rest, errors: errors.map((e) => formatError(e.toJSON(), e)) } : rest;
      formatted.set(result, out);
    }
    return out;
  };

  const server = makeServer<Record<string, unknown> | undefined, { socket: WebSocket; request: IncomingMessage }>({
    schema,
    connectionInitWaitTimeout: opts.connectionInitTimeoutMs ?? 5_000,
    onConnect: async (ctx) => {
      let verdict: ConnectionVerdict;
      try {
        verdict = opts.authenticate
          ? await opts.authenticate({ connectionParams: ctx.connectionParams, request: ctx.extra.request })
          : true;
      } catch (error) {
        gateway.logger.warn({ err: error }, 'websocket authentication failed');
        verdict = false;
      }
      if (verdict === false) return false;
      const details = typeof verdict === 'object' ? verdict : {};
      connections.set(ctx.extra.socket, {
        shareKey: details.shareKey ?? DEFAULT_SHARE_KEY,
        abort: new AbortController(),
      });
      return details.ackPayload ?? true;
    },
    onClose: (ctx) => connections.get(ctx.extra.socket)?.abort.abort(),
    context: (ctx) => {
      const state = connections.get(ctx.extra.socket);
      const context = createContext(gateway, state?.abort.signal);
      contextShareKeys.set(context, state?.shareKey ?? DEFAULT_SHARE_KEY);
      return context;
    },
    // Queries and mutations over the socket get the same partial-result errors as over HTTP.
    execute: async (args: ExecutionArgs) => {
      const result = await execute(args);
      const partial = (args.contextValue as GatewayContext).partialErrors;
      return partial.length ? { ...result, errors: [...(result.errors ?? []), ...partial] } : result;
    },
    subscribe: (args: ExecutionArgs) =>
      shared.subscribe(args, contextShareKeys.get(args.contextValue as object) ?? DEFAULT_SHARE_KEY),
    onNext: (_ctx, _id, _payload, _args, result) => format(result),
    onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
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
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            // Resolves once written: a client that does not read holds its subscriptions back (backpressure).
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
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
