/**
 * Index reads vs live reads: a dashboard's `jobs(first: 100)` against one Azure Import/Export account of a
 * given size, answered from the gateway's job index vs read live (`maxAge: 0`, a whole round at the provider),
 * side by side in one run. The gateway runs as the real CLI in a child process (SQLite store), so its resident
 * memory is its own; the simulator runs here and counts every request it answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { registry } from '../src/registry.js';
import { runCli } from '../test/helpers/process.js';
import { postGraphQL, startTestSandbox, waitUntil } from '../test/helpers/servers.js';
import { rssMb, writeQuietSandboxConfig } from './build.js';

const DASHBOARD =
  '{ jobs(first: 100) { totalCount edges { node { id state progress { percent } drives { driveId } } } } }';
const LIVE =
  '{ jobs(first: 100, maxAge: 0) { totalCount edges { node { id state progress { percent } drives { driveId } } } } }';

export interface IndexReadCost {
  jobs: number;
  /** Provider requests and time of the account's first complete round (what makes later reads free). */
  baselineRequests: number;
  baselineMs: number;
  indexRequests: number;
  indexMs: number[];
  liveRequests: number;
  liveMs: number[];
  /** Resident memory of the gateway process after the reads. */
  rssMb: number;
}

export async function measureIndexReads(jobs: number, rounds: number): Promise<IndexReadCost> {
  const azure = registry.adapters.filter((a) => a.kind === 'azure-import-export');
  const sandbox = await startTestSandbox({ adapters: azure, seedJobs: jobs, seed: 13 });
  const sim = [...sandbox.simulators.values()][0]!;
  const dir = mkdtempSync(join(tmpdir(), 'crossdock-bench-index-'));
  const config = writeQuietSandboxConfig(dir, sandbox, { providerTimeoutMs: 120_000 });
  const started = performance.now();
  const gateway = runCli(['serve', '--config', config, '--port', '0', '--log-level', 'warn'], {
    cwd: dir,
    env: { PORT: '' },
  });
  try {
    const url = (await gateway.waitForLine(/GraphQL at http:\/\//, 60_000)).match(/(http:\/\/\S+)/)![1]!;
    await waitUntil(
      async () =>
        (
          await postGraphQL<{ accounts: { health: { lastCompleteRoundAt: string | null } }[] }>(
            url,
            '{ accounts { health { lastCompleteRoundAt } } }',
          )
        ).data?.accounts[0]?.health.lastCompleteRoundAt != null,
      'the first complete round',
      600_000,
      100,
    );
    const baselineMs = performance.now() - started;
    const baselineRequests = sim.requests.length;
    const timedQuery = async (query: string) => {
      const before = sim.requests.length;
      const start = performance.now();
      const res = await postGraphQL(url, query);
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      return { ms: performance.now() - start, requests: sim.requests.length - before };
    };
    const cost: IndexReadCost = {
      jobs,
      baselineRequests,
      baselineMs,
      indexRequests: 0,
      indexMs: [],
      liveRequests: 0,
      liveMs: [],
      rssMb: 0,
    };
    for (let round = 0; round < rounds; round++) {
      const index = await timedQuery(DASHBOARD);
      cost.indexMs.push(index.ms);
      cost.indexRequests += index.requests;
      const live = await timedQuery(LIVE);
      cost.liveMs.push(live.ms);
      cost.liveRequests += live.requests;
    }
    cost.indexRequests /= rounds;
    cost.liveRequests /= rounds;
    cost.rssMb = rssMb(gateway.child.pid!);
    return cost;
  } finally {
    await gateway.stop('SIGTERM');
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
