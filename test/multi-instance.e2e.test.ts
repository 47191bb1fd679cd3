/**
 * Several gateway instances on one PostgreSQL, as an operator runs them: the sandbox's simulators, and three
 * `crossdock serve` processes sharing one database. One poller per account across them (provider requests of
 * three instances equal one instance's), accounts spread over the instances, every change delivered to the
 * subscribers of every instance exactly once and in the same order, a subscriber of a killed instance resuming
 * on another with its cursor, the killed holder's account taken over within one lease period, and a create
 * retried on another instance replayed from the shared idempotency key.
 *
 * Needs PostgreSQL (see test/helpers/postgres.ts): skipped without it, except in CI, where it fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sampleCreateInput } from '../adapters/azure-import-export/test-inputs.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { createTestDatabase, postgresUnavailable, stopPostgres, type TestDatabase } from './helpers/postgres.js';
import { type CliProcess, runCli } from './helpers/process.js';
import { connectWs, postGraphQL, startTestSandbox, type WsClient, waitUntil } from './helpers/servers.js';

const noPostgres = postgresUnavailable();
if (noPostgres) console.warn(noPostgres);

const LEASE_TTL_MS = 3_000;
const INTERVAL_MS = 300;
/** How long provider requests are counted, for three instances and for one. */
const WINDOW_MS = 5_000;
const AZURE = 'sandbox-azure-import-export';

const EVENTS = `subscription ($after: String) { jobEvents(after: $after) { cursor kind job { id account } } }`;

interface Instance {
  cli: CliProcess;
  url: string;
  pid: number;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});
afterAll(stopPostgres);

const seqOf = (cursor: string) => Number(Buffer.from(cursor, 'base64url').toString('utf8').split(':')[2]);

async function database(): Promise<{ url: string; sql: pg.Client }> {
  const db: TestDatabase = await createTestDatabase();
  cleanups.push(() => db.drop());
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  cleanups.push(() => sql.end());
  return { url: db.url, sql };
}

function configFile(sandbox: Sandbox, url: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'crossdock-multi-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'crossdock.json');
  writeFileSync(
    file,
    JSON.stringify({
      ...sandbox.description,
      store: { kind: 'postgres', url, leaseTtlMs: LEASE_TTL_MS, catchUpIntervalMs: 500 },
      polling: { intervalMs: { active: INTERVAL_MS, waiting: INTERVAL_MS, terminal: 1_000 }, jitter: 0 },
    }),
  );
  return file;
}

async function startInstances(file: string, count: number): Promise<Instance[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const cli = runCli(['serve', '--config', file, '--port', '0', '--log-level', 'warn']);
      cleanups.push(() => cli.stop());
      const line = await cli.waitForLine(/GraphQL at http:\/\//, 60_000);
      return { cli, url: /(http:\/\/\S+)/.exec(line)![1]!, pid: cli.child.pid! };
    }),
  );
}

/** Who holds each account's lease now: account → pid of the holding process. */
async function holders(sql: pg.Client): Promise<Map<string, number>> {
  const { rows } = await sql.query('SELECT account, owner FROM crossdock_leases WHERE expires_at > now()');
  return new Map(rows.map((r) => [String(r.account), Number(String(r.owner).split(':').at(-2))]));
}

async function baselined(sql: pg.Client): Promise<number> {
  const { rows } = await sql.query('SELECT COUNT(*) AS n FROM crossdock_accounts WHERE baselined_at IS NOT NULL');
  return Number(rows[0].n);
}

async function loggedSeqs(sql: pg.Client, after: number): Promise<number[]> {
  const { rows } = await sql.query(
    'SELECT seq FROM crossdock_events WHERE seq > $1 AND body IS NOT NULL ORDER BY seq',
    [after],
  );
  return rows.map((r) => Number(r.seq));
}

/** The provider requests each simulated account answered from now on, over `ms`. */
async function requestsDuring(sandbox: Sandbox, ms: number): Promise<Map<string, number>> {
  const count = () => new Map([...sandbox.simulators].map(([account, sim]) => [account, sim.requests.length]));
  const before = count();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return new Map([...count()].map(([account, n]) => [account, n - before.get(account)!]));
}

