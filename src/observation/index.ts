/**
 * Exactly one poller per configured account, created with the gateway (not per subscriber), running whether
 * or not anyone subscribes so that history and restarts work. One limiter across all of them caps concurrent
 * provider calls.
 */
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { PollingConfig } from '../config.js';
import type { EventHub } from '../events/hub.js';
import type { JobEventRecord } from '../events/types.js';
import { ErrorCode, gatewayError } from '../sdk/errors.js';
import type { JobSnapshot } from '../sdk/model.js';
import type { AccountRuntime } from './accounts.js';
import { AccountPoller, type PollOutcome } from './poller.js';
import type { SnapshotCache } from './snapshot-cache.js';

export type { PollOutcome } from './poller.js';

export interface PollersOptions {
  accounts: Map<string, AccountRuntime>;
  hub: EventHub;
  cache: SnapshotCache;
  config: PollingConfig;
  logger: Logger;
  now: () => number;
  random?: () => number;
}

export class Pollers {
  private readonly byAccount = new Map<string, AccountPoller>();

  constructor(opts: PollersOptions) {
    const limit = pLimit(opts.config.maxConcurrentCalls);
    for (const account of opts.accounts.values()) {
      this.byAccount.set(
        account.name,
        new AccountPoller({
          account,
          hub: opts.hub,
          cache: opts.cache,
          config: opts.config,
          limit,
          logger: opts.logger,
          now: opts.now,
          random: opts.random ?? Math.random,
        }),
      );
    }
  }

  get size(): number {
    return this.byAccount.size;
  }

  start(): void {
    for (const poller of this.byAccount.values()) poller.start();
  }

  async pollNow(account: string): Promise<PollOutcome> {
    return this.poller(account).pollNow();
  }

  async observe(account: string, snapshot: JobSnapshot): Promise<JobEventRecord[]> {
    return this.poller(account).observe(snapshot);
  }

  async observeRemoved(account: string, nativeId: string): Promise<JobEventRecord[]> {
    return this.poller(account).observeRemoved(nativeId);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.byAccount.values()].map((p) => p.dispose()));
  }

  private poller(account: string): AccountPoller {
    const poller = this.byAccount.get(account);
    if (!poller) throw gatewayError(ErrorCode.NOT_FOUND, `No account named "${account}" is configured.`);
    return poller;
  }
}
