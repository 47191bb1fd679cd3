/**
 * One poller per provider account. A round lists the account's jobs, fetches the snapshots the listing
 * lacks, diffs them against what the gateway stored and commits the real changes as events; the same path
 * records what mutations observed (`observe`). Rounds and observations of one account commit one at a time,
 * and an observation never overwrites a newer one (a round that started before a mutation's answer skips
 * the jobs that answer covered).
 *
 * First-ever round of an account = baseline: the jobs that already exist are stored silently (no CREATED
 * event; they are not news, and a new gateway would otherwise flood subscribers). Jobs that appear after the
 * baseline are CREATED. A gateway that restarts on the same store is not at a baseline: what changed while it
 * was down is emitted once per job, marked afterGap.
 */
import type { LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { PollingConfig } from '../config.js';
import { diffJob, removalEvent } from '../events/diff.js';
import type { EventHub } from '../events/hub.js';
import type { JobEventRecord, NewJobEvent, StoredJob } from '../events/types.js';
import { listEveryJob } from '../graphql/jobs.js';
import { ProviderError } from '../sdk/errors.js';
import { type JobSnapshot, NOT_FOUND } from '../sdk/model.js';
import type { AccountRuntime } from './accounts.js';
import { backoffDelay, needsFetch, roundInterval, withJitter } from './policy.js';
import type { SnapshotCache } from './snapshot-cache.js';

export interface PollerDeps {
  account: AccountRuntime;
  hub: EventHub;
  cache: SnapshotCache;
  config: PollingConfig;
  /** Shared by every account's poller: caps concurrent provider calls. */
  limit: LimitFunction;
  logger: Logger;
  now: () => number;
  random: () => number;
}

export interface PollOutcome {
  /** Events this round committed, in log order. */
  events: JobEventRecord[];
  /** This round was the account's first complete observation (its jobs were stored without events). */
  baseline: boolean;
}

interface Observed {
  snapshots: Map<string, JobSnapshot>;
  gone: Set<string>;
  observedAtMs: number;
  afterGap: boolean;
  /** Jobs the gateway has never seen are stored without a CREATED event (rounds until the baseline completes). */
  silentNew: boolean;
  /** Completes the account's baseline (a full, error-free first round). */
  completeBaseline: boolean;
}

export class AccountPoller {
  private readonly jobs = new Map<string, StoredJob>();
  /** When each job was last fetched from the provider (not persisted: a restart re-reads what is due). */
  private readonly checkedAtMs = new Map<string, number>();
  private baselined = false;
  /** The next changes were not watched continuously (restart, failed rounds). */
  private gap = false;
  private failures = 0;
  private loaded: Promise<void> | undefined;
  private rounds: Promise<unknown> = Promise.resolve();
  private commits: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly abort = new AbortController();

  constructor(private readonly deps: PollerDeps) {}

  get accountName(): string {
    return this.deps.account.name;
  }

  /** Starts the timer: the first round now, the next ones as the policy says. */
  start(): void {
    if (this.deps.config.enabled) this.schedule(0);
  }

  /** Runs a round as soon as the one in flight (if any) is done; resolves with what it committed. */
  pollNow(): Promise<PollOutcome> {
    const round = this.rounds.catch(() => undefined).then(() => this.round());
    this.rounds = round.catch(() => undefined);
    return round;
  }

  /**
   * Records a snapshot the gateway just got from the provider outside a round (a create, update or cancel
   * answer): diffed, logged and published at once, so subscribers and Job.history see the change immediately.
   */
  async observe(snapshot: JobSnapshot): Promise<JobEventRecord[]> {
    await this.load();
    const observedAtMs = this.deps.now();
    await this.deps.cache.set(this.accountName, snapshot, this.deps.account.client.capabilities.cacheTtlMs);
    return this.commitObserved({
      snapshots: new Map([[snapshot.nativeId, snapshot]]),
      gone: new Set(),
      observedAtMs,
      afterGap: this.gap,
      silentNew: false,
      completeBaseline: false,
    });
  }

  /** Records that a job no longer exists (a delete the gateway made). */
  async observeRemoved(nativeId: string): Promise<JobEventRecord[]> {
    await this.load();
    await this.deps.cache.delete(this.accountName, nativeId);
    return this.commitObserved({
      snapshots: new Map(),
      gone: new Set([nativeId]),
      observedAtMs: this.deps.now(),
      afterGap: this.gap,
      silentNew: false,
      completeBaseline: false,
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.rounds;
    await this.commits;
  }

  private load(): Promise<void> {
    this.loaded ??= this.deps.hub.loadAccount(this.accountName).then((state) => {
      this.baselined = state.baselined;
      for (const job of state.jobs) {
        this.jobs.set(job.nativeId, job);
        this.checkedAtMs.set(job.nativeId, job.observedAtMs);
      }
      // What stored jobs went through while no gateway watched is only seen now.
      this.gap = state.baselined;
    });
    return this.loaded;
  }

  private schedule(delayMs: number): void {
    if (this.disposed || !this.deps.config.enabled) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.pollNow().catch(() => undefined); // logged in round()
    }, delayMs);
    this.timer.unref();
  }

  private async round(): Promise<PollOutcome> {
    if (this.disposed) return { events: [], baseline: false };
    clearTimeout(this.timer);
    try {
      const outcome = await this.observeAccount();
      this.failures = 0;
      const delay = withJitter(
        roundInterval(
          this.deps.config,
          [...this.jobs.values()].map((j) => j.state),
        ),
        this.deps.config.jitter,
        this.deps.random,
      );
      this.schedule(delay);
      return outcome;
    } catch (error) {
      if (this.disposed) return { events: [], baseline: false };
      this.failures += 1;
      this.gap = true;
      const retryAfter = error instanceof ProviderError ? error.retryAfterSeconds : undefined;
      const delay = backoffDelay(this.deps.config, this.failures, retryAfter, this.deps.random);
      // ProviderError messages are built from codes and ids; anything else is a gateway bug and needs its stack.
      const cause =
        error instanceof ProviderError ? { code: error.code, reason: error.message } : { code: 'INTERNAL', err: error };
      this.deps.logger.warn(
        { account: this.accountName, ...cause, failures: this.failures, retryInMs: delay },
        'poll round failed',
      );
      this.schedule(delay);
      throw error;
    }
  }

  private call<T>(work: () => Promise<T>): Promise<T> {
    return this.deps.limit(() => this.deps.account.track(work()));
  }

  /** One round: list, fetch what the listing lacks, commit. Throws the first provider failure. */
  private async observeAccount(): Promise<PollOutcome> {
    await this.load();
    const { account, config } = this.deps;
    const client = account.client;
    const signal = this.abort.signal;
    const startedAtMs = this.deps.now();
    const afterGap = this.gap;
    const baseline = !this.baselined;

    const refs = await listEveryJob(client, signal, (page) => this.call(page));

    const snapshots = new Map<string, JobSnapshot>();
    const gone = new Set<string>();
    const listed = new Set(refs.map((r) => r.nativeId));
    for (const nativeId of this.jobs.keys()) if (!listed.has(nativeId)) gone.add(nativeId);
    const toFetch: string[] = [];
    for (const ref of refs) {
      if (ref.snapshot) {
        snapshots.set(ref.nativeId, ref.snapshot);
        continue;
      }
      const known = this.jobs.get(ref.nativeId);
      const checked = known && { state: known.state, checkedAtMs: this.checkedAtMs.get(ref.nativeId) ?? 0 };
      if (needsFetch(config, checked, ref.cancelled === true, startedAtMs)) toFetch.push(ref.nativeId);
    }

    let failure: unknown;
    const batches: string[][] = [];
    for (let i = 0; i < toFetch.length; i += config.batchSize) batches.push(toFetch.slice(i, i + config.batchSize));
    await Promise.all(
      batches.map(async (batch) => {
        try {
          const results = await this.call(() => client.getJobs(batch, { signal }));
          batch.forEach((nativeId, i) => {
            const result = results[i];
            if (result === NOT_FOUND || result === undefined) gone.add(nativeId);
            else snapshots.set(nativeId, result);
          });
        } catch (error) {
          failure ??= error;
        }
      }),
    );

    // What was fetched is a valid observation even when another batch failed; baseline completes only whole.
    const events = await this.commitObserved({
      snapshots,
      gone,
      observedAtMs: startedAtMs,
      afterGap,
      silentNew: baseline,
      completeBaseline: baseline && failure === undefined,
    });
    const ttl = client.capabilities.cacheTtlMs;
    await Promise.all([...snapshots.values()].map((s) => this.deps.cache.set(account.name, s, ttl)));
    if (failure !== undefined) throw failure;
    this.gap = false;
    account.health.lastPollAt = new Date(startedAtMs).toISOString();
    this.deps.logger.debug(
      { account: account.name, listed: refs.length, fetched: toFetch.length, events: events.length, baseline },
      'poll round done',
    );
    return { events, baseline };
  }

  /** Diffs observations against the stored jobs and commits the changes; one commit at a time per account. */
  private commitObserved(observed: Observed): Promise<JobEventRecord[]> {
    const result = this.commits.then(() => this.commitNow(observed));
    this.commits = result.catch(() => undefined);
    return result;
  }

  private async commitNow(observed: Observed): Promise<JobEventRecord[]> {
    const { account } = this.deps;
    const events: NewJobEvent[] = [];
    const upserts: StoredJob[] = [];
    const staged: StoredJob[] = [];
    const removals: string[] = [];
    for (const snapshot of observed.snapshots.values()) {
      const previous = this.jobs.get(snapshot.nativeId);
      // A newer observation (a mutation's answer) already covers this job.
      if (previous && previous.observedAtMs > observed.observedAtMs) continue;
      const { event, stored } = diffJob(previous, {
        account: account.name,
        provider: account.kind,
        snapshot,
        observedAtMs: observed.observedAtMs,
        afterGap: observed.afterGap,
      });
      staged.push(stored);
      if (!previous && observed.silentNew) upserts.push(stored);
      else if (event) {
        events.push(event);
        upserts.push(stored);
      }
    }
    for (const nativeId of observed.gone) {
      const previous = this.jobs.get(nativeId);
      if (!previous || previous.observedAtMs > observed.observedAtMs) continue;
      events.push(removalEvent(previous, account.kind, observed.observedAtMs, observed.afterGap));
      removals.push(nativeId);
    }
    const nothingToLog = events.length === 0 && upserts.length === 0 && removals.length === 0;
    const records =
      nothingToLog && !observed.completeBaseline
        ? []
        : await this.deps.hub.commit({
            account: account.name,
            events,
            upserts,
            removals,
            baseline: observed.completeBaseline,
          });
    // The mirror follows the log only once the commit succeeded.
    for (const stored of staged) {
      this.jobs.set(stored.nativeId, stored);
      this.checkedAtMs.set(stored.nativeId, observed.observedAtMs);
    }
    for (const nativeId of removals) {
      this.jobs.delete(nativeId);
      this.checkedAtMs.delete(nativeId);
      await this.deps.cache.delete(account.name, nativeId);
    }
    if (observed.completeBaseline) this.baselined = true;
    return records;
  }
}
