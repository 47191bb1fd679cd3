/**
 * What the charts show. Each source turns a ChartContext (charts.js) into labels and datasets; today they
 * count the jobs the table holds. A source backed by its own query plugs in the same way, e.g. time in state
 * from a future `providerStats` query:
 *
 *   { id: 'time-in-state', title: 'Median days in state', stacked: false,
 *     async data({ request }) {
 *       const { data } = await request('{ providerStats(groupBy: PROVIDER) { provider states { state median } } }');
 *       return { labels: …providers, datasets: …one per state };
 *     } }
 *
 * and is added to SOURCES below.
 */
import { humanize, JOB_STATES, OUTCOMES, stateColor } from './model.js';

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
    labels: providers.map((p) => names[p] ?? p),
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

/** @type {import('./charts.js').ChartSource[]} */
export const SOURCES = [
  {
    id: 'jobs-by-state',
    title: 'Jobs by state',
    description: 'every job the gateway knows, per provider',
    horizontal: true,
    stacked: true,
    data: (ctx) => stateDatasets(ctx, [...JOB_STATES, 'UNKNOWN']),
  },
  {
    id: 'outcomes',
    title: 'Outcomes',
    description: 'how finished jobs ended, per provider',
    stacked: true,
    data: (ctx) => stateDatasets(ctx, OUTCOMES),
    tooltip(item, data) {
      const total = data.datasets.reduce((sum, d) => sum + (d.data[item.dataIndex] ?? 0), 0);
      return total ? `${Math.round((100 * item.raw) / total)} % of finished jobs` : '';
    },
  },
];
