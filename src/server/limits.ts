/**
 * Request limits, decided before execution. The document's shape is bounded in three steps, cheapest first:
 * tokens while parsing (graphql-js's own `maxTokens`: a 10,000-alias document stops after a few thousand
 * tokens, before any AST grows), depth/aliases/directives while validating (GraphQL Armor's rules), then the
 * node budget of the resolved operation with its variables (graphql-query-complexity and our estimator, the way
 * GitHub's API bounds a query: each `first: N` multiplies what is under it).
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  isListType,
  isNonNullType,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { ErrorCode, GatewayError } from '../sdk/errors.js';
import type { LimitsConfig } from './config.js';

/** The public error of a limit: its name, the limit and what the request measured, in `extensions`. */
export function limitExceeded(limit: string, max: number, measured: number | undefined, what: string): GatewayError {
  const found = measured === undefined ? `more than ${max}` : String(measured);
  return new GatewayError(
    ErrorCode.QUERY_TOO_COMPLEX,
    `The operation has ${found} ${what}; the limit is ${max} (limits.${limitKey(limit)}).`,
    { limit, max, ...(measured === undefined ? {} : { measured }) },
  );
}

const limitKey = (limit: string) => `max${limit[0]?.toUpperCase()}${limit.slice(1)}`;

/**
 * Armor's rules report "…limit of N exceeded, found M." (`exposeLimits`); the measured M is taken from there
 * (Armor's reject callback gets only the error), and the limit test in test/security.e2e.test.ts holds it to that.
 */
function armorRejection(limit: string, max: number, what: string) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const measured = /found (\d+)/.exec(error.message)?.[1];
    const cause = limitExceeded(limit, max, measured === undefined ? undefined : Number(measured), what);
    context?.reportError(new GraphQLError(cause.message, { originalError: cause }));
  };
}

/** Validation rules for depth, aliases and directives (they report QUERY_TOO_COMPLEX, never throw). */
export function documentLimitRules(limits: LimitsConfig): ValidationRule[] {
  const common = { exposeLimits: true, propagateOnRejection: false } as const;
  return [
    maxDepthRule({
      ...common,
      n: limits.maxDepth,
      ignoreIntrospection: false,
      flattenFragments: true,
      onReject: [armorRejection('depth', limits.maxDepth, 'levels of nesting')],
    }),
    maxAliasesRule({
      ...common,
      n: limits.maxAliases,
      onReject: [armorRejection('aliases', limits.maxAliases, 'aliases')],
    }),
    maxDirectivesRule({
      ...common,
      n: limits.maxDirectives,
      onReject: [armorRejection('directives', limits.maxDirectives, 'directives')],
    }),
  ] as ValidationRule[];
}

/**
 * graphql-js's message when `maxTokens` stops a parse ("more that" in graphql 16, "more than" once fixed), kept
 * in one place; the security suite holds it to graphql-js.
 */
const TOO_MANY_TOKENS = /Document contains more tha[nt] \d+ tokens/;

/** The QUERY_TOO_COMPLEX error for a parse `maxTokens` stopped, or undefined for any other syntax error. */
export function tokenLimitError(message: string, maxTokens: number): GatewayError | undefined {
  return TOO_MANY_TOKENS.test(message) ? limitExceeded('tokens', maxTokens, undefined, 'tokens') : undefined;
}

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/**
 * Each root field is one node; a field with `first: N` is N times (1 + what is under it); `nodes(ids)` one per
 * id, and a subgraph's `_entities(representations)` one per representation; any other field is what is under
 * it. Lists without `first` (drives, artifacts, history) are bounded by their job, so they cost what their own
 * connections cost.
 */
const nodeEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (typeof args.first === 'number') return Math.max(0, args.first) * (1 + childComplexity);
  const ids = args.ids ?? args.representations;
  if (Array.isArray(ids)) return ids.length * (1 + childComplexity);
  const returnsList = isListType(isNonNullType(field.type) ? field.type.ofType : field.type);
  if (ROOT_TYPES.has(type.name) && !returnsList) return 1 + childComplexity;
  return childComplexity;
};

/** Fields the estimator may visit (fragments spread many times multiply them) before it gives up. */
const MAX_EVALUATED_FIELDS = 100_000;

/**
 * The node count of the operation: Infinity when even counting would cost too much (fragments spread into
 * each other), undefined when its variables are invalid (execution reports that).
 */
export function countNodes(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
): number | undefined {
  try {
    return getComplexity({
      schema,
      query: document,
      estimators: [nodeEstimator],
      maxQueryNodes: MAX_EVALUATED_FIELDS,
      ...(variables ? { variables } : {}),
      ...(operationName ? { operationName } : {}),
    });
  } catch (error) {
    return /maximum allowed number of nodes/.test(String((error as Error)?.message))
      ? Number.POSITIVE_INFINITY
      : undefined;
  }
}

/** Variable sets remembered per document; past it, that document's counts start over. */
const COUNTS_PER_DOCUMENT = 64;
/** Variables longer than this (as JSON) are counted every time rather than kept. */
const MAX_REMEMBERED_KEY = 4_096;

/**
 * `countNodes`, remembered per document and variables: Apollo's document store and the prepared queries hand
 * back the same DocumentNode for the same query text, and walking it with graphql-query-complexity was a tenth of
 * a request's time. Documents are held weakly, so the cache lives as long as theirs.
 */
export class NodeCounts {
  private readonly counts = new WeakMap<DocumentNode, Map<string, number | undefined>>();

  count(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
  ): number | undefined {
    const known = this.counts.get(document) ?? new Map<string, number | undefined>();
    this.counts.set(document, known);
    const key = `${operationName ?? ''}\n${variables ? JSON.stringify(variables) : ''}`;
    if (known.has(key)) return known.get(key);
    const nodes = countNodes(schema, document, operationName, variables);
    if (key.length > MAX_REMEMBERED_KEY) return nodes;
    if (known.size >= COUNTS_PER_DOCUMENT) known.clear();
    known.set(key, nodes);
    return nodes;
  }
}

export function responseTooLarge(max: number, measured: number): GatewayError {
  return new GatewayError(
    ErrorCode.PAYLOAD_TOO_LARGE,
    `The response would be ${measured} bytes, more than ${max} (limits.maxResponseBytes): ask for fewer nodes or fields.`,
    { limit: 'responseBytes', max, measured },
  );
}
