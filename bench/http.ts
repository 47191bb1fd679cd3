/**
 * Requests per second over HTTP, side by side in one run: the gateway (the compiled CLI on the sandbox's
 * accounts, SQLite store, warm: every account observed) against a stock Apollo Server 5 serving the same schema
 * and the same data from memory, and against a bare node:http server returning the same response bytes (the
 * ceiling). Each server runs in a process of its own, and so does the load (autocannon, 50 connections); the
 * servers take turns, round after round, so that a busy machine slows them alike. Every answer is checked to be
 * the same JSON before any load is applied.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { printGatewaySchema } from '../src/graphql/schema.js';
import { registry } from '../src/registry.js';
import { type CliProcess, runNode } from '../test/helpers/process.js';
import { postGraphQL, startTestSandbox, waitUntil } from '../test/helpers/servers.js';
import { bin, buildOnce, root, rssMb, writeQuietSandboxConfig } from './build.js';

/** A job page for a frontend: what `job(id)` asks in the benchmark. */
export const JOB_QUERY = /* GraphQL */ `query Job($id: ID!) {
  job(id: $id) {
    id name provider account nativeId type state providerState createdAt updatedAt
    progress { percent bytesTransferred itemsProcessed message }
    drives { driveId state percentComplete }
    allowedActions
  }
}`;

/** A dashboard's list. */
export const JOBS_QUERY = /* GraphQL */ `query Jobs {
  jobs(first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id name provider account state providerState updatedAt progress { percent } } }
  }
}`;

const autocannon = join(createRequire(import.meta.url).resolve('autocannon/package.json'), '..', 'autocannon.js');

export const SERVERS = ['gateway', 'apollo', 'bare'] as const;
export type ServerName = (typeof SERVERS)[number];

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface HttpRun {
  query: 'job(id)' | 'jobs(first: 50)';
  /** Per server: one result per round. */
  results: Record<ServerName, LoadResult[]>;
}

export interface HttpBenchmark {
  connections: number;
  durationSeconds: number;
  runs: HttpRun[];
  /** Gateway resident memory after the load. */
  gatewayRssMb: number;
  jobsIndexed: number;
}

/** One autocannon run in a process of its own; throws on any error or non-2xx answer. */
function load(url: string, body: string, connections: number, seconds: number): Promise<LoadResult> {
  const args = [autocannon, '-j', '-n', '-c', String(connections), '-d', String(seconds), '-m', 'POST'];
  args.push('-H', 'content-type=application/json', '-b', body, url);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += String(d);
  });
  child.stderr.on('data', (d) => {
    err += String(d);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${err.slice(0, 500)}`));
      const r = JSON.parse(out) as {
        requests: { average: number };
        latency: { p50: number; p99: number };
        errors: number;
        non2xx: number;
        timeouts: number;
      };
      if (r.errors || r.non2xx || r.timeouts)
        return reject(new Error(`${url}: ${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts`));
      resolve({ requestsPerSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99 });
    });
  });
}

async function startProcess(args: string[], pattern: RegExp): Promise<{ process: CliProcess; url: string }> {
  const started = runNode(args, { cwd: root });
  try {
    const line = await started.waitForLine(pattern, 60_000);
    return { process: started, url: line.match(/(http:\/\/\S+)/)![1]! };
  } catch (error) {
    await started.stop();
    throw error;
  }
}

async function postRaw(url: string, body: string): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

export async function measureHttp(opts: {
  rounds: number;
  durationSeconds: number;
  connections: number;
  seedJobs: number;
}): Promise<HttpBenchmark> {
  buildOnce();
  const sandbox = await startTestSandbox({ seedJobs: opts.seedJobs, seed: 21 });
  const dir = mkdtempSync(join(tmpdir(), 'crossdock-bench-http-'));
  const running: CliProcess[] = [];
  try {
    // Warm and quiet: observed once, then no poll round while the load runs.
    const config = writeQuietSandboxConfig(dir, sandbox, { limits: { requestsPerMinute: 100_000_000 } });
    const gateway = await startProcess(
      [bin, 'serve', '--config', config, '--port', '0', '--log-level', 'warn'],
      /GraphQL at http:\/\//,
    );
    running.push(gateway.process);
    await waitUntil(
      async () =>
        (
          await postGraphQL<{ accounts: { health: { lastCompleteRoundAt: string | null } }[] }>(
            gateway.url,
            '{ accounts { health { lastCompleteRoundAt } } }',
          )
        ).data?.accounts.every((a) => a.health.lastCompleteRoundAt !== null) === true,
      'every account observed',
      120_000,
      100,
    );
    const first = await postGraphQL<{ jobs: { totalCount: number; edges: { node: { id: string } }[] } }>(
      gateway.url,
      '{ jobs(first: 1) { totalCount edges { node { id } } } }',
    );
    const id = first.data!.jobs.edges[0]!.node.id;
    const bodies = {
      'job(id)': JSON.stringify({ query: JOB_QUERY, variables: { id } }),
      'jobs(first: 50)': JSON.stringify({ query: JOBS_QUERY }),
    } as const;
    const answers = new Map<string, unknown>();
    const responses: Record<string, string> = {};
    for (const body of Object.values(bodies)) {
      const answer = (await postRaw(gateway.url, body)) as { data?: unknown; errors?: unknown };
      if (answer.errors || !answer.data) throw new Error(`the gateway answered with errors: ${JSON.stringify(answer)}`);
      answers.set(body, answer);
      responses[body] = JSON.stringify(answer);
    }
    const fixture = join(dir, 'fixture.json');
    writeFileSync(
      fixture,
      JSON.stringify({
        sdl: await printGatewaySchema(registry, { federation: false }),
        job: { id, data: (answers.get(bodies['job(id)']) as { data: { job: unknown } }).data.job },
        jobs: (answers.get(bodies['jobs(first: 50)']) as { data: { jobs: unknown } }).data.jobs,
        responses,
      }),
    );
    const servers = join(root, 'bench', 'http-servers.mjs');
    const apollo = await startProcess([servers, 'apollo', fixture], /^listening /);
    running.push(apollo.process);
    const bare = await startProcess([servers, 'bare', fixture], /^listening /);
    running.push(bare.process);
    const urls: Record<ServerName, string> = { gateway: gateway.url, apollo: apollo.url, bare: bare.url };
    // Same question, same answer, from all three, before anything is timed.
    for (const body of Object.values(bodies)) {
      for (const server of SERVERS) {
        const answer = await postRaw(urls[server], body);
        if (!isDeepStrictEqual(answer, answers.get(body)))
          throw new Error(`${server} answers ${body} differently: ${JSON.stringify(answer).slice(0, 300)}`);
      }
    }
    const runs: HttpRun[] = [];
    for (const [query, body] of Object.entries(bodies) as [HttpRun['query'], string][]) {
      const run: HttpRun = { query, results: { gateway: [], apollo: [], bare: [] } };
      // Warm-up: JIT, caches and connection pools of every server, not counted.
      for (const server of SERVERS) await load(urls[server], body, opts.connections, 2);
      for (let round = 0; round < opts.rounds; round++) {
        for (const server of SERVERS)
          run.results[server].push(await load(urls[server], body, opts.connections, opts.durationSeconds));
      }
      runs.push(run);
    }
    return {
      connections: opts.connections,
      durationSeconds: opts.durationSeconds,
      runs,
      gatewayRssMb: rssMb(gateway.process.child.pid!),
      jobsIndexed: first.data!.jobs.totalCount,
    };
  } finally {
    await Promise.all(running.map((p) => p.stop('SIGTERM')));
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
