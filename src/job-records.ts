/**
 * What the gateway remembers of each job between provider calls: the last normalized state it saw, when
 * that state began, and the transitions it observed. The poller writes these; queries only read them.
 */
import type Keyv from 'keyv';
import type { JobState } from './adapter.js';
import type { Store } from './store/index.js';

export interface JobTransition {
  from: JobState | null;
  to: JobState | null;
  providerState: string;
  at: string;
  afterGap: boolean;
}

export interface JobRecord {
  state: JobState | null;
  providerState: string;
  stateChangedAt: string;
  history: JobTransition[];
}

/** Transitions kept per job; older ones are dropped first. */
export const MAX_HISTORY = 100;

export class JobRecords {
  private readonly kv: Keyv<JobRecord>;

  constructor(store: Store) {
    this.kv = store.kv<JobRecord>('job-records');
  }

  private key(account: string, nativeId: string) {
    return `${account}\n${nativeId}`;
  }

  get(account: string, nativeId: string): Promise<JobRecord | undefined> {
    return this.kv.get(this.key(account, nativeId));
  }

  getMany(keys: readonly { account: string; nativeId: string }[]): Promise<(JobRecord | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.kv.getMany(keys.map((k) => this.key(k.account, k.nativeId)));
  }

  async set(account: string, nativeId: string, record: JobRecord): Promise<void> {
    await this.kv.set(this.key(account, nativeId), { ...record, history: record.history.slice(-MAX_HISTORY) });
  }
}
