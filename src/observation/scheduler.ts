/**
 * When and how much the gateway asks providers: a timer per account that asks its mirror for rounds at the
 * interval its jobs call for (policy.ts: jitter, backoff after failures, the provider's Retry-After), one cap
 * on concurrent provider calls across all accounts, and a circuit breaker per account.
 *
 * The breaker is cockatiel's (ConsecutiveBreaker): after `circuitBreaker.consecutiveFailures` calls in a row
 * fail as PROVIDER_UNAVAILABLE (timeouts, refused connections, 5xx) the account gets no calls for
 * `halfOpenAfterMs`; then one call probes it, and closes the circuit again when it succeeds. Throttling and
 * refused credentials do not count: Retry-After and backoff already pace those. Mutations do not go through
 * the breaker (a create the user asked for is attempted, and its outcome is never "refused without trying").
 */
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import pLimit, { type LimitFunction } from 'p-limit';
import type { PollingConfig } from '../config.js';
import type { CircuitState as PublicCircuitState } from '../generated/enums.js';
import { ErrorCode, ProviderError } from '../sdk/errors.js';
import type { JobState } from '../sdk/model.js';
import { type AccountRuntime, isAbandoned } from './accounts.js';
import { backoffDelay, roundInterval, withJitter } from './policy.js';

const PUBLIC_STATE: Record<CircuitState, PublicCircuitState> = {
  [CircuitState.Closed]: 'CLOSED',
  [CircuitState.Open]: 'OPEN',
  [CircuitState.HalfOpen]: 'HALF_OPEN',
  [CircuitState.Isolated]: 'OPEN',
};

/** The way every read-side provider call of one account goes: the shared cap, the breaker, health tracking. */
export class CallGuard {
  private readonly breaker: CircuitBreakerPolicy;
  private openedAtMs: number | undefined;

  constructor(
    readonly account: AccountRuntime,
    private readonly limit: LimitFunction,
    private readonly config: PollingConfig['circuitBreaker'],
    private readonly now: () => number,
  ) {
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof ProviderError && error.code === ErrorCode.PROVIDER_UNAVAILABLE),
      { halfOpenAfter: config.halfOpenAfterMs, breaker: new ConsecutiveBreaker(config.consecutiveFailures) },
    );
    this.breaker.onBreak(() => {
      this.openedAtMs = this.now();
    });
    this.breaker.onReset(() => {
      this.openedAtMs = undefined;
    });
  }

  get circuit(): PublicCircuitState {
    return PUBLIC_STATE[this.breaker.state];
  }

  /** Milliseconds until an open circuit lets a probe through; 0 when calls may go now. */
  probeInMs(): number {
    if (this.breaker.state !== CircuitState.Open || this.openedAtMs === undefined) return 0;
    return Math.max(0, this.openedAtMs + this.config.halfOpenAfterMs - this.now());
  }

  /** Runs one provider call; `signal` is the gateway's own (shutdown): its aborts are no provider failure. */
  run<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.limit(async () => {
      try {
        return await this.breaker.execute(async () => {
          try {
            return await this.account.track(work(), signal);
          } catch (error) {
            // A call the gateway abandoned must not count toward opening the circuit.
            if (isAbandoned(error, signal)) throw Object.assign(new Error('call abandoned'), { name: 'AbortError' });
            throw error;
          }
        });
      } catch (error) {
        if (!(error instanceof BrokenCircuitError)) throw error;
        throw new ProviderError({
          account: this.account.name,
          provider: this.account.kind,
          code: ErrorCode.PROVIDER_UNAVAILABLE,
          message: `calls paused: the provider failed ${this.config.consecutiveFailures} times in a row (circuit open; next probe in ${Math.ceil(this.probeInMs() / 1000)} s)`,
          retryable: true,
          retryAfterSeconds: Math.ceil(this.probeInMs() / 1000) || undefined,
        });
      }
    });
  }
}

/** What the scheduler needs of a mirror. */
export interface Scheduled {
  readonly accountName: string;
  /** States of the account's jobs as the gateway knows them. */
  states(): Iterable<JobState | null>;
  /** Asks for a round; an in-flight one counts. */
  requestRound(opts: { notBeforeMs: number }): Promise<unknown>;
  /** Called after every round, whoever asked for it. */
  onRoundEnd: ((outcome: RoundEnd) => void) | undefined;
}

export type RoundEnd = { ok: true } | { ok: false; failedRounds: number; retryAfterSeconds: number | undefined };

export interface SchedulerOptions {
  config: PollingConfig;
  now: () => number;
  random: () => number;
}

export class Scheduler {
  private readonly limit: LimitFunction;
  private readonly guards = new Map<string, CallGuard>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private disposed = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.limit = pLimit(opts.config.maxConcurrentCalls);
  }

  /** The account's call guard (one per account, created on first use). */
  guard(account: AccountRuntime): CallGuard {
    let guard = this.guards.get(account.name);
    if (!guard) {
      guard = new CallGuard(account, this.limit, this.opts.config.circuitBreaker, this.opts.now);
      this.guards.set(account.name, guard);
    }
    return guard;
  }

  /**
   * Drives `mirror` from now on: its first round after `firstDelayMs` (at once by default; when polling is
   * enabled), the next as the policy says.
   */
  watch(mirror: Scheduled, firstDelayMs = 0): void {
    mirror.onRoundEnd = (outcome) => this.afterRound(mirror, outcome);
    this.schedule(mirror, firstDelayMs);
  }

  /** Stops driving `mirror` (another gateway instance polls its account now). */
  unwatch(mirror: Scheduled): void {
    mirror.onRoundEnd = undefined;
    clearTimeout(this.timers.get(mirror.accountName));
    this.timers.delete(mirror.accountName);
  }

  /** When the next round of an account whose last round started at `lastRoundStartedMs` is due, from now. */
  dueInMs(mirror: Scheduled, lastRoundStartedMs: number | null): number {
    if (lastRoundStartedMs === null) return 0;
    return Math.max(0, lastRoundStartedMs + roundInterval(this.opts.config, mirror.states()) - this.opts.now());
  }

  private afterRound(mirror: Scheduled, outcome: RoundEnd): void {
    const { config, random } = this.opts;
    if (outcome.ok) {
      this.schedule(mirror, withJitter(roundInterval(config, mirror.states()), config.jitter, random));
      return;
    }
    const delay = backoffDelay(config, outcome.failedRounds, outcome.retryAfterSeconds, random);
    const probe = this.guards.get(mirror.accountName)?.probeInMs() ?? 0;
    this.schedule(mirror, Math.max(delay, probe));
  }

  private schedule(mirror: Scheduled, delayMs: number): void {
    clearTimeout(this.timers.get(mirror.accountName));
    if (this.disposed || !this.opts.config.enabled) return;
    const timer = setTimeout(() => {
      // Failures are logged and counted by the mirror; the next timer is set by afterRound.
      mirror.requestRound({ notBeforeMs: Number.NEGATIVE_INFINITY }).catch(() => undefined);
    }, delayMs);
    timer.unref();
    this.timers.set(mirror.accountName, timer);
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
