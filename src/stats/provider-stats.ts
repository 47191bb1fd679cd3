/**
 * providerStats, computed from what the gateway recorded: the job index (each job's current state and when the
 * gateway first saw it in it) and the state transitions it observed (`Job.history`). Pure: the store reads
 * happen in ./index.ts.
 *
 * What counts, so that figures mean the same for every provider:
 * - Time in a state: from the transition into the state to the transition out of it, both observed while the
 *   gateway was watching (a transition marked `afterGap` happened at some unknown time before it was seen, so an
 *   interval bounded by one is left out), for intervals that ended within the window. The state a job was in
 *   when the gateway first saw it (its first round, a baseline) has no known start and is not measured.
 * - End to end: from the provider's creation time (else the gateway's CREATED observation) to the observed
 *   transition into a terminal state, for jobs that ended within the window.
 * - Outcomes: jobs whose transition into a terminal state the gateway observed within the window, by that state
 *   (also after a gap: the job did end then). Jobs found already finished are in `jobsByState` only.
 * - Stuck: jobs now in a non-terminal state for longer than the 90th percentile of that state's durations at
 *   their provider (over every account of it the caller may see), measured from the transition into the
 *   state, or from the first time the gateway saw the job in it.
 * Percentiles interpolate linearly between the nearest ranks (d3-array's quantileSorted, as spreadsheets'
 * PERCENTILE.INC).
 */
import { quantileSorted } from 'd3-array';
import type { JobTransition } from '../events/types.js';
import { isTerminal, JOB_STATES, type JobState, TERMINAL_STATES } from '../sdk/model.js';
import { epochMs, type JobFacts, type StateCount } from '../store/types.js';

export type StatsGroupBy = 'PROVIDER' | 'ACCOUNT';

export interface StatsWindow {
  sinceMs: number;
  /** Exclusive. */
  untilMs: number;
  /** What "now" is for stuck jobs. */
  nowMs: number;
}

/** One account the caller may see, with its provider. */
export interface StatsAccount {
  name: string;
  provider: string;
}

export interface StatsJob {
  facts: JobFacts;
  /** Oldest first, as the store keeps them. */
  transitions: readonly JobTransition[];
}

