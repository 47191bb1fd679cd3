/** Job snapshots and an in-memory provider account for unit tests of the store and the mirrors. */
import pino from 'pino';
import type { PollingConfig } from '../../src/config.js';
import { AccountRuntime } from '../../src/observation/accounts.js';
import { ProviderError } from '../../src/sdk/errors.js';
import {
  type AccountClient,
  type Adapter,
  type Capabilities,
  type DriveSnapshot,
  emptySnapshot,
  type JobRef,
  type JobSnapshot,
  type JobState,
  NOT_FOUND,
} from '../../src/sdk/model.js';

export function snapshot(nativeId: string, state: JobState | null, extra: Partial<JobSnapshot> = {}): JobSnapshot {
  return {
    ...emptySnapshot(nativeId, 'IMPORT'),
    state,
    providerState: state ?? 'Unknown',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

/** A drive as adapters map one: what tests need set, the rest null. */
export function drive(
  driveId: string,
  percentComplete: number | null,
  extra: Partial<DriveSnapshot> = {},
): DriveSnapshot {
  return {
    driveId,
    state: 'TRANSFERRING',
    providerState: 'Transferring',
    percentComplete,
    bytesSucceeded: null,
    copyStatus: null,
    manifestFile: null,
    manifestHash: null,
    manifestUri: null,
    verboseLogUri: null,
    errorLogUri: null,
    errorCount: null,
    ...extra,
  };
}

export interface FakeCall {
  operation: 'listJobs' | 'getJobs';
  ids?: readonly string[];
}

/**
 * A provider account held in memory: tests set its jobs, make calls fail, delay them, and count them. Honest
 * for the poller's own logic (what it calls, when, and what it makes of the answers); the wire protocols are
 * covered by the adapters' suites and the end-to-end tests.
 */
export class FakeAccount implements AccountClient {
  readonly jobs = new Map<string, JobSnapshot>();
  readonly calls: FakeCall[] = [];
  readonly capabilities: Capabilities;
  private failures: ProviderError[] = [];
  /** Called before answering: lets a test hold a call open. */
  gate: ((call: FakeCall) => Promise<void>) | undefined;
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    readonly name: string,
    opts: { listIncludesSnapshots?: boolean; pageSize?: number; listingOmits?: (keyof JobSnapshot)[] } = {},
  ) {
    this.capabilities = {
      listIncludesSnapshots: opts.listIncludesSnapshots ?? true,
      ...(opts.listingOmits ? { listingOmits: opts.listingOmits } : {}),
      create: false,
      dryRun: false,
      actions: {},
    };
    this.pageSize = opts.pageSize ?? 50;
  }

  private readonly pageSize: number;

  set(...snapshots: JobSnapshot[]): void {
    for (const s of snapshots) this.jobs.set(s.nativeId, s);
  }

  /** The next `count` calls fail with this error. */
  failNext(error: Partial<ConstructorParameters<typeof ProviderError>[0]> = {}, count = 1): void {
    for (let i = 0; i < count; i++) {
      this.failures.push(
        new ProviderError({
          account: this.name,
          provider: 'fake',
          code: 'PROVIDER_UNAVAILABLE',
          message: 'fake outage',
          retryable: true,
          ...error,
        }),
      );
    }
  }

  private async answer<T>(call: FakeCall, result: () => T): Promise<T> {
    this.calls.push(call);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.gate?.(call);
      const failure = this.failures.shift();
      if (failure) throw failure;
      return result();
    } finally {
      this.inFlight -= 1;
    }
  }

  listJobs(opts: { pageToken?: string | undefined }) {
    return this.answer({ operation: 'listJobs' }, () => {
      const all = [...this.jobs.values()];
      const start = Number(opts.pageToken ?? 0);
      const omitted = this.capabilities.listingOmits ?? [];
      const listed = (s: JobSnapshot): JobSnapshot => ({
        ...structuredClone(s),
        ...Object.fromEntries(omitted.map((field) => [field, emptySnapshot(s.nativeId, s.type)[field]])),
      });
      const items: JobRef[] = all.slice(start, start + this.pageSize).map((s) => ({
        nativeId: s.nativeId,
        createdAt: s.createdAt,
        type: s.type,
        ...(this.capabilities.listIncludesSnapshots ? { snapshot: listed(s) } : {}),
        ...(s.state === 'CANCELLED' ? { cancelled: true } : {}),
      }));
      const next = start + this.pageSize;
      return { items, nextPageToken: next < all.length ? String(next) : undefined };
    });
  }

  getJobs(nativeIds: readonly string[]) {
    return this.answer({ operation: 'getJobs', ids: nativeIds }, () =>
      nativeIds.map((id) => {
        const job = this.jobs.get(id);
        return job ? structuredClone(job) : NOT_FOUND;
      }),
    );
  }

  async dispose(): Promise<void> {}
}

export function fakeRuntime(client: FakeAccount, now: () => number = Date.now): AccountRuntime {
  const adapter = { kind: 'fake', displayName: 'Fake' } as unknown as Adapter;
  return new AccountRuntime(client.name, adapter, client, now);
}

export const silentLogger = () => pino({ level: 'silent' });

/** Polling config for unit tests: round numbers, no jitter, timers off unless a test turns them on. */
export function testPollingConfig(overrides: Partial<PollingConfig> = {}): PollingConfig {
  return {
    enabled: false,
    intervalMs: { active: 1_000, waiting: 10_000, terminal: 100_000 },
    jitter: 0,
    backoff: { initialMs: 1_000, maxMs: 16_000 },
    maxConcurrentCalls: 4,
    batchSize: 25,
    circuitBreaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 },
    ...overrides,
  };
}
