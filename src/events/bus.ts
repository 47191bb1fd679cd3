/**
 * In-process fan-out of live events to this instance's subscribers (with a store shared by several instances,
 * the hub feeds it from the shared log, so every instance's subscribers hear every instance's commits). Each
 * subscriber has its own bounded queue and its own cheap filter, applied when an event is published. A queue that overflows is not trimmed silently: it switches
 * to "overflowed", which the subscriber turns into a SLOW_CONSUMER signal carrying where to resume.
 */

export type Taken<T> = { kind: 'item'; item: T } | { kind: 'overflow' } | { kind: 'end' };

export class LiveQueue<T> {
  private items: T[] = [];
  private overflowed = false;
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly accept: (item: T) => boolean,
    private readonly limit: number,
    private readonly onClose: (queue: LiveQueue<T>) => void,
  ) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.ended || this.overflowed || !this.accept(item)) return;
    if (this.items.length >= this.limit) {
      // Nothing already queued is delivered after this: the subscriber resumes from the log instead.
      this.overflowed = true;
      this.items = [];
    } else {
      this.items.push(item);
    }
    this.notify();
  }

  /** The next item, or why there is none: waits while the queue is empty and open. */
  async take(): Promise<Taken<T>> {
    for (;;) {
      if (this.overflowed) return { kind: 'overflow' };
      const item = this.items.shift();
      if (item !== undefined) return { kind: 'item', item };
      if (this.ended) return { kind: 'end' };
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.items = [];
    this.onClose(this);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

export class InProcessBus<T> {
  private readonly queues = new Set<LiveQueue<T>>();

  get subscriberCount(): number {
    return this.queues.size;
  }

  /** Starts buffering every published item `accept` takes, up to `limit` undelivered ones. */
  subscribe(accept: (item: T) => boolean, limit: number): LiveQueue<T> {
    const queue = new LiveQueue<T>(accept, limit, (q) => this.queues.delete(q));
    this.queues.add(queue);
    return queue;
  }

  publish(items: readonly T[]): void {
    if (items.length === 0) return;
    for (const queue of this.queues) for (const item of items) queue.push(item);
  }

  /** Ends every subscription at once (shutdown): each sees `end`. */
  close(): void {
    for (const queue of [...this.queues]) queue.close();
  }
}
