/**
 * Benchmarks, measured side by side in one run and reported as ratios (never asserted in tests).
 *
 *   npm run bench                  every benchmark
 *   npm run bench -- fanout        only the named ones: http, index, fanout, polling, startup, store
 *   FANOUT_SIZES=1,1000 npm run bench -- fanout    fewer subscribers (default 1,1000,5000,10000)
 *
 * http     requests per second of job(id) and jobs(first: 50) on the warm gateway (the compiled CLI) vs a stock
 *          Apollo Server 5 with the same schema and data from memory vs a bare node:http server (the ceiling),
 *          autocannon in its own process (bench/http.ts).
 * index    jobs(first: 100) of one account of 100, 1,000 and 10,000 jobs: provider requests and latency of
 *          reads from the job index vs live reads (maxAge: 0), and the gateway's memory per 10,000 jobs.
 * fanout   1, 1,000, 5,000 and 10,000 websocket subscribers on one subscription: provider requests, payload
 *          executions, deliveries per second and latency vs a bare ws broadcast of the same bytes to as many
 *          sockets, memory per idle subscriber; and 1,000 subscribers with distinct variables (nothing shared).
 * polling  provider requests over a simulated hour of polling 200 mostly finished jobs: a listing without status
 *          (AWS) with the configured terminal interval vs re-reading every job each round, and listings with status.
 * startup  the compiled CLI's start-up (--version, --help, import, serve until listening and until its first
 *          answer) as multiples of a bare `node -e 0`, beside the TypeScript sources through tsx.
 * store    events per second committed and delivered on PostgreSQL vs SQLite (one and 50 events per commit),
 *          and delivered on a second instance sharing the PostgreSQL store.
 */
