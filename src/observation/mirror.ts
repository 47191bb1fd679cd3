/**
 * One mirror per provider account: it owns the account's rows of the job index and the diff state behind
 * them. Everything the gateway learns from a provider goes through it — poll rounds, the answers of
 * mutations (read your own writes: committed before the mutation returns), read-throughs of jobs never seen,
 * and live reads for clients that ask for fresher data — and each observation is ONE atomic commit of index
 * rows, events and poll state. Reads never call providers themselves; they ask the mirror, which coalesces:
 * concurrent readers share one round, and one lookup per job id.
 *
 * A round lists the account's jobs, reads per job what the listing lacks (providers that list ids only: each
 * unfinished job every round, finished ones every `intervalMs.terminal`; providers whose listing omits details,
 * `Capabilities.listingOmits`: a job whenever its listing entry changed), diffs and commits. An observation
 * never overwrites a newer one (a round that started before a mutation's answer skips the jobs it covered).
 *
 * First-ever round of an account = baseline: the jobs that already exist are stored silently (no CREATED
 * event; they are not news, and a new gateway would otherwise flood subscribers). Jobs that appear after the
 * baseline are CREATED. A gateway that restarts on the same store is not at a baseline: what changed while it
 * was down is emitted once per job, marked afterGap.
 *
 * Several instances on a shared store (PostgreSQL): only the instance holding the account's lease runs rounds
 * (leases.ts); elsewhere a reader's request for a round goes to the holder (`requestRound` on the store) and
 * waits for the poll state to move. Each commit is decided inside the store's transaction against the rows as
 * they are then, since other instances write the same account too. The holder's round commits are fenced by its
 * lease token: a holder that lost its lease (it stalled past the expiry, and another instance took over) must
 * not write a round it may have started before the new holder's, nor move the poll state back. What a mutation,
 * a read-through or a delete got from the provider is recorded unfenced by whichever instance made the call:
 * it is a real observation at its time whoever polls the account, refusing it would lose the client's own write,
 * and the in-transaction diff with the newer-observation-wins rule keeps it from undoing anything newer. The
 * memory of each mirror follows what the other instances commit through the shared log (`applyLogged`).
 */
import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { PollingConfig, ReadsConfig } from '../config.js';
import { diffJob, removalEvent } from '../events/diff.js';
import type { EventHub } from '../events/hub.js';
import type { JobEventRecord, NewJobEvent, StoredJob } from '../events/types.js';
import { ErrorCode, ProviderError } from '../sdk/errors.js';
import { type JobRef, type JobSnapshot, NOT_FOUND, type NotFound } from '../sdk/model.js';
import {
  type AccountPollState,
  emptyPollState,
  type GatewayStore,
  LeaseLostError,
  type RoundFailure,
} from '../store/types.js';
import type { Telemetry } from '../telemetry/index.js';
import type { AccountRuntime } from './accounts.js';
import { needsFetch } from './policy.js';
import type { CallGuard, RoundEnd, Scheduled } from './scheduler.js';

export interface MirrorDeps {
  account: AccountRuntime;
  store: GatewayStore;
  hub: EventHub;
  guard: CallGuard;
  polling: PollingConfig;
  reads: ReadsConfig;
  logger: Logger;
  now: () => number;
  /** Times and traces each round. */
  telemetry?: Telemetry | undefined;
}

export interface PollOutcome {
  /** Events this round committed, in log order. */
  events: JobEventRecord[];
  /** This round was the account's first complete observation (its jobs were stored without events). */
  baseline: boolean;
}

/** Guards a listing walk against a provider whose paging never ends. */
const MAX_LIST_PAGES = 10_000;
/** Jobs a round reads before it commits them (large accounts: bounded memory and write transactions). */
const COMMIT_EVERY = 1_000;
/** A round asked of another instance: how often its outcome is looked for, and for how long at most. */
const REMOTE_ROUND_POLL_MS = 100;
const REMOTE_ROUND_MAX_POLLS = 600;

