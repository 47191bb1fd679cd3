/**
 * Prepared queries: the HTTP fast path for a query document the gateway has already parsed, validated and
 * compiled. A dashboard or frontend sends the same few documents over and over; for those, Apollo's request
 * pipeline (hashing the query, its document store, eight plugin hooks, per-field instrumentation, response
 * formatting) costs more than answering from the index. Measured side by side (bench/http.ts), it was most of a
 * request's time.
 *
 * What takes the fast path is narrow on purpose, and everything else goes through Apollo exactly as before:
 * a POST of `application/json` whose body is one `{ query, variables?, operationName? }` (no batch, no
 * `extensions`, so no persisted query), a client that accepts `application/json`, a document that parses within
 * `limits.maxTokens`, validates with no error against the schema and the edge's limit rules, and whose operation
 * is a query without introspection fields. Whatever the fast path does not answer itself — variables that do not
 * coerce, a refusal of the edge — it hands to Apollo before any resolver ran, so those answers stay Apollo's.
 *
 * Errors raised while executing are formatted the way Apollo formats them (its `normalizeAndFormatErrors` is
 * internal, so the few lines are repeated here: `extensions.code` defaults to INTERNAL_SERVER_ERROR, then the
 * gateway's `formatError`), and the partial errors of accounts that failed are appended as Apollo's plugin does.
 */
import {
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
  type OperationDefinitionNode,
  parse,
  specifiedRules,
  type ValidationRule,
  validate,
  visit,
} from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import type { GatewayContext } from '../graphql/context.js';

/** A validated query document, compiled to a function of (context, variables). */
export interface PreparedQuery {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  execute(context: GatewayContext, variables: Record<string, unknown> | undefined): Promise<ExecutionResult>;
}

/** What the fast path may answer: the body's fields, checked to be plain. */
export interface FastRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request as the fast path may take it, or undefined when only Apollo's pipeline may answer it. */
export function fastRequest(
  method: string | undefined,
  headers: { 'content-type'?: string | undefined; accept?: string | undefined },
  body: unknown,
): FastRequest | undefined {
  if (method !== 'POST' || !isPlainObject(body)) return undefined;
  if (!headers['content-type']?.startsWith('application/json')) return undefined;
  // Apollo negotiates the response type; the fast path answers application/json only.
  const accept = headers.accept;
  if (accept && !accept.includes('application/json') && !accept.includes('*/*')) return undefined;
  if (accept?.includes('graphql-response+json') || accept?.includes('multipart/')) return undefined;
  const { query, variables, operationName, ...rest } = body;
  if (Object.keys(rest).length > 0 || typeof query !== 'string') return undefined;
  if (variables !== undefined && variables !== null && !isPlainObject(variables)) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  return { query, operationName: operationName ?? undefined, variables: variables ?? undefined };
}

/** A field of the introspection schema other than `__typename`: such documents stay with Apollo. */
function asksIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value.startsWith('__') && node.name.value !== '__typename') found = true;
    },
  });
  return found;
}

/**
 * Documents are also bounded by the size of their text (32 MiB, about what Apollo's own document store keeps): a
 * client sending a thousand different megabyte-long documents must not make the gateway keep a gigabyte.
 */
export const boundedByText = {
  maxSize: 32 * 1024 * 1024,
  sizeCalculation: (_value: unknown, key: string) => key.length + 1,
} as const;

/** What `ValidDocuments.check` found: the document, or why there is none. */
export type DocumentCheck =
  | { document: DocumentNode }
  | { syntaxError: unknown }
  | { invalid: readonly GraphQLError[] };

/**
 * Query texts parsed (within `limits.maxTokens`) and validated (graphql-js's rules and the edge's limit rules),
 * the valid ones kept by their text: one cache for the HTTP fast path and the websocket, so subscribers of one
 * subscription share one document (a parsed document keeps every token, tens of KB, as long as it runs).
 */
export class ValidDocuments {
  private readonly cache: LRUCache<string, DocumentNode> | undefined;
  private readonly rules: readonly ValidationRule[];

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly opts: { size: number; maxTokens: number; validationRules: readonly ValidationRule[] },
  ) {
    this.cache = opts.size > 0 ? new LRUCache<string, DocumentNode>({ max: opts.size, ...boundedByText }) : undefined;
    this.rules = [...specifiedRules, ...opts.validationRules];
  }

  check(query: string): DocumentCheck {
    const known = this.cache?.get(query);
    if (known) return { document: known };
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: this.opts.maxTokens });
    } catch (error) {
      return { syntaxError: error };
    }
    const invalid = validate(this.schema, document, this.rules);
    if (invalid.length > 0) return { invalid };
    this.cache?.set(query, document);
    return { document };
  }
}

export class PreparedQueries {
  /** Compiled queries by operation name and query text; `none`: known not to be preparable (Apollo answers it). */
  private readonly cache: LRUCache<string, PreparedQuery | { none: true }>;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly documents: ValidDocuments,
    size: number,
  ) {
    this.cache = new LRUCache<string, PreparedQuery | { none: true }>({ max: size, ...boundedByText });
  }

  /** Characters of document text the cache holds (bounded by `boundedByText`). */
  get cachedTextSize(): number {
    return this.cache.calculatedSize;
  }

  /** The prepared query, or undefined when Apollo's pipeline must answer this document. */
  get(request: FastRequest): PreparedQuery | undefined {
    const key = `${request.operationName ?? ''}\n${request.query}`;
    let entry = this.cache.get(key);
    if (!entry) {
      entry = this.prepare(request) ?? { none: true };
      this.cache.set(key, entry);
    }
    return 'none' in entry ? undefined : entry;
  }

  private prepare(request: FastRequest): PreparedQuery | undefined {
    const checked = this.documents.check(request.query);
    if (!('document' in checked)) return undefined;
    const { document } = checked;
    const operation = getOperationAST(document, request.operationName);
    if (operation?.operation !== 'query' || asksIntrospection(document)) return undefined;
    const compiled = compileQuery(this.schema, document, request.operationName);
    if (!isCompiledQuery(compiled)) return undefined;
    return {
      document,
      operation,
      execute: async (context, variables) => compiled.query(undefined, context, variables ?? {}),
    };
  }
}

/** Apollo's error formatting (see the module comment), then the gateway's. */
export function formatErrors(
  errors: readonly GraphQLError[],
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
): GraphQLFormattedError[] {
  return errors.map((error) => {
    const json = error.toJSON();
    const formatted = {
      ...json,
      extensions: { ...json.extensions, code: json.extensions?.code ?? 'INTERNAL_SERVER_ERROR' },
    };
    try {
      return formatError(formatted, error);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
}

/** True when execution stopped before any resolver ran (variables that do not coerce): Apollo answers it. */
export function failedBeforeExecution(result: ExecutionResult): boolean {
  return !('data' in result) || result.data === undefined;
}
