import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import type { Gateway } from './gateway.js';
import type { JobRecord } from './job-records.js';
import { JobReader } from './jobs.js';

/** Per GraphQL operation: loaders memoize for this request only; the gateway's caches outlive it. */
export interface GatewayContext {
  gateway: Gateway;
  jobs: JobReader;
  /** Batches the store reads behind Job.state fallback, stateChangedAt and history. */
  records: DataLoader<{ account: string; nativeId: string }, JobRecord | undefined, string>;
  /** Errors for one account's part of a result that still has data from the others. */
  partialErrors: GraphQLError[];
  signal: AbortSignal;
}

export function createContext(gateway: Gateway, signal: AbortSignal = new AbortController().signal): GatewayContext {
  return {
    gateway,
    jobs: new JobReader({ accounts: gateway.accounts, cache: gateway.cache, now: gateway.now, signal }),
    records: new DataLoader((keys) => gateway.records.getMany(keys), {
      cacheKeyFn: (k) => `${k.account}\n${k.nativeId}`,
    }),
    partialErrors: [],
    signal,
  };
}
