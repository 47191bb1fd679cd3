import type { Resolvers } from '../../generated/graphql.js';
import { allowedActions } from '../../mutations/actions.js';
import { ErrorCode, gatewayError } from '../../sdk/errors.js';
import type { GatewayContext } from '../context.js';
import { decodeGlobalId } from '../ids.js';
import { effectiveState } from '../job-records.js';
import { JOB_TYPE_NAME, type JobNode, jobGlobalId, pageJobs } from '../jobs.js';

async function nodeById(id: string, ctx: GatewayContext): Promise<JobNode> {
  const { type, account, nativeId } = decodeGlobalId(id);
  if (type !== JOB_TYPE_NAME) throw gatewayError(ErrorCode.NOT_FOUND, `No object of type ${type} exists.`);
  return ctx.jobs.get(account, nativeId);
}

export const jobResolvers: Resolvers = {
  Query: {
    node: (_, { id }, ctx) => nodeById(id, ctx),
    nodes: (_, { ids }, ctx) =>
      // Each id stands alone: an unknown one becomes null plus its own error at its index.
      ids.map((id) => nodeById(id, ctx)),
    job: (_, { id }, ctx) => nodeById(id, ctx),
    jobByNativeId: (_, { account, nativeId }, ctx) => ctx.jobs.get(account, nativeId),
    jobs: async (_, args, ctx) => {
      const page = await pageJobs(ctx.jobs, ctx.gateway.accounts.values(), args, ctx.partialErrors);
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
    id: (job) => jobGlobalId(job.account.name, job.snapshot.nativeId),
    provider: (job) => job.account.kind,
    account: (job) => job.account.name,
    nativeId: (job) => job.snapshot.nativeId,
    name: (job) => job.snapshot.name,
    type: (job) => job.snapshot.type,
    state: (job, _, ctx) => effectiveState(job, ctx),
    providerState: (job) => job.snapshot.providerState,
    cancelRequested: (job) => job.snapshot.cancelRequested,
    stateChangedAt: async (job, _, ctx) =>
      (await ctx.records.load({ account: job.account.name, nativeId: job.snapshot.nativeId }))?.stateChangedAt ?? null,
    createdAt: (job) => job.snapshot.createdAt,
    updatedAt: (job) => job.snapshot.updatedAt,
    observedAt: (job) => job.observedAt,
    progress: (job) => job.snapshot.progress,
    drives: (job) => job.snapshot.drives,
    artifacts: (job) => job.snapshot.artifacts,
    shipping: (job) => job.snapshot.shipping,
    location: (job) => job.snapshot.location,
    errors: (job) => job.snapshot.errors,
    failureReason: (job) => job.snapshot.failureReason,
    details: (job) =>
      Object.entries(job.snapshot.details).map(([key, value]) => ({
        key,
        value: value === null ? null : String(value),
      })),
    allowedActions: async (job, _, ctx) =>
      allowedActions(job.account.client, job.snapshot, await effectiveState(job, ctx)),
    history: (job, _, ctx) => ctx.history.load({ account: job.account.name, nativeId: job.snapshot.nativeId }),
  },
};
