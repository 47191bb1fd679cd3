import type { Resolvers } from '../../generated/graphql.js';
import { decodeGlobalId, JOB_TYPE_NAME } from '../../ids.js';
import { allowedActions } from '../../mutations/actions.js';
import { ErrorCode, gatewayError } from '../../sdk/errors.js';
import type { GatewayContext } from '../context.js';
import { type JobNode, pageJobs, readJob } from '../jobs.js';

/** A job by its global id, as `node`, `nodes` and `job` read it (and a federation reference by `id`). */
export function nodeById(
  id: string,
  ctx: GatewayContext,
  maxAge: number | null | undefined,
  path: string,
): Promise<JobNode> {
  const { type, account, nativeId } = decodeGlobalId(id);
  if (type !== JOB_TYPE_NAME) throw gatewayError(ErrorCode.NOT_FOUND, `No object of type ${type} exists.`);
  return readJob(ctx, account, nativeId, { maxAge, path });
}

/**
 * A failed item of a list, as the item itself: graphql-js and graphql-jit complete an Error in a list as null
 * plus that error at its index (the generated resolver types know only the values, hence the cast).
 */
const errorAsItem = (error: unknown): JobNode => error as JobNode;

const keyOf = (job: JobNode) => ({ account: job.account.name, nativeId: job.job.nativeId });

export const jobResolvers: Resolvers = {
  Query: {
    node: (_, { id, maxAge }, ctx) => nodeById(id, ctx, maxAge, 'node'),
    // Each id stands alone: an unknown one becomes null plus its own error at its index. The list is settled
    // first (an error is an item like any other): graphql-jit, which runs prepared queries, misplaces an item
    // whose promise rejects after the others resolved (it appends a null instead).
    nodes: (_, { ids, maxAge }, ctx) =>
      Promise.all(ids.map((id) => nodeById(id, ctx, maxAge, 'nodes').catch(errorAsItem))),
    job: (_, { id, maxAge }, ctx) => nodeById(id, ctx, maxAge, 'job'),
    jobByNativeId: (_, { account, nativeId, maxAge }, ctx) =>
      readJob(ctx, account, nativeId, { maxAge, path: 'jobByNativeId' }),
    jobs: async (_, args, ctx) => {
      const page = await pageJobs(ctx, args);
      return {
        edges: page.edges,
        totalCount: page.totalCount,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: Boolean(args.after),
          startCursor: page.edges[0]?.cursor ?? null,
          endCursor: page.edges.at(-1)?.cursor ?? null,
        },
      };
    },
  },
  Node: {
    __resolveType: () => 'Job',
  },
  Job: {
    id: ({ job }) => job.id,
    provider: ({ account }) => account.kind,
    account: ({ account }) => account.name,
    nativeId: ({ job }) => job.nativeId,
    name: ({ job }) => job.snapshot.name,
    type: ({ job }) => job.snapshot.type,
    state: ({ job }) => job.state,
    providerState: ({ job }) => job.snapshot.providerState,
    cancelRequested: ({ job }) => job.snapshot.cancelRequested,
    // An event's copy shows the job's current value from the index (the state may have moved on since).
    stateChangedAt: async (node, _, ctx) =>
      node.fromEvent ? ((await ctx.index.rows.load(keyOf(node)))?.stateChangedAt ?? null) : node.job.stateChangedAt,
    createdAt: ({ job }) => job.snapshot.createdAt,
    updatedAt: ({ job }) => job.snapshot.updatedAt,
    observedAt: ({ job }) => new Date(job.observedAtMs).toISOString(),
    progress: ({ job }) => job.snapshot.progress,
    drives: ({ job }) => job.snapshot.drives,
    artifacts: ({ job }) => job.snapshot.artifacts,
    shipping: ({ job }) => job.snapshot.shipping,
    location: ({ job }) => job.snapshot.location,
    errors: ({ job }) => job.snapshot.errors,
    failureReason: ({ job }) => job.snapshot.failureReason,
    details: ({ job }) =>
      Object.entries(job.snapshot.details).map(([key, value]) => ({
        key,
        value: value === null ? null : String(value),
      })),
    allowedActions: ({ account, job }) => allowedActions(account.client, job.snapshot, job.state),
    history: (node, _, ctx) => ctx.index.history.load(keyOf(node)),
  },
};
