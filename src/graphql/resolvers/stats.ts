import type { Resolvers } from '../../generated/graphql.js';
import { ErrorCode, gatewayError } from '../../sdk/errors.js';
import { adapterFor } from '../../sdk/index.js';
import { readProviderStats } from '../../stats/index.js';
import { visibleAccounts } from '../scope.js';

/** The window when `since` is not given: this long before `until`. */
const DEFAULT_WINDOW_MS = 30 * 86_400_000;
const MAX_STUCK = 1_000;

export const statsResolvers: Resolvers = {
  Query: {
    providerStats: async (_, args, ctx) => {
      const nowMs = ctx.gateway.now();
      const untilMs = args.until ? Date.parse(args.until) : nowMs;
      const sinceMs = args.since ? Date.parse(args.since) : untilMs - DEFAULT_WINDOW_MS;
      if (sinceMs >= untilMs)
        throw gatewayError(ErrorCode.BAD_USER_INPUT, '`since` must be before `until`.', { field: 'since' });
      const groupBy = args.groupBy ?? 'PROVIDER';
      const groups = await readProviderStats(ctx.gateway.store, {
        // Only the accounts the caller may see: their figures, and the p90s stuck jobs are measured against.
        accounts: visibleAccounts(ctx.gateway, ctx.principal).map((a) => ({ name: a.name, provider: a.kind })),
        groupBy,
        window: { sinceMs, untilMs, nowMs },
      });
      return { since: new Date(sinceMs).toISOString(), until: new Date(untilMs).toISOString(), groupBy, groups };
    },
  },
  StatsGroup: {
    providerName: (group, _, ctx) => adapterFor(ctx.gateway.registry, group.provider)?.displayName ?? group.provider,
    stuckCount: (group) => group.stuck.length,
    stuck: (group, { first }) => {
      const count = first ?? 20;
      if (!Number.isInteger(count) || count < 0 || count > MAX_STUCK)
        throw gatewayError(ErrorCode.BAD_USER_INPUT, `first must be between 0 and ${MAX_STUCK}.`, { field: 'first' });
      return group.stuck.slice(0, count);
    },
  },
  StuckJob: {
    job: async (stuck, _, ctx) => {
      const account = ctx.gateway.accounts.get(stuck.account);
      const job = await ctx.index.rows.load({ account: stuck.account, nativeId: stuck.nativeId });
      return account && job ? { account, job } : null;
    },
  },
};
