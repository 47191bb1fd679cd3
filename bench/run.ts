/**
 * Benchmarks, measured side by side in one run and reported as ratios (never asserted in tests).
 *
 *   npm run bench                  every benchmark
 *   npm run bench -- fanout        only the named ones: cache, fanout, polling
 *
 * cache    jobs(first: 200) per provider with a cold snapshot cache vs a warm one: latency and provider
 *          requests; the same 100 jobs fetched by global id with duplicates (nodes) vs one job per request:
 *          requests saved by DataLoader.
 * fanout   1, 100 and 1,000 websocket subscribers on one subscription: provider requests, payload executions
 *          and delivery latency; and 1,000 subscribers with distinct variables, so nothing can be shared.
 * polling  provider requests over a simulated hour of polling 200 mostly finished jobs: a listing without status
 *          (AWS) with the configured terminal interval vs re-reading every job each round, and listings with status.
 */
import { performance } from 'node:perf_hooks';
import { jobGlobalId } from '../src/ids.js';
import { registry } from '../src/registry.js';
import { startTestGateway } from '../test/helpers/servers.js';
import { type FanOutResult, measureFanOut } from './fanout.js';
import { measurePollingCost, POLL_JOBS, type PollingCost } from './polling.js';
import { fmt, median, percentile, printTable } from './stats.js';

const { adapters } = registry;

const ROUNDS = 5;

async function cacheBenchmarks() {
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
  printTable(`Snapshot cache: jobs(first: 200), median of ${ROUNDS} rounds`, rows);
  printTable('DataLoader: 100 lookups of 20 distinct jobs', loaderRows);
}

async function fanOutBenchmark() {
  const runs: FanOutResult[] = [];
  for (const subscribers of [1, 100, 1_000]) runs.push(await measureFanOut(subscribers, false));
  const unshared = await measureFanOut(1_000, true);
  runs.push(unshared);
  const one = runs[0]!;
  const table: string[][] = [
    [
      'subscribers',
      'variables',
      'provider requests/round',
      'events',
      'deliveries',
      'executions',
      'deliveries/execution',
      'poll ms (median)',
      'delivered ms: median',
      'p95',
      'median vs 1',
    ],
  ];
  for (const r of runs) {
    table.push([
      r.subscribers.toLocaleString('en-US'),
      r.distinctVariables ? 'distinct' : 'same',
      fmt(r.requestsPerRound),
      String(r.events),
      r.deliveries.toLocaleString('en-US'),
      r.executions.toLocaleString('en-US'),
      fmt(r.deliveries / Math.max(1, r.executions)),
      fmt(median(r.pollMs)),
      fmt(median(r.latenciesMs)),
      fmt(percentile(r.latenciesMs, 0.95)),
      `${fmt(median(r.latenciesMs) / median(one.latenciesMs))}x`,
    ]);
  }
  printTable(
    `Subscription fan-out: ${one.rounds} rounds (every simulator stepped, every account polled), one websocket per subscriber\n` +
      'delivered ms: from the start of the poll round until the last subscriber has the event',
    table,
  );
  const shared = runs.find((r) => r.subscribers === unshared.subscribers && !r.distinctVariables)!;
  console.log(
    `Shared execution at ${shared.subscribers.toLocaleString('en-US')} subscribers: ` +
      `${fmt(unshared.executions / Math.max(1, shared.executions))}x fewer executions, ` +
      `median delivery ${fmt(median(unshared.latenciesMs) / median(shared.latenciesMs))}x faster, ` +
      `p95 ${fmt(percentile(unshared.latenciesMs, 0.95) / percentile(shared.latenciesMs, 0.95))}x faster`,
  );
  // Not assertions (tests prove these); a run that breaks them is flagged so its numbers are not trusted.
  for (const r of runs) {
    if (r.requestsPerRound !== one.requestsPerRound || r.events !== one.events) {
      console.log(`WARNING: ${r.subscribers} subscribers saw other provider requests or events than 1 subscriber`);
    }
    if (r.deliveries !== r.serverDeliveries || r.deliveries !== r.events * r.subscribers) {
      console.log(`WARNING: ${r.subscribers} subscribers: deliveries do not add up (${r.deliveries} received)`);
    }
  }
}

/** 3_600_000 → "1 h", 30_000 → "30 s". */
const duration = (ms: number) =>
  ms >= 3_600_000 ? `${ms / 3_600_000} h` : ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`;

async function pollingBenchmark() {
  const rows: { cost: PollingCost; policy: string; vs: string }[] = [];
  for (const adapter of adapters) {
    const configured = await measurePollingCost(adapter, {});
    const { active, terminal } = configured.intervalMs;
    if (configured.listIncludesSnapshots) {
      rows.push({ cost: configured, policy: 'any (no per-job reads)', vs: '' });
      continue;
    }
    // The same seed and steps without a terminal interval of its own: every job is re-read every round.
    const everyRound = await measurePollingCost(adapter, { intervalMs: { terminal: active } });
    rows.push({ cost: configured, policy: `configured: terminal ${duration(terminal)}`, vs: '1.0x' });
    rows.push({
      cost: everyRound,
      policy: `terminal = active (${duration(active)})`,
      vs: `${fmt(everyRound.requests / configured.requests)}x`,
    });
  }
  const table: string[][] = [
    [
      'provider',
      'listing has status',
      'jobs finished/waiting/active',
      'policy',
      'rounds',
      'requests',
      'requests/round',
      'job reads/round',
      'vs configured',
    ],
  ];
  for (const { cost, policy, vs } of rows) {
    table.push([
      cost.provider,
      cost.listIncludesSnapshots ? 'yes' : 'no',
      `${cost.mix.terminal}/${cost.mix.waiting}/${cost.mix.active}`,
      policy,
      String(cost.rounds),
      String(cost.requests),
      fmt(cost.requests / cost.rounds),
      fmt(cost.lookedUp / cost.rounds),
      vs,
    ]);
  }
  printTable(
    `Polling cost: one account, ${POLL_JOBS} jobs, one simulated hour of rounds at the policy's own cadence\n` +
      '(after the baseline round, which reads every job)',
    table,
  );
}

const benchmarks: Record<string, () => Promise<void>> = {
  cache: cacheBenchmarks,
  fanout: fanOutBenchmark,
  polling: pollingBenchmark,
};
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benchmarks));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')} (known: ${Object.keys(benchmarks).join(', ')})`);
  process.exit(2);
}
for (const [name, run] of Object.entries(benchmarks)) {
  if (wanted.length && !wanted.includes(name)) continue;
  const started = performance.now();
  await run();
  console.log(`(${name}: ${fmt((performance.now() - started) / 1000)} s)`);
}
