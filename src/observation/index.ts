/**
 * Observation: one mirror per configured account (created with the gateway, not per reader or subscriber),
 * driven by one scheduler. It runs whether or not anyone reads or subscribes, so that history, freshness and
 * restarts work. Nothing here imports the GraphQL edge: failures are ProviderError / GatewayError.
 */
import type { Logger } from 'pino';
import type { PollingConfig, ReadsConfig } from '../config.js';
import type { EventHub } from '../events/hub.js';
import { ErrorCode, gatewayError } from '../sdk/errors.js';
import type { GatewayStore } from '../store/types.js';
import type { Telemetry } from '../telemetry/index.js';
import type { AccountRuntime } from './accounts.js';
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
  telemetry?: Telemetry;
}

export class Observation {
  private readonly mirrors = new Map<string, AccountMirror>();
  private readonly scheduler: Scheduler;

  constructor(opts: ObservationOptions) {
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
  }

  get size(): number {
    return this.mirrors.size;
  }

  /** Starts the timers: each account's first round now (when polling is enabled), the next as the policy says. */
  start(): void {
    for (const mirror of this.mirrors.values()) this.scheduler.watch(mirror);
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
    this.scheduler.dispose();
    await Promise.all([...this.mirrors.values()].map((m) => m.dispose()));
  }
}