import { arch, cpus, platform, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { registry } from '../src/registry.js';
import { type BroadcastResult, type FanOutResult, measureFanOut, measureRawBroadcast } from './fanout.js';
import { measureHttp, SERVERS } from './http.js';
import { type IndexReadCost, measureIndexReads } from './index.js';
import { measurePollingCost, POLL_JOBS, type PollingCost } from './polling.js';
import { measureStartup } from './startup.js';
import { fmt, median, percentile, printTable } from './stats.js';
import { measureStoreThroughput, postgresMissing, type StoreThroughput, stopPostgres, WRITERS } from './store.js';

const { adapters } = registry;

const ROUNDS = 5;

/** Account sizes of the index benchmark. */
const INDEX_SIZES = [100, 1_000, 10_000];

async function indexBenchmark() {
  const rows: string[][] = [
    [
      'jobs',
      'first round: requests',
      's',
      'index: requests/query',
      'median ms',
      'live (maxAge: 0): requests/query',
      'median ms',
      'live/index time',
      'gateway RSS MB',
    ],
  ];
  const empty = await measureIndexReads(0, 3);
  const costs: IndexReadCost[] = [];
  for (const size of INDEX_SIZES) costs.push(await measureIndexReads(size, ROUNDS));
  for (const c of costs) {
    rows.push([
      c.jobs.toLocaleString('en-US'),
      String(c.baselineRequests),
      fmt(c.baselineMs / 1000),
      fmt(c.indexRequests),
      fmt(median(c.indexMs)),
      fmt(c.liveRequests),
      fmt(median(c.liveMs)),
      `${fmt(median(c.liveMs) / median(c.indexMs))}x`,
      fmt(c.rssMb, 0),
    ]);
  }
  printTable(
    `Index reads vs live reads: jobs(first: 100) of one Azure Import/Export account (resource group), median of ${ROUNDS}\n` +
      'first round: the gateway lists the account and reads each job once (the listing omits drives); after it,\n' +
      'index reads cost no provider request, live reads a whole round (every listing page)',
    rows,
  );
  const largest = costs.at(-1)!;
  const perTenThousand = ((largest.rssMb - empty.rssMb) / largest.jobs) * 10_000;
  console.log(
    `Gateway memory: ${fmt(empty.rssMb, 0)} MB RSS with no job, ${fmt(largest.rssMb, 0)} MB with ${largest.jobs.toLocaleString('en-US')}: ` +
      `${fmt(perTenThousand, 0)} MB per 10,000 indexed jobs`,
  );
}

/** Subscriber counts of the fan-out benchmark (1: the baseline the others are compared with). */
const FANOUT_SIZES = (process.env.FANOUT_SIZES ?? '1,1000,5000,10000').split(',').map(Number);

async function fanOutBenchmark() {
  const runs: FanOutResult[] = [];
  const raw = new Map<number, BroadcastResult>();
  for (const subscribers of FANOUT_SIZES) {
    const run = await measureFanOut(subscribers, false);
    runs.push(run);
    // The same bytes, the same number of events per round, the same number of sockets, right after.
    if (subscribers > 1)
      raw.set(subscribers, await measureRawBroadcast(subscribers, run.eventsPerRound, run.sampleMessage));
  }
  const unshared = await measureFanOut(1_000, true);
  runs.push(unshared);
  const one = runs[0]!;
  const rate = (deliveries: number, roundMs: readonly number[]) =>
    deliveries / (roundMs.reduce((a, b) => a + b, 0) / 1000);
  const table: string[][] = [
    [
      'subscribers',
      'variables',
      'provider requests/round',
      'events',
      'deliveries',
      'executions',
      'deliveries/s',
      'raw ws deliveries/s',
      'vs raw ws',
      'delivered ms: p50',
      'p99',
      'raw ws p50',
      'raw ws p99',
      'idle KB/subscriber',
      'raw ws idle KB/socket',
    ],
  ];
  for (const r of runs) {
    const broadcast = r.distinctVariables ? undefined : raw.get(r.subscribers);
    const gatewayRate = rate(r.deliveries, r.roundMs);
    const rawRate = broadcast ? rate(broadcast.deliveries, broadcast.roundMs) : Number.NaN;
    table.push([
      r.subscribers.toLocaleString('en-US'),
      r.distinctVariables ? 'distinct' : 'same',
      fmt(r.requestsPerRound),
      String(r.events),
      r.deliveries.toLocaleString('en-US'),
      r.executions.toLocaleString('en-US'),
      fmt(gatewayRate, 0),
      fmt(rawRate, 0),
      broadcast ? `${fmt((gatewayRate / rawRate) * 100, 0)}%` : '',
      fmt(median(r.latenciesMs)),
      fmt(percentile(r.latenciesMs, 0.99)),
      broadcast ? fmt(median(broadcast.latenciesMs)) : '',
      broadcast ? fmt(percentile(broadcast.latenciesMs, 0.99)) : '',
      r.subscribers >= 1_000 ? fmt(r.idleKbPerSubscriber) : '',
      broadcast ? fmt(broadcast.idleKbPerSocket) : '',
    ]);
  }
  printTable(
    `Subscription fan-out: ${one.rounds} rounds (every simulator stepped, every account polled), one websocket per subscriber,\n` +
      'subscribers in a process of their own. delivered ms: from the start of the poll round until the last subscriber\n' +
      "has the event. raw ws: a bare ws server broadcasting the gateway's message bytes to as many sockets, as many\n" +
      "events per round, timed the same way, right after. deliveries/s: deliveries over the rounds' time to the last arrival.\n" +
      'idle KB: JavaScript memory (heap + external, after a collection) per connected idle subscriber or socket',
    table,
  );
  const shared = runs.find((r) => r.subscribers === unshared.subscribers && !r.distinctVariables);
  if (shared)
    console.log(
      `Shared execution at ${shared.subscribers.toLocaleString('en-US')} subscribers: ` +
        `${fmt(unshared.executions / Math.max(1, shared.executions))}x fewer executions, ` +
        `median delivery ${fmt(median(unshared.latenciesMs) / median(shared.latenciesMs))}x faster, ` +
        `p99 ${fmt(percentile(unshared.latenciesMs, 0.99) / percentile(shared.latenciesMs, 0.99))}x faster`,
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

async function startupBenchmark() {
  printTable(
    'Start-up of the compiled CLI, as multiples of a bare node -e 0 (target: --version, --help <= 3x)',
    await measureStartup(),
  );
}

async function storeBenchmark() {
  const missing = postgresMissing();
  if (missing) console.log(`\nStore throughput: PostgreSQL skipped (${missing}); SQLite only`);
  const runs: StoreThroughput[] = [];
  try {
    for (const [eventsPerCommit, events] of [
      [1, 3_000],
      [50, 30_000],
    ] as const) {
      runs.push(await measureStoreThroughput('sqlite', eventsPerCommit, events));
      if (!missing) runs.push(await measureStoreThroughput('postgres', eventsPerCommit, events));
    }
  } finally {
    await stopPostgres();
  }
  const perSecond = (events: number, ms: number) => fmt((events / ms) * 1000, 0);
  const table: string[][] = [
    [
      'store',
      'events/commit',
      'events',
      'committed/s',
      'delivered/s (same instance)',
      'delivered/s (other instance)',
      'committed/s vs SQLite',
    ],
  ];
  for (const r of runs) {
    const sqlite = runs.find((s) => s.store === 'sqlite' && s.eventsPerCommit === r.eventsPerCommit)!;
    table.push([
      r.store,
      String(r.eventsPerCommit),
      r.events.toLocaleString('en-US'),
      perSecond(r.events, r.commitMs),
      perSecond(r.events, r.deliveredMs),
      r.elsewhereMs === undefined ? '-' : perSecond(r.events, r.elsewhereMs),
      `${fmt(sqlite.commitMs / r.commitMs, 2)}x`,
    ]);
  }
  printTable(
    `Store throughput: ${WRITERS} writers (accounts) committing CREATED events with their index rows through the event hub;\n` +
      'delivered: until one subscriber has every event (other instance: a second gateway instance on the same database)',
    table,
  );
}

/** HTTP load per server: rounds x seconds each, after a warm-up. */
const HTTP_ROUNDS = 3;
const HTTP_SECONDS = 5;
const HTTP_CONNECTIONS = 50;

async function httpBenchmark() {
  const bench = await measureHttp({
    rounds: HTTP_ROUNDS,
    durationSeconds: HTTP_SECONDS,
    connections: HTTP_CONNECTIONS,
    seedJobs: 40,
  });
  const table: string[][] = [
    ['query', 'server', 'req/s (median)', 'min', 'max', 'p50 ms', 'p99 ms', 'vs stock Apollo', 'vs bare http'],
  ];
  for (const run of bench.runs) {
    const rate = (server: (typeof SERVERS)[number]) => median(run.results[server].map((r) => r.requestsPerSecond));
    for (const server of SERVERS) {
      const results = run.results[server];
      const rates = results.map((r) => r.requestsPerSecond);
      table.push([
        run.query,
        server === 'gateway' ? 'crossdock' : server === 'apollo' ? 'stock Apollo Server 5' : 'bare node:http',
        fmt(rate(server), 0),
        fmt(Math.min(...rates), 0),
        fmt(Math.max(...rates), 0),
        fmt(median(results.map((r) => r.p50Ms))),
        fmt(median(results.map((r) => r.p99Ms))),
        `${fmt(rate(server) / rate('apollo'), 2)}x`,
        `${fmt(rate(server) / rate('bare'), 2)}x`,
      ]);
    }
  }
  printTable(
    `HTTP requests per second: autocannon (own process), ${bench.connections} connections, ${HTTP_ROUNDS} rounds of ` +
      `${bench.durationSeconds} s per server taking turns; each server in its own process, ${bench.jobsIndexed} jobs indexed\n` +
      'crossdock: the compiled CLI on the sandbox accounts (SQLite store, warm); stock Apollo Server 5: the same schema\n' +
      'and the same data from memory; bare node:http: the same response bytes (the ceiling)',
    table,
  );
  console.log(`Gateway RSS after the load: ${fmt(bench.gatewayRssMb, 0)} MB`);
}

const benchmarks: Record<string, () => Promise<void>> = {
  http: httpBenchmark,
  index: indexBenchmark,
  fanout: fanOutBenchmark,
  polling: pollingBenchmark,
  startup: startupBenchmark,
  store: storeBenchmark,
};
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benchmarks));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')} (known: ${Object.keys(benchmarks).join(', ')})`);
  process.exit(2);
}
// What RESULTS.md records with every run: when, on what.
console.log(
  `crossdock benchmarks, ${new Date().toISOString()}: Node ${process.version}, ${cpus().length} cores ` +
    `(${cpus()[0]?.model ?? 'unknown'}), ${fmt(totalmem() / 1024 ** 3, 0)} GiB memory, ${platform()} ${arch()}`,
);
for (const [name, run] of Object.entries(benchmarks)) {
  if (wanted.length && !wanted.includes(name)) continue;
  const started = performance.now();
  await run();
  console.log(`(${name}: ${fmt((performance.now() - started) / 1000)} s)`);
}
