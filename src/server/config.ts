/**
 * The config sections of the edge: `limits` and `server.cors` (the `auth` section is src/auth/config.ts).
 * Schemas only, so that reading a config loads nothing of the server.
 */
import { z } from 'zod';

const count = (max: number, fallback: number) => z.number().int().min(1).max(max).default(fallback);

export const limitsSchema = z
  .object({
    /** Nodes one operation may ask for: the sum over its connections of the product of the `first`s above them. */
    maxNodes: count(10_000_000, 10_000),
    /** Nesting depth of selections, introspection included (fragments counted where they are spread). */
    maxDepth: count(1_000, 15),
    /** Aliased fields in one operation. */
    maxAliases: count(100_000, 30),
    /** Directives in one operation. */
    maxDirectives: count(100_000, 50),
    /** Lexical tokens in one document: parsing stops there. */
    maxTokens: count(10_000_000, 5_000),
    /** Largest HTTP request body. */
    maxRequestBytes: count(1_073_741_824, 1_048_576),
    /** Largest response to one operation (HTTP body, or one websocket query/mutation result). */
    maxResponseBytes: count(1_073_741_824, 16_777_216),
    /** Error messages are cut to this many characters (they may quote what the client sent). */
    maxErrorMessageChars: count(1_000_000, 1_000),
    /** Operations (HTTP requests and websocket operations) one principal may start per minute. */
    requestsPerMinute: count(100_000_000, 6_000),
    websocket: z
      .object({
        /** Open websocket connections, all callers together; more are refused at the upgrade (503). */
        maxConnections: count(1_000_000, 1_000),
        /** Open websocket connections of one principal; more are closed after connection_init (4429). */
        maxConnectionsPerPrincipal: count(1_000_000, 100),
        /** Operations (subscriptions, queries, mutations) running at once on one connection. */
        maxSubscriptionsPerConnection: count(1_000_000, 100),
        /**
         * Bytes a connection may have waiting to be written; past it, its deliveries wait for the client to read
         * (and a client that never does gets SLOW_CONSUMER once `events.subscriberQueueLimit` events are waiting).
         */
        maxBufferedBytes: count(1_073_741_824, 1_048_576),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type LimitsConfig = z.infer<typeof limitsSchema>;

const originSchema = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.replace(/\/$/, '');
    } catch {
      return false;
    }
  },
  { message: 'must be an origin: scheme://host[:port], no path' },
);

export const corsSchema = z
  .object({
    /** Browser origins allowed to call the gateway (CORS) and open websockets; default none. */
    origins: z.array(originSchema).default([]),
  })
  .strict()
  .prefault({});

export type CorsConfig = z.infer<typeof corsSchema>;
