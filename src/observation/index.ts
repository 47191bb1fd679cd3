/**
 * Observation: one mirror per configured account (created with the gateway, not per reader or subscriber),
 * driven by one scheduler. It runs whether or not anyone reads or subscribes, so that history, freshness and
 * restarts work. Nothing here imports the GraphQL edge: failures are ProviderError / GatewayError.
 *
 * The scheduler drives the mirrors of the accounts whose lease this instance holds (leases.ts): all of them
 * on a single-instance store, a share of them when several instances share a PostgreSQL store. An account
 * taken over from another instance gets its next round when its last one (whoever ran it) says it is due.
 */

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { PollingConfig, ReadsConfig } from '../config.js';
import type { EventHub } from '../events/hub.js';
import { ErrorCode, gatewayError } from '../sdk/errors.js';
import type { GatewayStore } from '../store/types.js';
import type { Telemetry } from '../telemetry/index.js';
import type { AccountRuntime } from './accounts.js';
import { LeaseKeeper } from './leases.js';
import { AccountMirror } from './mirror.js';
import { Scheduler } from './scheduler.js';

export type { PollOutcome } from './mirror.js';
export { AccountMirror } from './mirror.js';

export interface ObservationOptions {
  accounts: Map<string, AccountRuntime>;
  store: GatewayStore;
  hub: EventHub;
  polling: PollingConfig;
  reads: ReadsConfig;
  logger: Logger;
  now: () => number;
  random?: () => number;
  /** How long a lease on an account lasts without renewal (shared stores). */
  leaseTtlMs?: number;
  telemetry?: Telemetry;
}

/** The lease period when the config names none (single-instance stores never let a lease expire). */
export const DEFAULT_LEASE_TTL_MS = 15_000;

export class Observation {
  private readonly mirrors = new Map<string, AccountMirror>();
  private readonly scheduler: Scheduler;
  private readonly leases: LeaseKeeper;
  private readonly unlisten: () => void;
  /** This instance among those sharing the store: new at every start. */
  readonly instance = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(private readonly opts: ObservationOptions) {
    this.scheduler = new Scheduler({
      config: opts.polling,
      now: opts.now,
      random: opts.random ?? Math.random,
    });
    for (const account of opts.accounts.values()) {
      this.mirrors.set(
        account.name,
        new AccountMirror({
          account,
          store: opts.store,
          hub: opts.hub,
          guard: this.scheduler.guard(account),
          polling: opts.polling,
          reads: opts.reads,
          logger: opts.logger,
          now: opts.now,
          telemetry: opts.telemetry,
        }),
      );
    }
    this.leases = new LeaseKeeper({
      store: opts.store,
      instance: this.instance,
      accounts: [...this.mirrors.keys()],
      ttlMs: opts.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
      logger: opts.logger,
      acquired: (account, token) => this.acquired(account, token),
      lost: (account) => {
        const mirror = this.mirrors.get(account)!;
        this.scheduler.unwatch(mirror);
        mirror.dropLease();
      },
    });
    this.unlisten = opts.store.shared
      ? opts.store.listen({
          roundRequested: (account) => {
            const mirror = this.mirrors.get(account);
            if (mirror?.holdsLease) mirror.requestRound({ notBeforeMs: opts.now() }).catch(() => undefined);
          },
        })
      : () => {};
    // What other instances commit keeps this instance's mirrors in step (shared stores only).
    opts.hub.onLogEvents((events) => {
      for (const event of events) this.mirrors.get(event.account)?.applyLogged(event);
    });
  }

  get size(): number {
    return this.mirrors.size;
  }

  /**
   * Starts polling: the accounts this instance holds leases on get their first round now (when polling is
   * enabled; on a shared store, when the last round of whichever instance polled them says), the next as the
   * policy says.
   */
  start(): void {
    this.leases.start();
  }

  private acquired(account: string, token: number): void {
    const mirror = this.mirrors.get(account)!;
    mirror.takeLease(token);
    if (!this.opts.store.shared) {
      this.scheduler.watch(mirror);
      return;
    }
    mirror
      .pollState()
      .then((poll) => {
        if (mirror.holdsLease) this.scheduler.watch(mirror, this.scheduler.dueInMs(mirror, poll.lastRoundStartedMs));
      })
      .catch((error: unknown) => {
        this.opts.logger.warn({ err: error, account }, 'could not read the account taken over; polling it now');
        if (mirror.holdsLease) this.scheduler.watch(mirror);
      });
  }

  /** The account's mirror; NOT_FOUND for an account that is not configured. */
  mirror(account: string): AccountMirror {
    const mirror = this.mirrors.get(account);
    if (!mirror) throw gatewayError(ErrorCode.NOT_FOUND, `No account named "${account}" is configured.`);
    return mirror;
  }

  all(): IterableIterator<AccountMirror> {
    return this.mirrors.values();
  }

  async dispose(): Promise<void> {
    this.unlisten();
    await this.leases.dispose();
    this.scheduler.dispose();
    await Promise.all([...this.mirrors.values()].map((m) => m.dispose()));
  }
}
