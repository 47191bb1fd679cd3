/**
 * Provider numbers are not trusted to stay in their documented range: a percentage of 140, a byte count of
 * -1, `1e999` (Infinity once parsed) or a count beyond GraphQL's Int would reach clients, diffs and events.
 * Mapping functions pass every such value through `inRange`: out-of-range percentages are clamped, counts
 * and sizes that cannot be right are dropped (null: unknown), and so is anything that is not a number.
 */

export interface ValueRange {
  readonly min: number;
  readonly max: number;
  /** Clamp into [min, max] (a percentage slightly off is still a percentage); otherwise drop. */
  readonly clamp: boolean;
  /** Whole numbers only (fractions are rounded down). */
  readonly integer: boolean;
}

/** GraphQL's Int is a signed 32-bit integer: larger values fail the whole field. */
const GRAPHQL_INT_MAX = 2 ** 31 - 1;

export const PERCENT: ValueRange = { min: 0, max: 100, clamp: true, integer: false };
/** Devices, drives, errors, items: a GraphQL Int. */
export const COUNT: ValueRange = { min: 0, max: GRAPHQL_INT_MAX, clamp: false, integer: true };
/** Bytes: a GraphQL Float, exact up to 2^53. */
export const BYTES: ValueRange = { min: 0, max: Number.MAX_SAFE_INTEGER, clamp: false, integer: true };

/** A number (or a numeric string, as some providers send them) within `range`; null when there is none. */
export function inRange(value: unknown, range: ValueRange): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) return null;
  const whole = range.integer ? Math.floor(n) : n;
  if (whole >= range.min && whole <= range.max) return whole;
  return range.clamp ? Math.min(range.max, Math.max(range.min, whole)) : null;
}
