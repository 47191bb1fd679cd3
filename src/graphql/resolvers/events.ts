import { type EventFilter, isSlowConsumerSignal, type SubscriptionItem } from '../../events/hub.js';
import type { JobEventKind, JobEventRecord } from '../../events/types.js';
import type { JobEventFilter, Resolvers } from '../../generated/graphql.js';
import { decodeGlobalId, JOB_TYPE_NAME, jobGlobalId } from '../../ids.js';
import { ErrorCode, gatewayError } from '../../sdk/errors.js';
import type { JobState } from '../../sdk/model.js';
import type { GatewayContext } from '../context.js';
import { allowedAccountNames, unknownAccount } from '../scope.js';

/** Empty lists in GraphQL input mean "no restriction", as in the `jobs` filter. */
const given = <T>(list: readonly T[] | null | undefined): readonly T[] | null => (list?.length ? list : null);

/**
 * The GraphQL filter as the hub matches it. Events of accounts no longer configured, or that the caller may not
 * see, are never sent: a filter naming only such accounts (or jobs of them) matches nothing, as it would for
 * names that do not exist.
 */
function toEventFilter(filter: JobEventFilter | null | undefined, ctx: GatewayContext): EventFilter {
  const jobs = given(filter?.jobIds)?.map((id, index) => {
    const decoded = decodeGlobalId(id);
    if (decoded.type !== JOB_TYPE_NAME) {
      throw gatewayError(ErrorCode.BAD_USER_INPUT, 'Not a job id.', { field: `filter.jobIds[${index}]` });
    }
    return { account: decoded.account, nativeId: decoded.nativeId };
  });
  return {
    providers: given(filter?.providers),
    accounts: allowedAccountNames(ctx.principal, ctx.gateway.accounts.keys(), given(filter?.accounts)),
    jobs: jobs ?? null,
    kinds: given(filter?.kinds as JobEventKind[] | null | undefined),
    states: given(filter?.states as JobState[] | null | undefined),
  };
}

export const eventResolvers: Resolvers = {
  Query: {
    latestJobEventCursor: (_, __, ctx) => ctx.gateway.events.latestCursor(),
  },
  Subscription: {
    jobEvents: {
      subscribe: (_, args, ctx) => ctx.gateway.events.subscribe(toEventFilter(args.filter, ctx), args.after),
      resolve: (item: SubscriptionItem): JobEventRecord => {
        if (isSlowConsumerSignal(item)) {
          throw gatewayError(
            ErrorCode.SLOW_CONSUMER,
            'This subscriber fell too far behind live events; subscribe again with `after` set to `extensions.cursor`.',
            { cursor: item.cursor },
          );
        }
        return item;
      },
    },
  },
  JobEvent: {
    cursor: (event, _, ctx) => ctx.gateway.events.cursorOf(event.seq),
    jobId: (event) => jobGlobalId(event.account, event.nativeId),
    job: (event, _, ctx) => {
      const account = ctx.gateway.accounts.get(event.account);
      if (!account) throw unknownAccount(event.account);
      const job = {
        id: jobGlobalId(event.account, event.nativeId),
        account: event.account,
        provider: event.provider,
        nativeId: event.nativeId,
        snapshot: event.snapshot,
        state: event.state,
        stateChangedAt: event.at,
        observedAtMs: Date.parse(event.at),
        listingHash: null,
      };
      // A transition's event knows when the state began; other events show the job's current value.
      const transition =
        event.kind === 'CREATED' || (event.kind === 'STATE_CHANGED' && event.previousState !== event.state);
      return { account, job, fromEvent: !transition };
    },
  },
};
