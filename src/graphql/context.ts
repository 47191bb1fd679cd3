import type DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import type { Principal } from '../auth/principal.js';
import type { Gateway } from '../gateway.js';
import type { JobKey } from '../store/event-store.js';
import { createJobRecordLoaders, type JobRecord, type JobTransition } from './job-records.js';
import { JobReader } from './jobs.js';

/** Per GraphQL operation: loaders memoize for this request only; the gateway's caches outlive it. */
export interface GatewayContext {
  gateway: Gateway;
  /** Who is asking (the edge authenticated it): `principal.canSee(account)` filters what it may read. */
  principal: Principal;
  jobs: JobReader;
  /** Batches the store reads behind Job.state fallback and stateChangedAt. */
  records: DataLoader<JobKey, JobRecord | undefined, string>;
  /** Batches the event-log reads behind Job.history. */
  history: DataLoader<JobKey, JobTransition[], string>;
  /** Errors for one account's part of a result that still has data from the others. */
  partialErrors: GraphQLError[];
  signal: AbortSignal;
}

export function createContext(
  gateway: Gateway,
  principal: Principal,
  signal: AbortSignal = new AbortController().signal,
): GatewayContext {
  return {
    gateway,
    principal,
    jobs: new JobReader({ accounts: gateway.accounts, cache: gateway.cache, now: gateway.now, signal }),
    ...createJobRecordLoaders(gateway.events),
    partialErrors: [],
    signal,
  };
}
