/**
 * crossdock as an Apollo Federation v2 subgraph (config `server.federation`, CLI `--subgraph`): the same schema
 * and resolvers, built with @apollo/subgraph, plus `_service` (the SDL a supergraph is composed from) and
 * `_entities`, through which a router resolves `Job` and `ProviderAccount` references that other subgraphs hold.
 * References are read exactly as `job`, `jobByNativeId` and `accounts` are — from the job index, through the same
 * read functions (and so with the same visibility rules), with the ids checked at the edge like arguments. All the
 * references of one `_entities` call are read in one store query: the request's DataLoader batches them.
 *
 * Imported only when federation is on (see `gatewaySchema`): a gateway without it never loads @apollo/subgraph.
 */
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { mergeResolvers, mergeTypeDefs } from '@graphql-tools/merge';
import { type GraphQLSchema, graphqlSync } from 'graphql';
import type { AccountRuntime } from '../observation/accounts.js';
import { ErrorCode, gatewayError } from '../sdk/errors.js';
import type { AdapterRegistry } from '../sdk/index.js';
import type { GatewayContext } from './context.js';
import { accountNamed, type JobNode, readJob } from './jobs.js';
import { nodeById } from './resolvers/jobs.js';
import { loadTypeDefs, schemaResolvers } from './schema.js';

/** The Federation version the subgraph links: v2.3 composes with every current router and gateway. */
export const FEDERATION_SPEC_URL = 'https://specs.apollo.dev/federation/v2.3';

/**
 * The entities and their keys, on top of the public schema (schema/ stays free of federation directives).
 * A job is known by its opaque global id, or by its account and the provider's own id (what a system that
 * ships the drives stores); an account by its configured name (unique, and it has no other id).
 */
const ENTITY_KEYS = `
extend schema @link(url: "${FEDERATION_SPEC_URL}", import: ["@key"])
extend type Job @key(fields: "id") @key(fields: "account nativeId")
extend type ProviderAccount @key(fields: "name")
`;

const ENTITIES_FIELD = '_entities';

type Representation = Record<string, unknown>;

const textField = (ref: Representation, field: string) =>
  typeof ref[field] === 'string' ? (ref[field] as string) : undefined;

function badReference(type: string, keys: string): never {
  throw gatewayError(ErrorCode.BAD_USER_INPUT, `A ${type} reference carries ${keys} (strings).`, {
    field: 'representations',
  });
}

/** Async, so that a reference that fails makes its own item null (with its error), not the whole list. */
const referenceResolvers = {
  Job: {
    async __resolveReference(ref: Representation, ctx: GatewayContext): Promise<JobNode> {
      const id = textField(ref, 'id');
      if (id !== undefined) return nodeById(id, ctx, null, ENTITIES_FIELD);
      const account = textField(ref, 'account');
      const nativeId = textField(ref, 'nativeId');
      if (account === undefined || nativeId === undefined) badReference('Job', '`id`, or `account` and `nativeId`');
      return readJob(ctx, account, nativeId, { path: ENTITIES_FIELD });
    },
  },
  ProviderAccount: {
    async __resolveReference(ref: Representation, ctx: GatewayContext): Promise<AccountRuntime> {
      const name = textField(ref, 'name');
      if (name === undefined) badReference('ProviderAccount', '`name`');
      return accountNamed(ctx, name).account;
    },
  },
};

/**
 * @apollo/subgraph answers a representation of a type it does not know with an internal error that quotes it;
 * a client's mistake gets a public code and no echo instead.
 */
function checkRepresentations(schema: GraphQLSchema): void {
  const field = schema.getQueryType()?.getFields()[ENTITIES_FIELD];
  const resolve = field?.resolve;
  if (!field || !resolve) return;
  const entityTypes = new Set(Object.keys(referenceResolvers));
  field.resolve = (source, args: { representations?: unknown }, ctx, info) => {
    const list = Array.isArray(args.representations) ? args.representations : [];
    list.forEach((ref: unknown, index) => {
      const typename = (ref as Representation | null)?.__typename;
      if (typeof ref !== 'object' || Array.isArray(ref) || typeof typename !== 'string' || !entityTypes.has(typename)) {
        throw gatewayError(
          ErrorCode.BAD_USER_INPUT,
          `Each representation is an object whose __typename is an entity of this subgraph: ${[...entityTypes].join(' or ')}.`,
          { field: `representations[${index}]` },
        );
      }
    });
    return resolve(source, args, ctx, info);
  };
}

/** The gateway's schema as a Federation v2 subgraph. */
export function buildSubgraph(registry: AdapterRegistry): GraphQLSchema {
  const schema = buildSubgraphSchema([
    {
      // One document of plain definitions: the adapters' `extend input` branches and the keys folded into the
      // types they extend, so composition sees crossdock as the owner of its types, not as extending them.
      typeDefs: mergeTypeDefs([...loadTypeDefs(registry), ENTITY_KEYS]),
      // graphql-tools' resolver map and @apollo/subgraph's differ only in their types (the same plain object).
      resolvers: mergeResolvers([...schemaResolvers, referenceResolvers]) as unknown as GraphQLResolverMap,
    },
  ]);
  checkRepresentations(schema);
  return schema;
}

/** The subgraph's SDL as a router reads it (`_service { sdl }`): what `rover supergraph compose` takes. */
export function subgraphSdl(schema: GraphQLSchema): string {
  const result = graphqlSync({ schema, source: '{ _service { sdl } }' });
  const sdl = (result.data as { _service?: { sdl?: unknown } } | null | undefined)?._service?.sdl;
  if (typeof sdl !== 'string') throw new Error('the subgraph schema has no _service SDL');
  return sdl;
}