interface Observed {
  snapshots: Map<string, JobSnapshot>;
  /** Listing digests of the jobs in `snapshots` (providers whose listing omits details). */
  hashes?: Map<string, string>;
  gone: Set<string>;
  /** Epoch ms of the observation (a round's start): the provider reported these jobs as of then. */
  observedAtMs: number;
  afterGap: boolean;
  /** Jobs the gateway has never seen are stored without a CREATED event (rounds until the baseline completes). */
  silentNew: boolean;
  /** Completes the account's baseline (a full, error-free first round). */
  completeBaseline: boolean;
  /** A complete round: recorded as the account's freshness. */
  round?: { startedMs: number };
  /** Jobs whose listing entry is unchanged: reported again as they were. */
  unchanged?: string[];
  /** The lease token of the round's poller (shared stores refuse the commit once another took the lease). */
  fence?: number | undefined;
}

/** A digest of a snapshot: equal digests mean nothing about the job changed (snapshots are plain JSON). */
const digest = (snapshot: JobSnapshot) => createHash('sha1').update(JSON.stringify(snapshot)).digest('base64url');

/**
 * What the mirror keeps of each job between observations: enough to decide what changed and what to read,
 * not the snapshot itself (the index row has it, and is read back only for the jobs that changed). That keeps
 * the gateway's memory small however many jobs it indexes.
 */
interface MirrorEntry {
  state: StoredJob['state'];
  observedAtMs: number;
  listingHash: string | null;
  snapshotHash: string;
}

const entryOf = (job: StoredJob): MirrorEntry => ({
  state: job.state,
  observedAtMs: job.observedAtMs,
  listingHash: job.listingHash,
  snapshotHash: digest(job.snapshot),
});

interface Committed {
  events: JobEventRecord[];
  /** The index rows this commit wrote, by native id. */
  rows: Map<string, StoredJob>;
}

/** The public failure of a round or a read, from whatever it threw (provider errors keep their code). */
function failureOf(error: unknown, now: number): RoundFailure {
  if (error instanceof ProviderError) {
    return {
      atMs: now,
      code: error.code,
      message: error.message,
      retryAfterSeconds: error.retryAfterSeconds,
      providerCode: error.providerCode,
      status: error.status,
    };
  }
  return { atMs: now, code: ErrorCode.INTERNAL, message: 'internal error' };
}

interface RoundRun {
  startedAtMs: number;
  promise: Promise<PollOutcome>;
}

export class AccountMirror implements Scheduled {
  private readonly jobs = new Map<string, MirrorEntry>();
  private poll: AccountPollState = emptyPollState();
  /** The next changes were not watched continuously (restart, failed rounds). */
  private gap = false;
  private loaded: Promise<void> | undefined;
  private current: RoundRun | undefined;
  private queued: Promise<PollOutcome> | undefined;
  /** A round asked of the instance holding the lease, while it is awaited. */
  private remote: Promise<PollOutcome> | undefined;
  /** This instance's lease token on the account; a single-instance store's mirror always polls. */
  private lease: number | undefined;
  private commits: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly abort = new AbortController();
  /** Ids the provider said it does not know, for a short while. */
  private readonly unknown: LRUCache<string, true>;
  /** Per-job reads, batched per tick and shared by everyone asking for the same id meanwhile. */
  private readonly lookups: DataLoader<string, JobSnapshot | NotFound>;
  onRoundEnd: ((outcome: RoundEnd) => void) | undefined;

  constructor(private readonly deps: MirrorDeps) {
    this.unknown = new LRUCache({ max: deps.reads.notFoundCacheSize, ttl: Math.max(1, deps.reads.notFoundTtlMs) });
    this.lookups = new DataLoader(
      (ids) =>
        this.deps.guard.run(
          () => this.deps.account.client.getJobs(ids, { signal: this.abort.signal }),
          this.abort.signal,
        ),
      { maxBatchSize: deps.polling.batchSize },
    );
  }

  get accountName(): string {
    return this.deps.account.name;
  }

  get account(): AccountRuntime {
    return this.deps.account;
  }

  get circuit() {
    return this.deps.guard.circuit;
  }

  /** Whether this instance polls the account (always, unless several instances share the store). */
  get holdsLease(): boolean {
    return !this.deps.store.shared || this.lease !== undefined;
  }

