/**
 * What queries read of the gateway's own observations of a job — the last known state (when the provider's
 * word has no normalized equivalent), when that state began, and the transitions it went through. All of it
 * comes from the event log's store (src/events), the same place subscriptions read, so `Job.history`,
 * `Job.stateChangedAt` and the events a subscriber received never disagree.
 */
import DataLoader from 'dataloader';
import type { EventHub } from '../events/hub.js';
import type { JobTransition } from '../events/types.js';
import type { JobState } from '../sdk/model.js';
import type { JobKey } from '../store/event-store.js';
import type { GatewayContext } from './context.js';
import type { JobNode } from './jobs.js';

export type { JobTransition } from '../events/types.js';

export interface JobRecord {
  state: JobState | null;
  stateChangedAt: string;
}

/** The normalized state, or — when the provider's word has no equivalent — the last one the gateway saw. */
export async function effectiveState(job: JobNode, ctx: Pick<GatewayContext, 'records'>): Promise<JobState | null> {
  if (job.snapshot.state !== null) return job.snapshot.state;
  const record = await ctx.records.load({ account: job.account.name, nativeId: job.snapshot.nativeId });
  return record?.state ?? null;
}

const cacheKeyFn = (k: JobKey) => `${k.account}\n${k.nativeId}`;

/** Per GraphQL operation: batches the store reads of every Job in a result into one query each. */
export function createJobRecordLoaders(events: EventHub) {
  return {
    records: new DataLoader<JobKey, JobRecord | undefined, string>(
      async (keys) =>
        (await events.jobs(keys)).map((job) => job && { state: job.state, stateChangedAt: job.stateChangedAt }),
      { cacheKeyFn },
    ),
    history: new DataLoader<JobKey, JobTransition[], string>((keys) => events.transitions(keys), { cacheKeyFn }),
  };
}
