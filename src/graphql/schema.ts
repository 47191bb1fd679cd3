/** The executable schema: schema/*.graphql (the public contract) plus the resolvers. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLScalarType, type GraphQLSchema, Kind, printSchema } from 'graphql';
import { type AdapterRegistry, ErrorCode } from '../sdk/index.js';
import { graphQLError } from './errors.js';
import { resolvers } from './resolvers/index.js';

const schemaDir = fileURLToPath(new URL('../../schema/', import.meta.url));

/** schema/*.graphql (the core's contract) followed by each registered adapter's own SDL. */
export function loadTypeDefs(registry: AdapterRegistry): string[] {
  const core = readdirSync(schemaDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(schemaDir + f, 'utf8'));
  return [...core, ...registry.adapters.flatMap((a) => (a.typeDefs ? [a.typeDefs] : []))];
}

/** Strings already turned into ISO form (a job's dates are read over and over); cleared when full. */
const isoOf = new Map<string, string>();
const ISO_MEMO_SIZE = 10_000;

function toIsoDateTime(value: unknown): string {
  if (typeof value !== 'string') return isoDateTime(value);
  let iso = isoOf.get(value);
  if (iso === undefined) {
    iso = isoDateTime(value);
    if (isoOf.size >= ISO_MEMO_SIZE) isoOf.clear();
    isoOf.set(value, iso);
  }
  return iso;
}

function isoDateTime(value: unknown): string {
  const time = typeof value === 'string' || value instanceof Date ? new Date(value).getTime() : Number.NaN;
  if (Number.isNaN(time)) {
    // Without the value: input errors never quote input (it could be a secret pasted in the wrong place).
    throw graphQLError(ErrorCode.BAD_USER_INPUT, 'Not an ISO 8601 date-time (e.g. "2026-11-23T00:00:00Z").');
  }
  return new Date(time).toISOString();
}

/** Kept as ISO strings end to end (providers send strings; snapshots are plain JSON). */
const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: toIsoDateTime,
  parseValue: toIsoDateTime,
  parseLiteral: (ast) => toIsoDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

/** Every resolver of the schema, the DateTime scalar included (the subgraph adds its reference resolvers). */
export const schemaResolvers = [{ DateTime }, resolvers];

export function buildSchema(registry: AdapterRegistry): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: loadTypeDefs(registry), resolvers: schemaResolvers });
}

/**
 * The schema a gateway serves: as a Federation v2 subgraph when `server.federation` is on. The federation module
 * (and @apollo/subgraph) is imported only then: a gateway without federation never loads it.
 */
export async function gatewaySchema(registry: AdapterRegistry, opts: { federation: boolean }): Promise<GraphQLSchema> {
  if (!opts.federation) return buildSchema(registry);
  return (await import('./federation.js')).buildSubgraph(registry);
}

/** The SDL `crossdock print-schema` prints: with `federation`, the subgraph's as a router reads it (`_service`). */
export async function printGatewaySchema(registry: AdapterRegistry, opts: { federation: boolean }): Promise<string> {
  if (!opts.federation) return printSchema(buildSchema(registry));
  const { buildSubgraph, subgraphSdl } = await import('./federation.js');
  return subgraphSdl(buildSubgraph(registry));
}
