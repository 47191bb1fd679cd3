/**
 * The edge: what every operation passes before it executes, over HTTP and websocket alike — who is asking
 * (auth), how often (rate), what shape (limits), and whether its role allows it (mutations) — plus the audit
 * line of every mutation. Built once per server from the gateway's config.
 */
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { type Action, type Authenticator, createAuthenticator, type Principal } from '../auth/index.js';
import type { GatewayConfig } from '../config.js';
import { ErrorCode, GatewayError } from '../sdk/errors.js';
import type { LimitsConfig } from './config.js';
import { documentLimitRules, limitExceeded, NodeCounts } from './limits.js';
import { createOriginPolicy, isLoopbackHost, type OriginPolicy } from './origins.js';

/** The HTTP status of each refusal the edge makes (everything else keeps GraphQL's 200 or Apollo's 400). */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.QUERY_TOO_COMPLEX]: 400,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.BAD_USER_INPUT]: 400,
};

/** A GraphQLError carrying the edge's refusal (formatError shows the GatewayError) and its HTTP status. */
export function refusal(error: GatewayError, status = HTTP_STATUS[error.code] ?? 400): GraphQLError {
  return new GraphQLError(error.message, { originalError: error, extensions: { http: { status } } });
}

/** Which role each mutation needs; a mutation not listed here needs admin. */
const MUTATION_ACTIONS: Record<string, Action> = {
  createJob: 'create',
  updateJob: 'update',
  cancelJob: 'cancel',
  deleteJob: 'delete',
};

/** The root fields an operation selects, through fragments (each fragment once). */
export function rootFields(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const seen = new Set<string>();
  const names: string[] = [];
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) names.push(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return names;
}

export interface OperationCheck {
  principal: Principal;
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown> | undefined;
  transport: 'http' | 'websocket';
  /** Where subscriptions are served, for the error a subscription sent over HTTP gets. */
  websocketUrl?: string | undefined;
}

export interface Edge {
  readonly authenticator: Authenticator;
  readonly limits: LimitsConfig;
  readonly origins: OriginPolicy;
  /** Armor's depth, alias and directive rules, for every validation of a document. */
  readonly validationRules: ValidationRule[];
  /** Counts one operation against the principal's rate; the RATE_LIMITED error when over it. */
  consumeRate(principal: Principal, remoteAddress: string | undefined): Promise<GatewayError | undefined>;
  /** Subscriptions over HTTP, the node budget, the mutation roles: the refusal, or undefined to execute. */
  checkOperation(check: OperationCheck): GatewayError | undefined;
  /** One line per mutation with who asked, what, and how it ended. */
  audit(
    principal: Principal,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    errors: readonly unknown[],
  ): void;
}

/** A short description of the gateway's authentication for the start-up line. */
export function describeAuth(config: GatewayConfig, host: string): string {
  if (config.auth?.mode === 'required') {
    const ways = [
      config.auth.apiKeys.length ? `${config.auth.apiKeys.length} API key(s)` : '',
      config.auth.jwt ? 'JWT' : '',
    ];
    return `authentication required (${ways.filter(Boolean).join(' + ')})`;
  }
  if (config.auth?.mode === 'none')
    return 'no authentication (auth.mode: none): anyone who can reach the port is admin';
  return `no authentication: open to every local user on loopback (${host}); add an auth section to serve other hosts`;
}

/** Codes of mutations the edge refused before they ran (audit outcome `refused`, not `errors`). */
const REFUSED_BEFORE_EXECUTION = new Set<string>([ErrorCode.FORBIDDEN, ErrorCode.QUERY_TOO_COMPLEX]);

export async function createEdge(config: GatewayConfig, host: string, logger: Logger): Promise<Edge> {
  const authenticator = await createAuthenticator(config.auth);
  const limits = config.limits;
  const rate = new RateLimiterMemory({ points: limits.requestsPerMinute, duration: 60 });
  const nodeCounts = new NodeCounts();
  return {
    authenticator,
    limits,
    origins: createOriginPolicy({
      origins: config.server.cors.origins,
      openOnLoopback: !authenticator.required && isLoopbackHost(host),
    }),
    validationRules: documentLimitRules(limits),

    async consumeRate(principal, remoteAddress) {
      // Anonymous callers are told apart by address; authenticated ones by name, wherever they connect from.
      const key =
        principal.via === 'none' ? `${principal.name}@${remoteAddress ?? '?'}` : `${principal.via}:${principal.name}`;
      try {
        await rate.consume(key);
        return undefined;
      } catch (result) {
        if (!(result instanceof RateLimiterRes)) throw result;
        const retryAfterSeconds = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
        return new GatewayError(
          ErrorCode.RATE_LIMITED,
          `Too many requests: at most ${limits.requestsPerMinute} a minute (limits.requestsPerMinute); retry in ${retryAfterSeconds} s.`,
          { retryAfterSeconds, limit: 'requestsPerMinute', max: limits.requestsPerMinute },
        );
      }
    },

    checkOperation({ principal, schema, document, operation, variables, transport, websocketUrl }) {
      if (operation.operation === 'subscription' && transport === 'http') {
        return new GatewayError(
          ErrorCode.BAD_USER_INPUT,
          `Subscriptions are served over websockets (graphql-ws protocol)${websocketUrl ? ` at ${websocketUrl}` : ' on the same URL'}, not over HTTP.`,
          websocketUrl ? { websocketUrl } : {},
        );
      }
      const nodes = nodeCounts.count(schema, document, operation.name?.value, variables);
      if (nodes !== undefined && nodes > limits.maxNodes)
        return limitExceeded('nodes', limits.maxNodes, Number.isFinite(nodes) ? nodes : undefined, 'nodes');
      if (operation.operation === 'mutation') {
        for (const field of rootFields(document, operation)) {
          if (field === '__typename') continue;
          const action = MUTATION_ACTIONS[field] ?? 'delete';
          if (!principal.may(action))
            return new GatewayError(
              ErrorCode.FORBIDDEN,
              `${field} needs a role that may ${action}; ${principal.name} is ${principal.role}.`,
              { role: principal.role, action },
            );
        }
      }
      return undefined;
    },

    audit(principal, document, operation, errors) {
      const codes = errors.map((e) => {
        const error = e as { extensions?: { code?: unknown }; originalError?: unknown };
        return error.originalError instanceof GatewayError
          ? error.originalError.code
          : String(error.extensions?.code ?? 'INTERNAL');
      });
      logger.info(
        {
          audit: 'mutation',
          principal: principal.name,
          role: principal.role,
          via: principal.via,
          operationName: operation.name?.value ?? null,
          mutations: rootFields(document, operation),
          outcome:
            codes.length === 0 ? 'ok' : codes.some((c) => REFUSED_BEFORE_EXECUTION.has(c)) ? 'refused' : 'errors',
          ...(codes.length ? { errorCodes: codes } : {}),
        },
        'mutation',
      );
    },
  };
}