  /** This instance polls the account from now on, with this fencing token; what it knows is read anew. */
  takeLease(token: number): void {
    this.lease = token;
    if (this.deps.store.shared) this.loaded = undefined;
  }

  /** Another instance polls the account now. */
  dropLease(): void {
    this.lease = undefined;
  }

  /**
   * Events another instance committed for this account, read from the shared log: the memory follows them, so
   * the next round diffs against them (a commit is decided against the index rows anyway: this keeps rounds
   * from re-reading jobs needlessly, and lets the holder notice removals of jobs it never saw).
   */
  applyLogged(event: JobEventRecord): void {
    if (!this.loaded) return; // the next load reads the store
    const atMs = Date.parse(event.at);
    const known = this.jobs.get(event.nativeId);
    if (known && known.observedAtMs >= atMs) return; // this mirror's own commit, or older than what it knows
    if (event.kind === 'REMOVED') this.jobs.delete(event.nativeId);
    else {
      this.jobs.set(event.nativeId, {
        state: event.state,
        observedAtMs: atMs,
        listingHash: known?.listingHash ?? null,
        snapshotHash: digest(event.snapshot),
      });
    }
  }

  /** The account's poll state as of now (what freshness and health report), wherever its poller runs. */
  async pollState(): Promise<AccountPollState> {
    if (!this.holdsLease) return this.deps.store.loadPollState(this.accountName);
    await this.load();
    return { ...this.poll };
  }

  /** Whether a round is running right now. */
  get roundRunning(): boolean {
    return this.current !== undefined;
  }

  *states() {
    for (const job of this.jobs.values()) yield job.state;
  }

  /**
   * A round that starts at or after `notBeforeMs` (an in-flight round that started early enough is joined);
   * without it, always a round that starts after this call. At most one runs and one waits per account, so
   * however many readers ask, provider calls do not grow with them.
   */
  requestRound(opts: { notBeforeMs?: number } = {}): Promise<PollOutcome> {
    if (!this.holdsLease) return this.remoteRound();
    if (this.current && opts.notBeforeMs !== undefined && this.current.startedAtMs >= opts.notBeforeMs) {
      return this.current.promise;
    }
    if (this.queued) return this.queued;
    if (!this.current) return this.startRound();
    const after = this.current.promise.catch(() => undefined);
    this.queued = after.then(() => {
      this.queued = undefined;
      return this.startRound();
    });
    return this.queued;
  }

  /**
   * Makes the account's rows as fresh as a reader needs before it reads them, within `waitMs`: an account never
   * observed gets its first round (unless one failed already: then the reader answers at once, with an error);
   * with `maxAgeMs`, rows older than that get a live round. Never throws: staleness is reported by the caller.
   */
  async ensureFresh(opts: { maxAgeMs?: number | undefined; waitMs: number }): Promise<void> {
    const poll = await this.pollState();
    const now = this.deps.now();
    let notBeforeMs: number | undefined;
    if (opts.maxAgeMs !== undefined) {
      const known = poll.lastRoundStartedMs;
      if (known === null || known < now - opts.maxAgeMs) notBeforeMs = now - opts.maxAgeMs;
    } else if (poll.lastCompleteRoundMs === null && poll.failedRounds === 0) {
      notBeforeMs = Number.NEGATIVE_INFINITY;
    }
    // An open circuit means the provider is not asked until its probe is due: the reader answers at once.
    if (notBeforeMs === undefined || this.circuit === 'OPEN') return;
    await settleWithin(this.requestRound({ notBeforeMs }), opts.waitMs);
  }

