import type { Resolvers } from '../../generated/graphql.js';
import { cancelJob, createJob, deleteJob, updateJob } from '../../mutations/index.js';

export const mutationResolvers: Resolvers = {
  Mutation: {
    createJob: (_, { input }, ctx) => createJob(ctx, input as Record<string, unknown>),
    updateJob: (_, { input }, ctx) => updateJob(ctx, input as Record<string, unknown>),
    cancelJob: (_, { id }, ctx) => cancelJob(ctx, id),
    deleteJob: (_, { id }, ctx) => deleteJob(ctx, id),
  },
};
