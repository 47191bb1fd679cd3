/** Small measuring helpers shared by the benchmarks and their worker threads. */
import { performance } from 'node:perf_hooks';

/** Epoch milliseconds with sub-millisecond precision, comparable across the threads of one process. */
export const preciseNow = () => performance.timeOrigin + performance.now();

/** The value below which `p` (0..1) of the samples fall (nearest rank); NaN without samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export const median = (samples: readonly number[]) => percentile(samples, 0.5);

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** Prints a table with a title, columns padded to their widest cell. */
export function printTable(title: string, table: readonly (readonly string[])[]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  console.log(`\n${title}`);
  for (const row of table)
    console.log(
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}