export interface DurationSummary {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface StuckEntry {
  account: string;
  nativeId: string;
  state: JobState;
  /** ISO 8601: when the job entered the state (or when the gateway first saw it in it). */
  since: string;
  inStateSeconds: number;
  p90Seconds: number;
}

export interface GroupStats {
  /** The provider kind (PROVIDER) or the account name (ACCOUNT). */
  key: string;
  provider: string;
  accounts: string[];
  jobs: number;
  jobsByState: { state: JobState | null; count: number }[];
  timeInState: ({ state: JobState } & DurationSummary)[];
  endToEnd: DurationSummary;
  finished: number;
  outcomes: { state: JobState; count: number; rate: number | null }[];
  bytesMoved: number | null;
  devicesMoved: number | null;
  /** Longest in their state (relative to the p90) first. */
  stuck: StuckEntry[];
}

const NON_TERMINAL: readonly JobState[] = JOB_STATES.filter((s) => !isTerminal(s));

/** A stretch of time a job spent in one state, as the gateway observed it. */
interface Stay {
  state: JobState;
  startMs: number;
  /** The transition into the state happened while the gateway watched. */
  watched: boolean;
}

/** The job's stays, oldest first: one per observed change of its normalized state. */
function staysOf(transitions: readonly JobTransition[]): Stay[] {
  const stays: Stay[] = [];
  for (const t of transitions) {
    // Same-state transitions (a new provider word, a cancel request) do not start a new stay.
    if (t.to === null || t.to === t.from) continue;
    const startMs = epochMs(t.at);
    if (startMs === null) continue;
    stays.push({ state: t.to, startMs, watched: !t.afterGap });
  }
  return stays;
}

/** Seconds to the millisecond: the times they come from are epoch milliseconds, so more digits are noise. */
const toMillisecond = (seconds: number | undefined) =>
  seconds === undefined ? null : Math.round(seconds * 1000) / 1000;

export function summarize(seconds: number[]): DurationSummary {
  if (seconds.length === 0) return { count: 0, medianSeconds: null, p90Seconds: null };
  const sorted = [...seconds].sort((a, b) => a - b);
  return {
    count: sorted.length,
    medianSeconds: toMillisecond(quantileSorted(sorted, 0.5)),
    p90Seconds: toMillisecond(quantileSorted(sorted, 0.9)),
  };
}

/** What one job contributes to its group, within the window. */
interface JobFigures {
  /** Seconds per closed stay that ended in the window, by state. */
  stays: { state: JobState; seconds: number }[];
  /** Set when the job ended within the window. */
  ended?: { state: JobState; endToEndSeconds: number | null };
  /** The current non-terminal stay: its state and start. */
  current?: { state: JobState; startMs: number };
}

function figuresOf(job: StatsJob, window: StatsWindow): JobFigures {
  const { facts } = job;
  const stays = staysOf(job.transitions);
  const inWindow = (ms: number) => ms >= window.sinceMs && ms < window.untilMs;
  const figures: JobFigures = { stays: [] };
  stays.forEach((stay, i) => {
    const next = stays[i + 1];
    if (!next || !stay.watched || !next.watched || !inWindow(next.startMs)) return;
    figures.stays.push({ state: stay.state, seconds: (next.startMs - stay.startMs) / 1000 });
  });
  const last = stays.at(-1);
  const entered = last && last.state === facts.state ? last : undefined;
  if (facts.state !== null && isTerminal(facts.state)) {
    if (entered && inWindow(entered.startMs)) {
      // The provider's creation time, else the CREATED observation (a first transition from no state).
      const created = job.transitions[0];
      const startMs =
        facts.createdMs ?? (created && created.from === null && !created.afterGap ? epochMs(created.at) : null);
      figures.ended = {
        state: facts.state,
        endToEndSeconds:
          entered.watched && startMs !== null && startMs <= entered.startMs ? (entered.startMs - startMs) / 1000 : null,
      };
    }
  } else if (facts.state !== null) {
    figures.current = {
      state: facts.state,
      startMs: entered?.startMs ?? epochMs(facts.stateChangedAt) ?? window.nowMs,
    };
  }
  return figures;
}

const sum = (values: (number | null)[]): number | null =>
  values.reduce<number | null>((total, v) => (v === null ? total : (total ?? 0) + v), null);

/**
 * The stats of every group: one per provider or per account of `accounts` (in that order, also without jobs).
 * `counts` are the index's jobs by state now; `jobs` the jobs that had not ended before the window.
 */
export function computeProviderStats(input: {
  accounts: readonly StatsAccount[];
  groupBy: StatsGroupBy;
  window: StatsWindow;
  counts: readonly StateCount[];
  jobs: readonly StatsJob[];
}): GroupStats[] {
  const { accounts, groupBy, window } = input;
  const providerOf = new Map(accounts.map((a) => [a.name, a.provider]));
  const keyOf = (account: string) => (groupBy === 'ACCOUNT' ? account : providerOf.get(account)!);
  const figures = input.jobs
    .filter((j) => providerOf.has(j.facts.account))
    .map((job) => ({ job, figures: figuresOf(job, window) }));

  // The p90 of each state per provider, whatever the grouping: what "longer than usual" is measured against.
  const p90 = new Map<string, number | null>();
  const p90Of = (provider: string, state: JobState): number | null => {
    const key = `${provider}\n${state}`;
    if (!p90.has(key)) {
      const seconds = figures
        .filter((f) => providerOf.get(f.job.facts.account) === provider)
        .flatMap((f) => f.figures.stays.filter((s) => s.state === state).map((s) => s.seconds));
      p90.set(key, summarize(seconds).p90Seconds);
    }
    return p90.get(key) ?? null;
  };

  const groups = new Map<string, { provider: string; accounts: string[] }>();
  for (const account of accounts) {
    const key = keyOf(account.name);
    const group = groups.get(key) ?? { provider: account.provider, accounts: [] };
    group.accounts.push(account.name);
    groups.set(key, group);
  }

  return [...groups].map(([key, group]) => {
    const members = new Set(group.accounts);
    const mine = figures.filter((f) => members.has(f.job.facts.account));
    const byState = new Map<JobState | null, number>();
    for (const count of input.counts) {
      if (members.has(count.account)) byState.set(count.state, (byState.get(count.state) ?? 0) + count.count);
    }
    const ended = mine.filter((f) => f.figures.ended);
    const finished = ended.length;
    const stuck: StuckEntry[] = [];
    for (const { job, figures: f } of mine) {
      if (!f.current) continue;
      const limit = p90Of(group.provider, f.current.state);
      const inStateSeconds = Math.max(0, (window.nowMs - f.current.startMs) / 1000);
      if (limit === null || inStateSeconds <= limit) continue;
      stuck.push({
        account: job.facts.account,
        nativeId: job.facts.nativeId,
        state: f.current.state,
        since: new Date(f.current.startMs).toISOString(),
        inStateSeconds,
        p90Seconds: limit,
      });
    }
    stuck.sort(
      (a, b) =>
        b.inStateSeconds / b.p90Seconds - a.inStateSeconds / a.p90Seconds || a.nativeId.localeCompare(b.nativeId),
    );
    return {
      key,
      provider: group.provider,
      accounts: group.accounts,
      jobs: [...byState.values()].reduce((n, c) => n + c, 0),
      jobsByState: [...JOB_STATES, null]
        .filter((s) => byState.has(s))
        .map((state) => ({ state, count: byState.get(state)! })),
      timeInState: NON_TERMINAL.map((state) => ({
        state,
        ...summarize(mine.flatMap((f) => f.figures.stays.filter((s) => s.state === state).map((s) => s.seconds))),
      })),
      endToEnd: summarize(
        ended.flatMap((f) => (f.figures.ended?.endToEndSeconds != null ? [f.figures.ended.endToEndSeconds] : [])),
      ),
      finished,
      outcomes: TERMINAL_STATES.map((state) => {
        const count = ended.filter((f) => f.figures.ended?.state === state).length;
        return { state, count, rate: finished ? count / finished : null };
      }),
      bytesMoved: sum(ended.map((f) => f.job.facts.bytesTransferred)),
      devicesMoved: sum(ended.map((f) => f.job.facts.itemsProcessed)),
      stuck,
    };
  });
}