  /**
   * Jobs by native id from the provider, committed to the index, for reads that found no row (a job never
   * seen) or one older than they accept. An id the provider recently said it does not know is NOT_FOUND
   * without asking again (`reads.notFoundTtlMs`), unless `force` (mutations judge the job as it is now).
   */
  async readThrough(nativeIds: readonly string[], opts: { force?: boolean } = {}): Promise<(StoredJob | NotFound)[]> {
    await this.load();
    const poll = await this.pollState();
    const wanted = [...new Set(nativeIds)].filter((id) => opts.force || !this.unknown.has(id));
    const fetched = await Promise.all(
      wanted.map((id) => {
        const lookup = this.lookups.load(id);
        lookup.then(
          () => this.lookups.clear(id),
          () => this.lookups.clear(id),
        );
        return lookup;
      }),
    );
    const snapshots = new Map<string, JobSnapshot>();
    const gone = new Set<string>();
    wanted.forEach((id, i) => {
      const result = fetched[i];
      if (result === undefined || result === NOT_FOUND) {
        this.unknown.set(id, true);
        gone.add(id);
      } else snapshots.set(id, result);
    });
    const { rows } = await this.commitObserved({
      snapshots,
      gone,
      observedAtMs: this.deps.now(),
      afterGap: this.gap,
      silentNew: !poll.baselined,
      completeBaseline: false,
    });
    // Jobs this commit did not rewrite (unchanged, or a newer observation won) are read from the index.
    const unwritten = nativeIds.filter((id) => !rows.has(id) && this.jobs.has(id));
    const stored = await this.deps.store.getJobs(
      unwritten.map((nativeId) => ({ account: this.accountName, nativeId })),
    );
    unwritten.forEach((id, i) => {
      const row = stored[i];
      if (row) rows.set(id, row);
    });
    return nativeIds.map((id) => (this.jobs.has(id) && rows.get(id)) || NOT_FOUND);
  }

  /**
   * Records a snapshot the gateway just got from the provider outside a round (a create, update or cancel
   * answer): diffed, committed and published at once, so reads, subscribers and Job.history see it before the
   * mutation returns. Resolves with the events and the job's index row.
   */
  async observe(snapshot: JobSnapshot): Promise<{ events: JobEventRecord[]; job: StoredJob }> {
    await this.load();
    const { events, rows } = await this.commitObserved({
      snapshots: new Map([[snapshot.nativeId, snapshot]]),
      gone: new Set(),
      observedAtMs: this.deps.now(),
      afterGap: this.gap,
      silentNew: false,
      completeBaseline: false,
    });
    const job =
      rows.get(snapshot.nativeId) ??
      (await this.deps.store.getJobs([{ account: this.accountName, nativeId: snapshot.nativeId }]))[0];
    if (!job) throw new Error('observed job missing from the index');
    return { events, job };
  }

  /** Records that a job no longer exists (a delete the gateway made). */
  async observeRemoved(nativeId: string): Promise<JobEventRecord[]> {
    await this.load();
    this.unknown.set(nativeId, true);
    return this.commitEvents({
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
    this.abort.abort();
    await this.current?.promise.catch(() => undefined);
    await this.queued?.catch(() => undefined);
    await this.commits;
  }

  private load(): Promise<void> {
    this.loaded ??= this.deps.store.loadAccount(this.accountName).then((state) => {
      this.poll = state.poll;
      this.jobs.clear();
      for (const job of state.jobs) this.jobs.set(job.nativeId, entryOf(job));
      // What stored jobs went through while no gateway watched is only seen now.
      this.gap = state.poll.baselined;
    });
    // A failed load is retried by the next caller.
    this.loaded.catch(() => {
      this.loaded = undefined;
    });
    return this.loaded;
  }

  /**
   * A round run by the instance holding the account's lease: asked for through the store, awaited until the
   * account's poll state shows a round (or a failed one) newer than before the request. Its events reach this
   * instance through the shared log like any other instance's.
   */
  private remoteRound(): Promise<PollOutcome> {
    this.remote ??= (async () => {
      const { store } = this.deps;
      const before = await store.loadPollState(this.accountName);
      await store.requestRound(this.accountName);
      for (let i = 0; i < REMOTE_ROUND_MAX_POLLS && !this.disposed && this.lease === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, REMOTE_ROUND_POLL_MS).unref());
        const now = await store.loadPollState(this.accountName);
        if (
          now.lastRoundStartedMs !== before.lastRoundStartedMs ||
          now.failedRounds > before.failedRounds ||
          now.lastFailure?.atMs !== before.lastFailure?.atMs
        ) {
          break;
        }
      }
      return { events: [], baseline: false };
    })().finally(() => {
      this.remote = undefined;
    });
    return this.remote;
  }

