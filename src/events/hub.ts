/**
 * The gateway's event hub: commits observations to the durable log, publishes them live, and serves
 * subscriptions that replay from a cursor and then follow live delivery with no gap and no duplicate.
 *
 * The seam between replay and live: a subscriber's live queue is registered *before* the log is read, so
 * every event committed after that moment is in the queue, and every event committed before it is in the
 * log. Events in both are recognised by sequence number (the queue skips what replay already delivered).
 * Commits are published in commit order (one chain), so sequence numbers arrive in increasing order.
 *
 * Retention runs here too, at start and then on a timer (every tenth of `retentionMs`, at most hourly): events
 * older than `retentionMs` are pruned, and rows whose time to live ended (idempotency keys) are purged.
 *
 * On a store shared by several gateway instances (PostgreSQL) live events do not come from this instance's
 * commits but from the log itself: the hub follows it — after its own commits, when the store says another
 * instance committed (a notification, only a hint), and every `catchUpIntervalMs` in case a hint was lost —
 * reading everything after the last seq it published and publishing it in log order. Every instance thus
 * delivers every committed event, in the one global order, exactly once; the seam argument holds unchanged,
 * since an event reaches a live queue only after it is readable in the log.
 */
import type { Logger } from 'pino';
import { ErrorCode, gatewayError } from '../sdk/errors.js';
import type { JobState } from '../sdk/model.js';
import type { GatewayStore, JobKey, ObservationCommit, PlannedCommit } from '../store/types.js';
import { InProcessBus, type LiveQueue } from './bus.js';
import { decodeEventCursor, encodeEventCursor, type JobEventKind, type JobEventRecord } from './types.js';

/** Each list restricts the events to those matching one of its values; null or absent = no restriction. */
export interface EventFilter {
  providers?: readonly string[] | null;
  accounts?: readonly string[] | null;
  jobs?: readonly JobKey[] | null;
  kinds?: readonly JobEventKind[] | null;
  /** Matches the state after the event. */
  states?: readonly JobState[] | null;
}

/** Ends a subscription whose consumer fell behind: resume with `after: cursor`. */
export interface SlowConsumerSignal {
  slowConsumer: true;
  cursor: string;
}

export type SubscriptionItem = JobEventRecord | SlowConsumerSignal;

export const isSlowConsumerSignal = (item: SubscriptionItem): item is SlowConsumerSignal => 'slowConsumer' in item;

export interface EventHubOptions {
  store: GatewayStore;
  logger: Logger;
  now?: () => number;
  /** Events older than this are pruned; cursors before the pruned part get CURSOR_EXPIRED. */
  retentionMs: number;
  /** Undelivered live events one subscriber may have queued before it is told it is too slow. */
  subscriberQueueLimit: number;
  /** Events read from the log per replay query. */
  replayPageSize?: number;
  /** Shared stores: the log is read this often even without a notification. */
  catchUpIntervalMs?: number;
  /** Told of the events this gateway committed, once they are logged (metrics; other instances count theirs). */
  onPublish?: (events: readonly JobEventRecord[]) => void;
}

/** How often retention is enforced, at most. */
const MAX_PRUNE_INTERVAL_MS = 3_600_000;
/** Guards replay against a log that grows faster than it can be read. */
const MAX_REPLAY_PAGES = 1_000_000;
const DEFAULT_CATCH_UP_MS = 2_000;

export function matchesFilter(filter: EventFilter, event: JobEventRecord): boolean {
  return (
    (!filter.providers || filter.providers.includes(event.provider)) &&
    (!filter.accounts || filter.accounts.includes(event.account)) &&
    (!filter.kinds || filter.kinds.includes(event.kind)) &&
    (!filter.states || (event.state !== null && filter.states.includes(event.state))) &&
    (!filter.jobs || filter.jobs.some((j) => j.account === event.account && j.nativeId === event.nativeId))
  );
}

/**
 * One subscriber's stream: replay pages from the log, then its live queue. Written as a plain iterator
 * rather than an async generator so that `return()` (the client unsubscribed or went away) takes effect at
 * once, even while the stream waits for the next live event — a generator would defer it to its next yield.
 */
