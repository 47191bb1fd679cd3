/**
 * One poller per account across gateway instances: each instance keeps leases on the accounts assigned to it
 * and polls only those. Written by hand: the leases live in the gateway's own store (a row per account with an
 * expiry and a fencing token, judged by the database's clock), which no lease library knows.
 *
 * Every `ttlMs / 3` an instance renews its heartbeat and reads who is alive; the configured accounts, sorted,
 * are dealt round-robin over the live instances, sorted, so every instance computes the same assignment and
 * accounts spread evenly. An instance takes (or renews) the leases of its accounts and releases the others,
 * which their new owner takes at its next tick. When an instance dies, its heartbeat and then its leases expire
 * (they are renewed together, heartbeat first); the others tick again the moment the earliest lease they saw
 * expires, no longer count the dead instance, and the new owner takes the account with a higher token — within
 * one lease period of the last renewal. The old holder's commits, should it come back, are refused by the fence.
 *
 * A single-instance store (memory, SQLite) grants every lease at the first tick, for good: no timer runs.
 */
import type { Logger } from 'pino';
import type { GatewayStore } from '../store/types.js';

export interface LeaseKeeperOptions {
  store: GatewayStore;
  /** This instance's id (new at every start: a restarted instance never inherits a token). */
  instance: string;
  accounts: readonly string[];
  ttlMs: number;
  logger: Logger;
  /** This instance now holds `account` with `token` (a new token: another holder may have written since). */
  acquired(account: string, token: number): void;
  /** This instance no longer holds `account` (released, or taken by another). */
  lost(account: string): void;
}

/** After a failed tick (the database unreachable), the next try. */
const RETRY_MS = 1_000;
/** A tick at a lease's expiry comes this much later, so the database's clock has surely passed it. */
const EXPIRY_MARGIN_MS = 25;

/** The accounts `instance` should hold: the sorted accounts dealt round-robin over the sorted live instances. */
export function assignedAccounts(accounts: readonly string[], instances: readonly string[], instance: string) {
  const live = [...instances].sort();
  const at = live.indexOf(instance);
  if (at < 0) return new Set<string>();
  return new Set([...accounts].sort().filter((_, i) => i % live.length === at));
}

export class LeaseKeeper {
  private readonly held = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: LeaseKeeperOptions) {}

  /** Accounts this instance holds now. */
  get holding(): ReadonlySet<string> {
    return new Set(this.held.keys());
  }

  /** The first tick now (a single-instance store grants every lease within it), the next on a timer. */
  start(): void {
    this.tickNow();
  }

  private tickNow(): void {
    this.ticking = this.tick().finally(() => {
      this.ticking = undefined;
    });
  }

  private tickSoon(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tickNow(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const { store, instance, ttlMs, logger } = this.opts;
    let next = Math.floor(ttlMs / 3);
    try {
      const view = await store.heartbeat(instance, ttlMs);
      const mine = assignedAccounts(this.opts.accounts, view.instances, instance);
      for (const account of this.opts.accounts) {
        if (this.stopped) return;
        if (mine.has(account)) {
          const token = await store.acquireLease(account, instance, ttlMs);
          if (token === null) this.lose(account);
          else if (this.held.get(account) !== token) {
            if (this.held.has(account)) this.lose(account);
            this.held.set(account, token);
            logger.info({ account, instance, token }, 'polling this account (lease taken)');
            this.opts.acquired(account, token);
          }
        } else if (this.held.has(account)) {
          // Another live instance is assigned this account now: hand it over.
          await store.releaseLeases(instance, [account]);
          this.lose(account);
        }
      }
      // A lease nobody renewed (its holder died): look again the moment it expires.
      for (const lease of view.leases) {
        if (lease.owner !== instance) next = Math.min(next, lease.expiresInMs + EXPIRY_MARGIN_MS);
      }
    } catch (error) {
      logger.warn({ err: error, instance }, 'renewing leases failed');
      next = Math.min(next, RETRY_MS);
    }
    if (store.shared) this.tickSoon(next);
  }

  private lose(account: string): void {
    if (!this.held.delete(account)) return;
    this.opts.logger.info({ account, instance: this.opts.instance }, 'no longer polling this account (lease gone)');
    this.opts.lost(account);
  }

  /** Stops renewing and gives every lease up, so other instances take the accounts at once. */
  async dispose(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    this.held.clear();
    if (this.opts.store.shared) {
      await this.opts.store.releaseLeases(this.opts.instance).catch((error: unknown) => {
        this.opts.logger.warn({ err: error }, 'releasing leases failed (they expire on their own)');
      });
    }
  }
}
