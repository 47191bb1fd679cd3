import { mergeResolvers } from '@graphql-tools/merge';
import type { Resolvers } from '../../generated/graphql.js';
import { accountResolvers } from './accounts.js';
import { eventResolvers } from './events.js';
import { jobResolvers } from './jobs.js';
import { mutationResolvers } from './mutations.js';
import { statsResolvers } from './stats.js';

export const resolvers = mergeResolvers([
  jobResolvers,
  accountResolvers,
  mutationResolvers,
  eventResolvers,
  statsResolvers,
]) as Resolvers;