class EventSubscription implements AsyncIterableIterator<SubscriptionItem> {
  /** Every event up to here has been delivered or did not match: the cursor to resume from. */
  private position: number;
  private page: JobEventRecord[] = [];
  private replaying = true;
  private replayPages = 0;
  private lastPageWasShort = false;
  private done = false;

  constructor(
    private readonly store: GatewayStore,
    private readonly filter: EventFilter,
    start: number,
    private readonly live: LiveQueue<JobEventRecord>,
    private readonly pageSize: number,
    private readonly cursorOf: (seq: number) => string,
  ) {
    this.position = start;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<SubscriptionItem, undefined>> {
    while (this.replaying && !this.done) {
      const event = this.page.shift();
      if (event) {
        this.position = event.seq;
        if (matchesFilter(this.filter, event)) return { done: false, value: event };
        continue;
      }
      if (this.replayPages > 0 && this.lastPageWasShort) {
        this.replaying = false;
        break;
      }
      const page = await this.store.readAfter(this.position, this.pageSize);
      this.replayPages += 1;
      this.lastPageWasShort = page.length < this.pageSize || this.replayPages >= MAX_REPLAY_PAGES;
      if (!this.done) this.page = page;
    }
    while (!this.done) {
      const next = await this.live.take();
      if (next.kind === 'end') break;
      if (next.kind === 'overflow') {
        this.finish();
        return { done: false, value: { slowConsumer: true, cursor: this.cursorOf(this.position) } };
      }
      if (next.item.seq <= this.position) continue; // replay already covered it
      this.position = next.item.seq;
      return { done: false, value: next.item };
    }
    this.finish();
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<SubscriptionItem, undefined>> {
    this.finish();
    return { done: true, value: undefined };
  }

  async throw(error: unknown): Promise<IteratorResult<SubscriptionItem, undefined>> {
    this.finish();
    throw error;
  }

  private finish(): void {
    this.done = true;
    this.page = [];
    this.live.close();
  }
}

export class EventHub {
  readonly ready: Promise<void>;
  private readonly bus = new InProcessBus<JobEventRecord>();
  private commits: Promise<unknown> = Promise.resolve();
  private pruneTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly now: () => number;
  private readonly pageSize: number;
  // Following a shared log (see the top of this file).
  private published = 0;
  private following: Promise<void> | undefined;
  private followAgain = false;
  private catchUpTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private readonly logListeners = new Set<(events: readonly JobEventRecord[]) => void>();

  constructor(private readonly opts: EventHubOptions) {
    this.now = opts.now ?? Date.now;
    this.pageSize = opts.replayPageSize ?? 500;
    this.ready = opts.store.open().then(async () => {
      await this.prune();
      this.schedulePrune();
      if (opts.store.shared && !this.disposed) {
        this.published = (await opts.store.bounds()).latest;
        this.unlisten = opts.store.listen({
          committed: (seq) => {
            if (seq === 0 || seq > this.published) this.follow();
          },
        });
        this.scheduleCatchUp();
      }
    });
    // A store that cannot open fails every call that awaits `ready`; keep the rejection from going unhandled.
    this.ready.catch((error: unknown) => opts.logger.error({ err: error }, 'event store failed to open'));
  }

  /** Live subscriptions right now. */
  get subscriberCount(): number {
    return this.bus.subscriberCount;
  }

  cursorOf(seq: number): string {
    return encodeEventCursor({ logId: this.opts.store.logId, seq });
  }

  /**
   * Applies an observation to the store atomically (events, index rows, poll state), then publishes its events
   * live. Commits are published in the order they were logged.
   */
  commit(change: ObservationCommit | PlannedCommit): Promise<JobEventRecord[]> {
    const result = this.commits.then(async () => {
      await this.ready;
      const records = await this.opts.store.commit(change);
      if (this.opts.store.shared) this.follow();
      else this.bus.publish(records);
      this.opts.onPublish?.(records);
      return records;
    });
    this.commits = result.catch(() => undefined);
    return result;
  }

  /**
   * Hears every event read from a shared log (every instance's commits, this one's too), before subscribers
   * get them; a single-instance store's events are never reported here (they are this instance's own).
   */
  onLogEvents(listener: (events: readonly JobEventRecord[]) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** Reads the shared log after the last published seq and publishes it; one reader at a time, run again on demand. */
  private follow(): void {
    if (this.disposed) return;
    if (this.following) {
      this.followAgain = true;
      return;
    }
    this.following = (async () => {
      do {
        this.followAgain = false;
        for (let pages = 0; pages < MAX_REPLAY_PAGES && !this.disposed; pages++) {
          const page = await this.opts.store.readAfter(this.published, this.pageSize);
          if (page.length === 0 || this.disposed) break;
          this.published = page.at(-1)!.seq;
          for (const listener of this.logListeners) listener(page);
          this.bus.publish(page);
          if (page.length < this.pageSize) break;
        }
      } while (this.followAgain && !this.disposed);
    })()
      .catch((error: unknown) => {
        // The catch-up timer tries again; nothing is skipped, `published` moved only past what was delivered.
        this.opts.logger.warn({ err: error }, 'reading the shared event log failed');
      })
      .finally(() => {
        this.following = undefined;
      });
  }

  private scheduleCatchUp(): void {
    if (this.disposed) return;
    this.catchUpTimer = setTimeout(() => {
      this.follow();
      this.scheduleCatchUp();
    }, this.opts.catchUpIntervalMs ?? DEFAULT_CATCH_UP_MS);
    this.catchUpTimer.unref();
  }

  async latestCursor(): Promise<string> {
    await this.ready;
    return this.cursorOf((await this.opts.store.bounds()).latest);
  }

  /**
   * Events matching `filter` after `after` (exclusive), replayed from the log, then live. Without `after`,
   * only events logged from now on. Throws CURSOR_EXPIRED for a cursor older than the log's retention (or of
   * another log) and BAD_USER_INPUT for a malformed one.
   */
  async subscribe(filter: EventFilter, after?: string | null): Promise<AsyncIterableIterator<SubscriptionItem>> {
    const position = after ? decodeEventCursor(after) : undefined;
    await this.ready;
    if (this.disposed) throw gatewayError(ErrorCode.PROVIDER_UNAVAILABLE, 'The gateway is shutting down.');
    // Registered first: see the seam argument at the top of this file.
    const live = this.bus.subscribe((e) => matchesFilter(filter, e), this.opts.subscriberQueueLimit);
    try {
      const bounds = await this.opts.store.bounds();
      let start = bounds.latest;
      if (position) {
        if (position.logId !== this.opts.store.logId || position.seq < bounds.prunedThrough) {
          throw gatewayError(
            ErrorCode.CURSOR_EXPIRED,
            'The cursor is older than the event log keeps: query the jobs again, then subscribe without `after`.',
            { field: 'after' },
          );
        }
        if (position.seq > bounds.latest) {
          throw gatewayError(ErrorCode.BAD_USER_INPUT, 'The cursor does not belong to any logged event.', {
            field: 'after',
          });
        }
        start = position.seq;
      }
      return new EventSubscription(this.opts.store, filter, start, live, this.pageSize, (seq) => this.cursorOf(seq));
    } catch (error) {
      live.close();
      throw error;
    }
  }

  /** Enforces retention now (it also runs on a timer): prunes the event log and purges expired rows. */
  async pruneNow(): Promise<void> {
    await this.ready;
    await this.prune();
  }

  private async prune(): Promise<void> {
    if (this.disposed) return;
    try {
      const now = this.now();
      await this.opts.store.prune(now - this.opts.retentionMs);
      const purged = await this.opts.store.purgeExpired(now);
      if (purged.idempotencyKeys > 0) this.opts.logger.debug({ purged }, 'purged expired rows from the store');
    } catch (error) {
      this.opts.logger.warn({ err: error }, 'pruning the event log failed');
    }
  }

  private schedulePrune(): void {
    if (this.disposed) return;
    const every = Math.max(1_000, Math.min(MAX_PRUNE_INTERVAL_MS, Math.floor(this.opts.retentionMs / 10)));
    this.pruneTimer = setTimeout(() => {
      this.prune().finally(() => this.schedulePrune());
    }, every);
    this.pruneTimer.unref();
  }

  /** Ends every subscription and waits for pending commits (the store is closed by its owner). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.pruneTimer);
    clearTimeout(this.catchUpTimer);
    this.bus.close();
    await this.commits;
    await this.ready.catch(() => undefined);
    this.unlisten?.();
    await this.following;
  }
}
