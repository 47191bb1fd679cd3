/**
 * GraphQL over websockets (graphql-ws protocol, ws underneath) on the same port and path as HTTP GraphQL.
 * Hygiene: a connection must send connection_init within `connectionInitTimeoutMs`; ws pings every
 * `keepAliveMs` and drops a peer that does not pong in time; messages above `maxPayloadBytes` close the
 * connection (1009); `authenticate` decides in connection_init whether the connection may stay.
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
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createContext, type GatewayContext } from '../context.js';
import { isSlowConsumerSignal, type SubscriptionItem } from '../events/hub.js';
import type { Gateway } from '../gateway.js';
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
  /** Ping interval, and how long a pong may take before the connection is dropped. Default 12 s. */
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

  const server = useServer<Record<string, unknown> | undefined>(
    {
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
    },
    wss,
    opts.keepAliveMs ?? 12_000,
  );

  return {
    stats: () => ({ ...shared.stats(), connections: wss.clients.size }),
    async close() {
      const clients = [...wss.clients];
      await server.dispose(); // sends 1001 Going Away to every client and stops accepting
      const deadline = Date.now() + (opts.closeGraceMs ?? 1_000);
      while (clients.some((c) => c.readyState !== c.CLOSED) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const client of clients) if (client.readyState !== client.CLOSED) client.terminate();
    },
  };
}
