import type { Resolvers } from '../../generated/graphql.js';
import type { JobAction, JobState } from '../../sdk/model.js';

export const accountResolvers: Resolvers = {
  Query: {
    accounts: (_, __, ctx) => [...ctx.gateway.accounts.values()],
  },
  ProviderAccount: {
    name: (a) => a.name,
    provider: (a) => a.kind,
    providerName: (a) => a.adapter.displayName,
    health: (a) => a.health,
    capabilities: (a) => ({
      create: a.client.capabilities.create && typeof a.client.createJob === 'function',
      dryRun: a.client.capabilities.dryRun && typeof a.client.createJob === 'function',
      actions: Object.entries(a.client.capabilities.actions).map(([action, states]) => ({
        action: action as JobAction,
        states: [...(states as readonly JobState[])],
      })),
    }),
  },
};
