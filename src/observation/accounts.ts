/** One configured provider account at run time: its adapter, its connected client and the health of its calls. */
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import type { AccountStatus } from '../generated/enums.js';
import {
  type AccountClient,
  type Adapter,
  type AdapterRegistry,
  adapterFor,
  ErrorCode,
  ProviderError,
} from '../sdk/index.js';
import { measuredClient } from '../telemetry/client.js';
import type { Telemetry } from '../telemetry/index.js';

export type { AccountStatus };

/** How the account's provider calls went (every call: rounds, read-throughs, mutations). */
export interface CallHealth {
  status: AccountStatus;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastErrorCode: ErrorCode | null;
  lastErrorMessage: string | null;
  consecutiveFailures: number;
}

/** Consecutive failures after which an account counts as DOWN rather than DEGRADED. */
const DOWN_AFTER_FAILURES = 3;

/** A call given up by the gateway itself (shutdown, a caller that left): says nothing about the provider. */
export const isAbandoned = (error: unknown, signal?: AbortSignal): boolean =>
  signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');

export class AccountRuntime {
  readonly health: CallHealth = {
    status: 'UNKNOWN',
    lastSuccessAt: null,
    lastErrorAt: null,
    lastErrorCode: null,
    lastErrorMessage: null,
    consecutiveFailures: 0,
  };

  constructor(
    readonly name: string,
    readonly adapter: Adapter,
    readonly client: AccountClient,
    private readonly now: () => number,
  ) {}

  get kind(): string {
    return this.adapter.kind;
  }

  /**
   * Runs one provider call and records its outcome in the account's health. A NOT_FOUND answer is the provider
   * working fine; a call abandoned through `signal` (or any AbortError) is not a provider failure.
   */
  async track<T>(call: Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      const result = await call;
      this.health.status = 'HEALTHY';
      this.health.lastSuccessAt = new Date(this.now()).toISOString();
      this.health.consecutiveFailures = 0;
      return result;
    } catch (error) {
      const notFound = error instanceof ProviderError && error.code === ErrorCode.NOT_FOUND;
      if (!notFound && !isAbandoned(error, signal)) {
        this.health.consecutiveFailures += 1;
        this.health.status = this.health.consecutiveFailures >= DOWN_AFTER_FAILURES ? 'DOWN' : 'DEGRADED';
        this.health.lastErrorAt = new Date(this.now()).toISOString();
        this.health.lastErrorCode = error instanceof ProviderError ? error.code : ErrorCode.INTERNAL;
        this.health.lastErrorMessage = error instanceof ProviderError ? error.message : 'internal error';
      }
      throw error;
    }
  }
}

export function connectAccounts(
  config: GatewayConfig,
  registry: AdapterRegistry,
  logger: Logger,
  now: () => number,
  telemetry?: Telemetry,
): Map<string, AccountRuntime> {
  const accounts = new Map<string, AccountRuntime>();
  for (const entry of config.providers) {
    const adapter = adapterFor(registry, entry.kind);
    if (!adapter) throw new Error(`no adapter for ${entry.kind}`); // parseConfig already rejected this
    const client = adapter.connect(entry, {
      account: entry.account,
      logger: logger.child({ account: entry.account, provider: adapter.kind }),
      ca: (entry.caCertificate as string | undefined) ?? config.caCertificate,
      timeoutMs: config.providerTimeoutMs,
      now,
    });
    const account = { name: entry.account, kind: adapter.kind };
    const measured = telemetry ? measuredClient(client, account, telemetry) : client;
    accounts.set(entry.account, new AccountRuntime(entry.account, adapter, measured, now));
  }
  return accounts;
}
