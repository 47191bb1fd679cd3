import type { AccountHealth, Resolvers } from '../../generated/graphql.js';
import type { AccountRuntime } from '../../observation/accounts.js';
import type { AccountMirror } from '../../observation/mirror.js';
import type { JobAction, JobState } from '../../sdk/model.js';
import { visibleAccounts } from '../scope.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The account's call health, its poll rounds and its circuit, as `accounts` and /readyz report them. */
export async function healthOf(account: AccountRuntime, mirror: AccountMirror): Promise<AccountHealth> {
  const poll = await mirror.pollState();
  const circuit = mirror.circuit;
  return {
    ...account.health,
    status: circuit === 'OPEN' ? 'DOWN' : account.health.status,
    lastPollAt: iso(poll.lastRoundStartedMs),
    lastCompleteRoundAt: iso(poll.lastCompleteRoundMs),
    failedRounds: poll.failedRounds,
    stale: circuit !== 'CLOSED' || poll.failedRounds > 0 || poll.lastCompleteRoundMs === null,
    circuit,
  };
}

export const accountResolvers: Resolvers = {
  Query: {
    accounts: (_, __, ctx) => visibleAccounts(ctx.gateway, ctx.principal),
  },
  ProviderAccount: {
    name: (a) => a.name,
    provider: (a) => a.kind,
    providerName: (a) => a.adapter.displayName,
    health: (a, _, ctx) => healthOf(a, ctx.gateway.observation.mirror(a.name)),
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
