/**
 * What the dashboard knows about the schema's words, and how it shows them. JOB_STATES follows the order of
 * the `JobState` enum (test/dashboard.test.ts keeps them equal); each state has one colour, used by the
 * table's pills and the charts alike.
 */

/** @type {readonly string[]} */
export const JOB_STATES = [
  'CREATING',
  'SHIPPING',
  'RECEIVED',
  'TRANSFERRING',
  'PACKAGING',
  'COMPLETED',
  'COMPLETED_WITH_ERRORS',
  'FAILED',
  'CANCELLED',
];

/** The terminal states, i.e. how jobs end. */
export const OUTCOMES = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'];

export const STATE_COLORS = {
  CREATING: '#94a3b8',
  SHIPPING: '#a78bfa',
  RECEIVED: '#60a5fa',
  TRANSFERRING: '#22d3ee',
  PACKAGING: '#2dd4bf',
  COMPLETED: '#22c55e',
  COMPLETED_WITH_ERRORS: '#eab308',
  FAILED: '#ef4444',
  CANCELLED: '#78716c',
  UNKNOWN: '#cbd5e1',
};

export const stateColor = (state) => STATE_COLORS[state] ?? STATE_COLORS.UNKNOWN;

/** COMPLETED_WITH_ERRORS → "completed with errors". */
export const humanize = (word) => (word ? word.toLowerCase().replaceAll('_', ' ') : '—');

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
];

/** "5 min ago" for a past ISO date (relative to `now`), "—" without one. */
export function ago(iso, now = Date.now()) {
  if (!iso) return '—';
  const ms = Math.max(0, now - Date.parse(iso));
  for (const [unit, size] of UNITS) if (ms >= size) return `${Math.floor(ms / size)} ${unit} ago`;
  return 'just now';
}

/** A duration as its two largest units ("3 h 20 min"), "< 1 s" below a second. */
export function duration(ms) {
  const parts = [];
  let rest = ms;
  for (const [unit, size] of UNITS) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  return parts.join(' ') || '< 1 s';
}

/** Bytes as B, KB, MB, GB, TB (powers of 1000, as providers report capacity). */
export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** Newest first, then by id: the order of the `jobs` query. */
export function compareJobs(a, b) {
  const byCreated = (b.createdAt ?? '').localeCompare(a.createdAt ?? '');
  return byCreated || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