  private startRound(): Promise<PollOutcome> {
    const run: RoundRun = { startedAtMs: this.deps.now(), promise: Promise.resolve({ events: [], baseline: false }) };
    run.promise = this.round(run.startedAtMs).finally(() => {
      if (this.current === run) this.current = undefined;
    });
    this.current = run;
    return run.promise;
  }

  private async round(startedAtMs: number): Promise<PollOutcome> {
    if (this.disposed) return { events: [], baseline: false };
    try {
      const { telemetry } = this.deps;
      const observe = () => this.observeAccount(startedAtMs);
      const outcome = await (telemetry ? telemetry.pollRound(this.deps.account, observe) : observe());
      this.onRoundEnd?.({ ok: true });
      return outcome;
    } catch (error) {
      if (this.disposed) return { events: [], baseline: false };
      if (error instanceof LeaseLostError) {
        // Another instance polls the account now; the lease keeper stops this one's timer.
        this.lease = undefined;
        this.deps.logger.info({ account: this.accountName }, 'round dropped: another instance took the account');
        throw error;
      }
      this.gap = true;
      const failure = failureOf(error, this.deps.now());
      this.poll = { ...this.poll, failedRounds: this.poll.failedRounds + 1, lastFailure: failure };
      await this.deps.store.recordRoundFailure(this.accountName, failure, this.lease).catch((storeError: unknown) => {
        if (storeError instanceof LeaseLostError) return; // the new holder's rounds count now
        this.deps.logger.error({ err: storeError, account: this.accountName }, 'could not record a failed round');
      });
      // ProviderError messages are built from codes and ids; anything else is a gateway bug and needs its stack.
      const cause =
        error instanceof ProviderError ? { code: error.code, reason: error.message } : { code: 'INTERNAL', err: error };
      this.deps.logger.warn(
        { account: this.accountName, ...cause, failures: this.poll.failedRounds },
        'poll round failed',
      );
      this.onRoundEnd?.({
        ok: false,
        failedRounds: this.poll.failedRounds,
        retryAfterSeconds: failure.retryAfterSeconds,
      });
      throw error;
    }
  }

  private call<T>(work: () => Promise<T>): Promise<T> {
    return this.deps.guard.run(work, this.abort.signal);
  }

