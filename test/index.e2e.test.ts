/**
 * The job index at a realistic size, as a user runs it: 3 accounts × 5,000 jobs (one per provider, simulators
 * in this process), the gateway as a real CLI process on an SQLite store. After the first complete round,
 * dashboard queries — filters, paging, counts, lookups by id — cost the providers nothing, counts match what
 * the providers list, and the gateway process stays well within its memory budget.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../src/registry.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { listAll } from './adapter-contract.js';
import { truthClient } from './helpers/events.js';
import { type CliProcess, runCli } from './helpers/process.js';
import { postGraphQL, startTestSandbox, waitUntil } from './helpers/servers.js';

const JOBS_PER_ACCOUNT = 5_000;
/** The budget the gateway must stay under with 15,000 indexed jobs (issue 10). */
const RSS_BUDGET_MB = 400;

interface Page {
  jobs: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: {
      node: {
        id: string;
        account: string;
        provider: string;
        state: string | null;
        type: string;
        createdAt: string | null;
      };
    }[];
  };
}
const JOBS = /* GraphQL */ `
  query($first: Int, $after: String, $filter: JobFilter) {
    jobs(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id account provider state type createdAt observedAt drives { driveId } } }
    }
  }
`;

/** Resident memory of a process in MB: /proc where there is one (Linux, CI), `ps` elsewhere. */
function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // not Linux
  }
  return (
    Number(
      execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
        .toString()
        .trim(),
    ) / 1024
  );
}

describe(`the job index with 3 accounts × ${JOBS_PER_ACCOUNT} jobs`, () => {
  let sandbox: Sandbox;
  let dir: string;
  let gateway: CliProcess;
  let url: string;
  const requests = () => [...sandbox.simulators.values()].reduce((n, s) => n + s.requests.length, 0);
  const query = async <T>(text: string, variables?: Record<string, unknown>) => {
    const res = await postGraphQL<T>(url, text, variables);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data!;
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox({ seed: 3, seedJobs: JOBS_PER_ACCOUNT });
    dir = mkdtempSync(join(tmpdir(), 'crossdock-index-'));
    const config = join(dir, 'crossdock.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        ...sandbox.description,
        // AWS lists ids only: the first round reads every job, 16 at a time in batches of 200.
        providers: sandbox.description.providers.map((p) =>
          p.kind === 'aws-import-export' ? { ...p, statusConcurrency: 16 } : p,
        ),
        store: { kind: 'sqlite', path: join(dir, 'index.sqlite') },
        // The first round runs at start; no other round during the test.
        polling: { intervalMs: { active: 3_600_000, waiting: 3_600_000 }, batchSize: 200 },
      }),
    );
    gateway = runCli(['serve', '--config', config, '--port', '0', '--log-level', 'warn'], {
      cwd: dir,
      env: { PORT: '' },
    });
    url = (await gateway.waitForLine(/GraphQL at http:\/\//)).match(/(http:\/\/\S+)/)![1]!;
    await waitUntil(
      async () => {
        const res = await postGraphQL<{ accounts: { health: { lastCompleteRoundAt: string | null } }[] }>(
          url,
          '{ accounts { health { lastCompleteRoundAt } } }',
        );
        return (res.data?.accounts ?? []).every((a) => a.health.lastCompleteRoundAt !== null);
      },
      'the first complete round of every account',
      180_000,
      200,
    );
  }, 240_000);
  afterAll(async () => {
    await gateway?.stop('SIGKILL');
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers dashboard queries with filters and paging, and lookups by id, with 0 provider requests', async () => {
    // What the providers list (asked before counting, with clients of the test's own).
    const listed = new Map<string, number>();
    for (const sim of sandbox.simulators.values()) {
      const adapter = registry.adapters.find((a) => a.kind === sim.account.kind)!;
      const client = truthClient(adapter, sandbox, sim.account.account);
      listed.set(sim.account.account, (await listAll(client)).length);
      await client.dispose();
    }
    expect([...listed.values()]).toEqual([JOBS_PER_ACCOUNT, JOBS_PER_ACCOUNT, JOBS_PER_ACCOUNT]);
    const before = requests();
    const page = (variables: Record<string, unknown>) => query<Page>(JOBS, { first: 50, ...variables });

    const all = await page({});
    expect(all.jobs.totalCount).toBe(3 * JOBS_PER_ACCOUNT);
    for (const [account, count] of listed) {
      expect((await page({ filter: { accounts: [account] } })).jobs.totalCount).toBe(count);
    }
    // Five pages on: no job twice, newest first.
    const seen: string[] = [];
    let after = all.jobs.pageInfo.endCursor;
    seen.push(...all.jobs.edges.map((e) => e.node.id));
    for (let i = 0; i < 5; i++) {
      const next = await page({ after });
      seen.push(...next.jobs.edges.map((e) => e.node.id));
      after = next.jobs.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(300);
    // Filters: each result holds only what it asked for, and its count is what paging through it finds.
    const filters: Record<string, unknown>[] = [
      { states: ['TRANSFERRING', 'RECEIVED'] },
      { states: ['CREATING', 'SHIPPING'] },
      { states: ['COMPLETED'], types: ['EXPORT'] },
      { providers: ['aws-import-export'], states: ['CANCELLED', 'FAILED'] },
      { providers: ['azure-import-export'], states: ['COMPLETED_WITH_ERRORS'] },
      { providers: ['iot-hub'], types: ['IMPORT'] },
      { updatedSince: new Date(Date.now() - 7 * 86_400_000).toISOString() },
    ];
    let readWhole = 0;
    for (const filter of filters) {
      const first = await page({ filter });
      expect(first.jobs.totalCount, JSON.stringify(filter)).toBeGreaterThan(0);
      const second = first.jobs.pageInfo.hasNextPage
        ? await page({ filter, after: first.jobs.pageInfo.endCursor })
        : first;
      expect(second.jobs.totalCount).toBe(first.jobs.totalCount);
      const states = filter.states as string[] | undefined;
      for (const { node } of [...first.jobs.edges, ...second.jobs.edges]) {
        if (states) expect(states).toContain(node.state);
        if (filter.types) expect(filter.types).toContain(node.type);
        if (filter.providers) expect(filter.providers).toContain(node.provider);
      }
      const times = first.jobs.edges.map((e) => Date.parse(e.node.createdAt ?? '0'));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      if (first.jobs.totalCount <= 1_000) {
        const whole = await page({ filter, first: 1_000 });
        expect(whole.jobs.edges.length).toBe(first.jobs.totalCount);
        readWhole += 1;
      }
    }
    expect(readWhole, 'filters small enough to read whole').toBeGreaterThan(0);

    // By id: job, node and nodes of indexed jobs.
    const ids = seen.slice(0, 50);
    const one = await query<{ job: { id: string } }>('query($id: ID!) { job(id: $id) { id state history { to } } }', {
      id: ids[7],
    });
    expect(one.job.id).toBe(ids[7]);
    const many = await query<{ nodes: { id: string }[] }>('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids });
    expect(many.nodes.map((n) => n.id)).toEqual(ids);

    expect(requests() - before).toBe(0);
  });

  it(`keeps the gateway process under ${RSS_BUDGET_MB} MB of resident memory with ${3 * JOBS_PER_ACCOUNT} jobs indexed`, async () => {
    const mb = rssMb(gateway.child.pid!);
    console.log(`gateway RSS with ${3 * JOBS_PER_ACCOUNT} indexed jobs: ${mb.toFixed(0)} MB`);
    expect(mb).toBeGreaterThan(20);
    expect(mb).toBeLessThan(RSS_BUDGET_MB);
  });
});
