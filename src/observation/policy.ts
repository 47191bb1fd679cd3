/**
 * When to poll: pure functions of the polling config, the account's job states, its failures and the
 * provider's Retry-After, so they are tested without timers.
 */

import type { PollingConfig } from '../config.js';
import { isTerminal, type JobState } from '../sdk/model.js';

export type JobActivity = 'active' | 'waiting' | 'terminal';

/** Data moves (or is about to) in these states, so they are worth watching closely. */
const ACTIVE_STATES: readonly JobState[] = ['RECEIVED', 'TRANSFERRING', 'PACKAGING'];

export function activityOf(state: JobState | null): JobActivity {
  if (isTerminal(state)) return 'terminal';
  return state !== null && ACTIVE_STATES.includes(state) ? 'active' : 'waiting';
}

/**
 * The delay before the next round after a successful one: the active interval while any job is moving,
 * otherwise the waiting interval, which also bounds how long a job created elsewhere goes unnoticed.
 */
export function roundInterval(config: PollingConfig, states: Iterable<JobState | null>): number {
  for (const state of states) if (activityOf(state) === 'active') return config.intervalMs.active;
  return config.intervalMs.waiting;
}

/**
 * Whether a job must be fetched this round, for providers whose listing carries no details: every
 * non-terminal job each round, a terminal one only when its last fetch is older than the terminal interval
 * (or when the listing says it was cancelled and the gateway does not know it yet).
 */
export function needsFetch(
  config: PollingConfig,
  known: { state: JobState | null; checkedAtMs: number } | undefined,
  listedAsCancelled: boolean,
  nowMs: number,
): boolean {
  if (!known || !isTerminal(known.state)) return true;
  if (listedAsCancelled && known.state !== 'CANCELLED') return true;
  return nowMs - known.checkedAtMs >= config.intervalMs.terminal;
}

/** Spreads `ms` by ±jitter; `random` returns [0, 1). */
export function withJitter(ms: number, jitter: number, random: () => number): number {
  return Math.max(0, Math.round(ms * (1 + jitter * (2 * random() - 1))));
}

/**
 * The delay after `failures` consecutive failed rounds: exponential from backoff.initialMs, capped at
 * backoff.maxMs, jittered; never shorter than what the provider asked for with Retry-After.
 */
export function backoffDelay(
  config: PollingConfig,
  failures: number,
  retryAfterSeconds: number | undefined,
  random: () => number,
): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const base = Math.min(config.backoff.maxMs, config.backoff.initialMs * 2 ** exponent);
  const jittered = withJitter(base, config.jitter, random);
  return retryAfterSeconds !== undefined ? Math.max(jittered, Math.ceil(retryAfterSeconds * 1000)) : jittered;
}