  /** One round: list, read what the listing lacks, commit. Throws the first provider failure. */
  private async observeAccount(startedAtMs: number): Promise<PollOutcome> {
    await this.load();
    const { account, polling } = this.deps;
    const client = account.client;
    const signal = this.abort.signal;
    const afterGap = this.gap;
    const baseline = !this.poll.baselined;
    const fence = this.lease;
    const omits = (client.capabilities.listingOmits?.length ?? 0) > 0;

    let refs: JobRef[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const result = await this.call(() => client.listJobs({ pageToken, signal }));
      refs.push(...result.items);
      pageToken = result.nextPageToken;
      if (!pageToken) break;
    }

    const snapshots = new Map<string, JobSnapshot>();
    const hashes = new Map<string, string>();
    const unchanged: string[] = [];
    const gone = new Set<string>();
    const listed = new Set(refs.map((r) => r.nativeId));
    for (const nativeId of this.jobs.keys()) if (!listed.has(nativeId)) gone.add(nativeId);
    const toFetch: string[] = [];
    for (const ref of refs) {
      const known = this.jobs.get(ref.nativeId);
      if (ref.snapshot && omits) {
        // The entry lacks details: read the job only when the entry changed (or the job is new).
        const hash = digest(ref.snapshot);
        hashes.set(ref.nativeId, hash);
        if (known && known.listingHash === hash) unchanged.push(ref.nativeId);
        else toFetch.push(ref.nativeId);
      } else if (ref.snapshot) {
        if (known && known.snapshotHash === digest(ref.snapshot)) unchanged.push(ref.nativeId);
        else snapshots.set(ref.nativeId, ref.snapshot);
      } else {
        const checked = known && { state: known.state, checkedAtMs: known.observedAtMs };
        if (needsFetch(polling, checked, ref.cancelled === true, startedAtMs)) toFetch.push(ref.nativeId);
      }
    }

    // The listing's snapshots are no longer needed: let them go before the reads (large accounts' peak memory).
    const listedCount = refs.length;
    refs = [];

    // Batches of one account go one after another: within a batch the adapter bounds its own concurrency
    // (AWS `statusConcurrency`), and that bound must hold for the account as a whole.
    // A large round commits what it read every COMMIT_EVERY jobs, so its memory and its write transactions stay
    // small; each commit holds the rows and events of the jobs it covers.
    let failure: unknown;
    const committed: JobEventRecord[] = [];
    /** Commits the jobs read so far in chunks of COMMIT_EVERY (the rest goes with the round's last commit). */
    const commitRead = async () => {
      while (snapshots.size >= COMMIT_EVERY) await commitChunk();
    };
    const commitChunk = async () => {
      const chunk = new Map<string, JobSnapshot>();
      for (const [nativeId, snapshot] of snapshots) {
        if (chunk.size === COMMIT_EVERY) break;
        chunk.set(nativeId, snapshot);
      }
      for (const nativeId of chunk.keys()) snapshots.delete(nativeId);
      committed.push(
        ...(await this.commitEvents({
          snapshots: chunk,
          hashes,
          gone: new Set(),
          observedAtMs: startedAtMs,
          afterGap,
          silentNew: baseline,
          completeBaseline: false,
          fence,
        })),
      );
    };
    await commitRead(); // what the listing itself carried
    for (let i = 0; i < toFetch.length && failure === undefined; i += polling.batchSize) {
      const batch = toFetch.slice(i, i + polling.batchSize);
      try {
        const results = await this.call(() => client.getJobs(batch, { signal }));
        batch.forEach((nativeId, index) => {
          const result = results[index];
          if (result === NOT_FOUND || result === undefined) gone.add(nativeId);
          else snapshots.set(nativeId, result);
        });
      } catch (error) {
        failure = error;
      }
      await commitRead();
    }

    // What was read is a valid observation even when another batch failed; a round completes only whole.
    const complete = failure === undefined;
    const last = await this.commitEvents({
      snapshots,
      hashes,
      unchanged,
      gone,
      observedAtMs: startedAtMs,
      afterGap,
      silentNew: baseline,
      completeBaseline: baseline && complete,
      fence,
      ...(complete ? { round: { startedMs: startedAtMs } } : {}),
    });
    const events = [...committed, ...last];
    if (failure !== undefined) throw failure;
    this.gap = false;
    this.deps.logger.debug(
      { account: account.name, listed: listedCount, fetched: toFetch.length, events: events.length, baseline },
      'poll round done',
    );
    return { events, baseline };
  }

  private async commitEvents(observed: Observed): Promise<JobEventRecord[]> {
    return (await this.commitObserved(observed)).events;
  }

  /** Diffs observations against the mirror and commits the changes; one commit at a time per account. */
  private commitObserved(observed: Observed): Promise<Committed> {
    const result = this.commits.then(() => this.commitNow(observed));
    this.commits = result.catch(() => undefined);
    return result;
  }

