/**
 * Benchmarks, measured side by side in one run and reported as ratios (never asserted in tests).
 *
 *   npm run bench
 *
 * 1. jobs(first: 200) per provider with a cold snapshot cache vs a warm one: latency and provider requests.
 * 2. The same 100 jobs fetched by global id with duplicates (nodes) vs one job per request: requests saved by DataLoader.
 */
import { performance } from 'node:perf_hooks';
import { adapters } from '../src/adapters.js';
import { jobGlobalId } from '../src/jobs.js';
import { startTestGateway } from '../test/helpers/servers.js';

const ROUNDS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');

async function main() {
  const rows: string[][] = [['provider', 'cold ms', 'warm ms', 'cold/warm', 'cold requests', 'warm requests']];
  const loaderRows: string[][] = [['provider', 'requests: 100 single queries', 'requests: one nodes() query', 'ratio']];

  for (const adapter of adapters) {
    const t = await startTestGateway({ adapters: [adapter], seedJobs: 200, logLevel: 'warn' });
    try {
      const sim = [...t.sandbox.simulators.values()][0]!;
      const query = `{ jobs(first: 200) { edges { node { id state progress { percent } } } } }`;
      const cold: number[] = [];
      const warm: number[] = [];
      let coldRequests = 0;
      let warmRequests = 0;
      for (let round = 0; round < ROUNDS; round++) {
        await t.gateway.cache.dispose();
        let before = sim.requests.length;
        let start = performance.now();
        await t.query(query);
        cold.push(performance.now() - start);
        coldRequests = sim.requests.length - before;
        before = sim.requests.length;
        start = performance.now();
        await t.query(query);
        warm.push(performance.now() - start);
        warmRequests = sim.requests.length - before;
      }
      rows.push([
        adapter.kind,
        fmt(median(cold)),
        fmt(median(warm)),
        `${fmt(median(cold) / median(warm))}x`,
        String(coldRequests),
        String(warmRequests),
      ]);

      // DataLoader: 100 lookups of 20 distinct jobs, one query vs one request each.
      const listed = (
        await t.query<{ jobs: { edges: { node: { nativeId: string } }[] } }>(
          '{ jobs(first: 20) { edges { node { nativeId } } } }',
        )
      ).data!.jobs.edges.map((e) => jobGlobalId(sim.account.account, e.node.nativeId));
      const ids = Array.from({ length: 100 }, (_, i) => listed[i % listed.length]!);
      await t.gateway.cache.dispose();
      let before = sim.requests.length;
      for (const id of ids) {
        await t.gateway.cache.dispose();
        await t.query('query($id: ID!) { node(id: $id) { id } }', { id });
      }
      const single = sim.requests.length - before;
      await t.gateway.cache.dispose();
      before = sim.requests.length;
      await t.query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids });
      const batched = sim.requests.length - before;
      loaderRows.push([adapter.kind, String(single), String(batched), `${fmt(single / Math.max(1, batched))}x`]);
    } finally {
      await t.dispose();
    }
  }
  const print = (title: string, table: string[][]) => {
    const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
    console.log(`\n${title}`);
    for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  };
  print(`Snapshot cache: jobs(first: 200), median of ${ROUNDS} rounds`, rows);
  print('DataLoader: 100 lookups of 20 distinct jobs', loaderRows);
}

await main();
