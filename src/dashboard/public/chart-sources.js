/**
 * What the charts show. Each source turns a ChartContext (charts.js) into labels and datasets: jobs by state
 * counts the jobs the table holds; time in state, outcome rates and stuck jobs come from one `providerStats`
 * query (the last 30 days, per provider), asked at most every STATS_MAX_AGE_MS however often the charts redraw.
 */
import { duration, humanize, JOB_STATES, OUTCOMES, stateColor } from './model.js';

/** The states a job waits in (the terminal ones end it). */
const STAYS = JOB_STATES.filter((s) => !OUTCOMES.includes(s));
const STATS_MAX_AGE_MS = 5_000;
const STUCK_SHOWN = 5;

export const PROVIDER_STATS = `query DashboardStats {
  providerStats(groupBy: PROVIDER) {
    groups {
      provider providerName
      timeInState { state count medianSeconds p90Seconds }
      finished
      outcomes { state count rate }
      stuckCount
      stuck(first: 200) { state inStateSeconds p90Seconds job { nativeId account } }
    }
  }
}`;

/** A provider's name as two lines of about equal length (split at the space nearest the middle), for narrow charts. */
export function twoLines(name) {
  const spaces = [...name.matchAll(/ /g)].map((m) => m.index);
  if (!spaces.length) return name;
  const middle = spaces.reduce((best, i) =>
    Math.abs(i - name.length / 2) < Math.abs(best - name.length / 2) ? i : best,
  );
  return [name.slice(0, middle), name.slice(middle + 1)];
}

/** Providers in a stable order: those of configured accounts first, then any other a job names. */
function providersOf({ jobs, accounts }) {
  return [...new Set([...accounts.map((a) => a.provider), ...jobs.map((j) => j.provider)])];
}

/** Jobs counted by provider and state: counts[provider][state]. */
function countByProvider(jobs) {
  const counts = {};
  for (const job of jobs) {
    counts[job.provider] ??= {};
    const row = counts[job.provider];
    const state = job.state ?? 'UNKNOWN';
    row[state] = (row[state] ?? 0) + 1;
  }
  return counts;
}

/** One dataset per state (coloured like the table's pills), one bar per provider. */
function stateDatasets(ctx, states) {
  const providers = providersOf(ctx);
  const counts = countByProvider(ctx.jobs);
  const names = Object.fromEntries(ctx.accounts.map((a) => [a.provider, a.providerName]));
  return {
    labels: providers.map((p) => twoLines(names[p] ?? p)),
    datasets: states
      .map((state) => ({
        label: humanize(state),
        state,
        backgroundColor: stateColor(state),
        data: providers.map((p) => counts[p]?.[state] ?? 0),
      }))
      .filter((d) => d.data.some(Boolean)),
  };
}

let cached;

/** The providerStats groups, shared by the sources below and asked again once STATS_MAX_AGE_MS old. */
function providerStats({ request }) {
  if (!cached || Date.now() - cached.at > STATS_MAX_AGE_MS) {
    const query = request(PROVIDER_STATS).then(({ data }) => data.providerStats.groups);
    cached = { at: Date.now(), query };
    query.catch(() => {
      if (cached?.query === query) cached = undefined; // the next redraw asks again
    });
  }
  return cached.query;
}

/** The unit that shows `seconds` (the largest of a chart's values) as a readable number. */
export function timeUnit(seconds) {
  if (seconds >= 2 * 86_400) return { name: 'days', seconds: 86_400 };
  if (seconds >= 2 * 3_600) return { name: 'hours', seconds: 3_600 };
  if (seconds >= 2 * 60) return { name: 'minutes', seconds: 60 };
  return { name: 'seconds', seconds: 1 };
}

/** Per provider (one bar each) and state (one dataset each), what `figure(group, state)` says; 0 without. */
function perState(groups, states, figure) {
  return {
    labels: groups.map((g) => twoLines(g.providerName)),
    datasets: states
      .map((state) => ({
        label: humanize(state),
        state,
        backgroundColor: stateColor(state),
        data: groups.map((g) => figure(g, state) ?? 0),
      }))
      .filter((d) => d.data.some(Boolean)),
  };
}

/**
 * A chart of providerStats: `build(groups)` says which states are its datasets, each provider's value for a
 * state, the extra tooltip lines of a bar (`details`) and, optionally, a description naming a unit.
 */
function statsChart(source, build) {
  return {
    ...source,
    async data(ctx) {
      const groups = await providerStats(ctx);
      const { states, value, details, description } = build(groups);
      return {
        ...perState(groups, states, value),
        details: (providerIndex, state) => details(groups[providerIndex], state),
        ...(description ? { description } : {}),
      };
    },
    tooltip: (item, data) => data.details?.(item.dataIndex, item.dataset.state) ?? '',
  };
}

/** @type {import('./charts.js').ChartSource[]} */
export const SOURCES = [
  {
    id: 'jobs-by-state',
    title: 'Jobs by state',
    description: 'every job the gateway knows',
    horizontal: true,
    stacked: true,
    data: (ctx) => stateDatasets(ctx, [...JOB_STATES, 'UNKNOWN']),
  },
  statsChart(
    { id: 'time-in-state', title: 'Time in state', description: 'median per state, last 30 days', integers: false },
    (groups) => {
      const stay = (g, state) => g.timeInState.find((s) => s.state === state);
      const unit = timeUnit(Math.max(0, ...groups.flatMap((g) => g.timeInState.map((s) => s.medianSeconds ?? 0))));
      return {
        states: STAYS,
        value: (g, state) => (stay(g, state)?.medianSeconds ?? 0) / unit.seconds,
        details: (g, state) => {
          const s = stay(g, state);
          return s?.count ? `p90 ${duration(s.p90Seconds * 1000)} · ${s.count} measured` : '';
        },
        description: `median ${unit.name} per state, last 30 days`,
      };
    },
  ),
  statsChart(
    {
      id: 'outcome-rates',
      title: 'Outcome rates',
      description: '% of the jobs that ended in the last 30 days',
      stacked: true,
    },
    () => {
      const outcome = (g, state) => g.outcomes.find((o) => o.state === state);
      return {
        states: OUTCOMES,
        value: (g, state) => Math.round((outcome(g, state)?.rate ?? 0) * 1000) / 10,
        details: (g, state) => `${outcome(g, state)?.count ?? 0} of ${g.finished} jobs`,
      };
    },
  ),
  statsChart(
    {
      id: 'stuck',
      title: 'Stuck jobs',
      description: "longer in their state than 90 % of the provider's",
      stacked: true,
    },
    () => {
      const stuckIn = (g, state) => g.stuck.filter((s) => s.state === state);
      return {
        states: STAYS,
        value: (g, state) => stuckIn(g, state).length,
        details: (g, state) =>
          stuckIn(g, state)
            .slice(0, STUCK_SHOWN)
            .map(
              (s) =>
                `${s.job?.nativeId ?? '?'}: ${duration(s.inStateSeconds * 1000)} (p90 ${duration(s.p90Seconds * 1000)})`,
            ),
      };
    },
  ),
];