  private async commitNow(observed: Observed): Promise<Committed> {
    const { account, store } = this.deps;
    const staged = new Map<string, MirrorEntry>();
    const seen: string[] = [];
    // Only jobs whose snapshot (or listing entry) changed are diffed, against their rows as the commit finds them.
    const changed: JobSnapshot[] = [];
    for (const snapshot of observed.snapshots.values()) {
      const known = this.jobs.get(snapshot.nativeId);
      // A newer observation (a mutation's answer) already covers this job.
      if (known && known.observedAtMs > observed.observedAtMs) continue;
      const hash = observed.hashes?.get(snapshot.nativeId) ?? known?.listingHash ?? null;
      if (known && known.snapshotHash === digest(snapshot) && known.listingHash === hash) {
        staged.set(snapshot.nativeId, { ...known, observedAtMs: observed.observedAtMs });
        seen.push(snapshot.nativeId);
      } else changed.push(snapshot);
    }
    for (const nativeId of observed.unchanged ?? []) {
      const known = this.jobs.get(nativeId);
      if (!known || known.observedAtMs > observed.observedAtMs) continue;
      staged.set(nativeId, { ...known, observedAtMs: observed.observedAtMs });
      seen.push(nativeId);
    }
    const goneKnown = [...observed.gone].filter((id) => {
      const known = this.jobs.get(id);
      return known !== undefined && known.observedAtMs <= observed.observedAtMs;
    });
    const completedMs = this.deps.now();
    const round = observed.round && { startedMs: observed.round.startedMs, completedMs };
    if (!changed.length && !goneKnown.length && !seen.length && !observed.completeBaseline && !round) {
      return { events: [], rows: new Map() };
    }
    // Alone on its store, the mirror knows every row of its account; sharing it, another instance may have
    // indexed a job this one never saw, so every changed job's row is read.
    const read = [
      ...changed.filter((s) => store.shared || this.jobs.has(s.nativeId)).map((s) => s.nativeId),
      ...goneKnown,
    ];
    const rows = new Map<string, StoredJob>();
    const removed: string[] = [];
    const records = await this.deps.hub.commit({
      account: account.name,
      ...(observed.fence !== undefined ? { fence: observed.fence } : {}),
      read,
      build: (current) => {
        const events: NewJobEvent[] = [];
        const upserts: StoredJob[] = [];
        const removals: string[] = [];
        for (const snapshot of changed) {
          const previous = current.get(snapshot.nativeId);
          if (previous && previous.observedAtMs > observed.observedAtMs) {
            // Another instance recorded a newer observation meanwhile: it stands, and this mirror learns it.
            staged.set(previous.nativeId, entryOf(previous));
            rows.set(previous.nativeId, previous);
            continue;
          }
          const hash = observed.hashes?.get(snapshot.nativeId);
          const { event, stored } = diffJob(previous, {
            account: account.name,
            provider: account.kind,
            snapshot,
            observedAtMs: observed.observedAtMs,
            afterGap: observed.afterGap,
            ...(hash !== undefined ? { listingHash: hash } : {}),
          });
          staged.set(stored.nativeId, entryOf(stored));
          rows.set(stored.nativeId, stored);
          if (event && !(observed.silentNew && !previous)) events.push(event);
          upserts.push(stored);
        }
        for (const nativeId of goneKnown) {
          const previous = current.get(nativeId);
          if (!previous)
            removed.push(nativeId); // another instance recorded its removal already
          else if (previous.observedAtMs > observed.observedAtMs) staged.set(nativeId, entryOf(previous));
          else {
            events.push(removalEvent(previous, account.kind, observed.observedAtMs, observed.afterGap));
            removals.push(nativeId);
          }
        }
        removed.push(...removals);
        return {
          account: account.name,
          events,
          upserts,
          removals,
          ...(seen.length ? { seen: { nativeIds: seen, observedAtMs: observed.observedAtMs } } : {}),
          ...(observed.completeBaseline ? { baseline: true } : {}),
          ...(round ? { round } : {}),
        };
      },
    });
    // The mirror follows the index only once the commit succeeded.
    for (const [nativeId, entry] of staged) {
      this.jobs.set(nativeId, entry);
      this.unknown.delete(nativeId);
    }
    for (const nativeId of removed) this.jobs.delete(nativeId);
    if (observed.completeBaseline) this.poll = { ...this.poll, baselined: true };
    if (round) {
      this.poll = {
        ...this.poll,
        lastRoundStartedMs: round.startedMs,
        lastCompleteRoundMs: round.completedMs,
        failedRounds: 0,
      };
    }
    return { events: records, rows };
  }
}

export type Settled<T> = { status: 'ok'; value: T } | { status: 'failed'; error: unknown } | { status: 'timeout' };

/** The outcome of `work` if it settles within `ms`; the work itself goes on either way (others may share it). */
export async function settleWithin<T>(work: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race<Settled<T>>([
    work.then(
      (value) => ({ status: 'ok', value }),
      (error: unknown) => ({ status: 'failed', error }),
    ),
    new Promise<Settled<T>>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'timeout' }), ms);
    }),
  ]);
  clearTimeout(timer);
  return result;
}