const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

/** Starts `count` instances and waits until every account is observed and the accounts are spread over them. */
async function cluster(sandbox: Sandbox, count: number) {
  const { url, sql } = await database();
  const instances = await startInstances(configFile(sandbox, url), count);
  const accounts = sandbox.description.providers.length;
  await waitUntil(
    async () => {
      const held = await holders(sql);
      return held.size === accounts && new Set(held.values()).size === Math.min(count, accounts);
    },
    'every account leased, spread over the instances',
    30_000,
    50,
  );
  await waitUntil(async () => (await baselined(sql)) === accounts, 'every account observed', 30_000, 50);
  return { sql, instances };
}

describe.skipIf(noPostgres)('several gateway instances on one PostgreSQL', () => {
  it('poll each account once between them, deliver every change everywhere once, fail over, share keys', async () => {
    const sandbox = await startTestSandbox({ seedJobs: 8, seed: 7, autopilot: true });
    cleanups.push(() => sandbox.close());

    // One instance alone, then three on a database of their own: the same simulators, unchanged meanwhile.
    const single = await cluster(sandbox, 1);
    const requestsOne = await requestsDuring(sandbox, WINDOW_MS);
    await Promise.all(single.instances.map((i) => i.cli.stop()));
    const { sql, instances } = await cluster(sandbox, 3);
    const requestsThree = await requestsDuring(sandbox, WINDOW_MS);

    // Subscribers on every instance, from one cursor.
    const latest = await postGraphQL<{ latestJobEventCursor: string }>(
      `${instances[0]!.url}`,
      '{ latestJobEventCursor }',
    );
    const start = latest.data!.latestJobEventCursor;
    const clients: WsClient[] = [];
    const connect = (url: string) => {
      const client = connectWs(url.replace(/^http/, 'ws'));
      clients.push(client);
      cleanups.push(() => client.dispose());
      return client;
    };
    const subscribers = instances.map((instance) => ({
      instance,
      parts: [connect(instance.url).subscribe<{ jobEvents: { cursor: string } }>(EVENTS, { after: start })],
    }));
    const received = (s: (typeof subscribers)[number]) =>
      s.parts.flatMap((part) => part.results.map((r) => r.data?.jobEvents.cursor ?? 'error'));

    const step = async () => {
      const before = (await loggedSeqs(sql, seqOf(start))).length;
      for (const sim of sandbox.simulators.values()) sim.step();
      // Paces the lifecycle: the next step once this one's changes are logged (or after a while, if none).
      await waitUntil(
        async () => (await loggedSeqs(sql, seqOf(start))).length > before,
        'changes logged',
        5_000,
        50,
      ).catch(() => undefined);
    };
    for (let i = 0; i < 4; i++) await step();

    // Kill the instance polling the Azure account, mid-lifecycle, without a chance to release its lease.
    const victimPid = (await holders(sql)).get(AZURE)!;
    const victim = subscribers.find((s) => s.instance.pid === victimPid)!;
    const survivors = subscribers.filter((s) => s !== victim);
    const killedAt = Date.now();
    victim.instance.cli.child.kill('SIGKILL');
    await victim.instance.cli.exited;
    await step(); // a change while nobody polls the account
    await waitUntil(
      async () => {
        const holder = (await holders(sql)).get(AZURE);
        return holder !== undefined && holder !== victimPid;
      },
      'another instance polls the account',
      LEASE_TTL_MS * 4,
      20,
    );
    const failoverMs = Date.now() - killedAt;

    // The killed instance's subscriber resumes on another instance, from the last cursor it got.
    const resumeFrom = received(victim).at(-1) ?? start;
    victim.parts.push(connect(survivors[0]!.instance.url).subscribe(EVENTS, { after: resumeFrom }));
    for (let i = 0; i < 4; i++) await step();

    // A create retried on another instance replays: one job, one provider call.
    const azure = sandbox.simulators.get(AZURE)!;
    const creates = () => azure.requests.filter((r) => r.operation === 'Jobs_Create').length;
    const createsBefore = creates();
    const input = { account: AZURE, idempotencyKey: 'multi-instance-1', azureImportExport: sampleCreateInput() };
    const CREATE = `mutation ($input: CreateJobInput!) {
      createJob(input: $input) { replayed job { id } errors { code message } } }`;
    type Created = { createJob: { replayed: boolean; job: { id: string } | null; errors: unknown[] } };
    // Created where the account is not polled: its poller first sees the job in a round, already indexed.
    const poller = (await holders(sql)).get(AZURE);
    const [elsewhere, atPoller] = [...survivors].sort((a, b) =>
      a.instance.pid === poller ? 1 : b.instance.pid === poller ? -1 : 0,
    );
    const first = await postGraphQL<Created>(elsewhere!.instance.url, CREATE, { input });
    const retry = await postGraphQL<Created>(atPoller!.instance.url, CREATE, { input });
    expect(first.data?.createJob).toMatchObject({ replayed: false, errors: [] });
    expect(retry.data?.createJob).toEqual({ ...first.data!.createJob, replayed: true });
    expect(creates() - createsBefore).toBe(1);
    const createdAt = Date.now();
    await waitUntil(
      async () => {
        const { rows } = await sql.query('SELECT last_round_started_ms FROM crossdock_accounts WHERE account = $1', [
          AZURE,
        ]);
        return Number(rows[0]?.last_round_started_ms) > createdAt;
      },
      "a round of the account's poller after the create",
      10_000,
      50,
    );

    // Every subscriber ends with exactly the log, in its order.
    let logged: number[] = [];
    await waitUntil(
      async () => {
        logged = await loggedSeqs(sql, seqOf(start));
        return subscribers.every((s) => received(s).length >= logged.length);
      },
      'every subscriber has every logged event',
      30_000,
      50,
    );
    const delivered = subscribers.map((s) => received(s).map(seqOf));
    const duplicates = delivered.map((seqs) => seqs.length - new Set(seqs).size);
    const missed = delivered.map((seqs) => logged.filter((seq) => !seqs.includes(seq)).length);
    // No job announced twice, although two instances recorded the created one (its creator and its poller).
    const announcedTwice = await sql.query(
      "SELECT native_id FROM crossdock_events WHERE kind = 'CREATED' GROUP BY account, native_id HAVING COUNT(*) > 1",
    );
    expect(announcedTwice.rows).toEqual([]);
    const changesOfKilledAccount = await sql.query(
      'SELECT COUNT(*) AS n FROM crossdock_events WHERE account = $1 AND seq > $2',
      [AZURE, seqOf(start)],
    );

    console.log(
      [
        'multi-instance (3 gateway processes, one PostgreSQL):',
        `  events delivered: ${logged.length} to each of ${subscribers.length} subscribers (${delivered.flat().length} in all)`,
        `  duplicates: ${duplicates.reduce((a, b) => a + b, 0)}`,
        `  missed: ${missed.reduce((a, b) => a + b, 0)}`,
        `  failover: ${failoverMs} ms from SIGKILL to the account's new poller (lease period ${LEASE_TTL_MS} ms)`,
        `  provider requests in ${WINDOW_MS / 1000} s: 3 instances ${total(requestsThree)} vs 1 instance ${total(requestsOne)} (${(total(requestsThree) / total(requestsOne)).toFixed(2)}x)`,
      ].join('\n'),
    );

    expect(logged.length).toBeGreaterThan(10);
    expect(Number(changesOfKilledAccount.rows[0].n)).toBeGreaterThan(0);
    expect(duplicates).toEqual([0, 0, 0]);
    expect(missed).toEqual([0, 0, 0]);
    for (const seqs of delivered) expect(seqs).toEqual(logged);
    expect(failoverMs).toBeLessThan(LEASE_TTL_MS + 2_000);
    // Each account's rounds run at the same cadence whatever the number of instances: one poller per account
    // (three would make it about 3x). The bounds leave room for a busy machine stretching rounds unevenly.
    for (const [account, one] of requestsOne) {
      const ratio = requestsThree.get(account)! / one;
      expect(ratio, account).toBeGreaterThan(0.6);
      expect(ratio, account).toBeLessThan(1.5);
    }
  }, 240_000);
});
