/**
 * providerStats against a hand-computed case: three accounts of two providers whose jobs move through a
 * scripted history on the gateway's clock, observed by real poll rounds (the mirrors commit the transitions to
 * the store), asked over HTTP. The expected figures below are worked out by hand from the script, in hours.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot, JobState } from '../src/sdk/model.js';
import { FakeAccount, snapshot } from './helpers/jobs.js';
import { createTestDatabase, postgresUnavailable, stopPostgres, type TestDatabase } from './helpers/postgres.js';
import { type FakeGateway, startFakeGateway, waitUntil } from './helpers/servers.js';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const H = 3_600_000;
const at = (hours: number) => new Date(T0 + hours * H).toISOString();
const hours = (h: number) => Math.round(h * 3600);

const ALL_KEY = 'viewer-of-every-account-0123456789';
const VIEWER_KEY = 'viewer-of-a1-only-0123456789';

const STATS = `query Stats($since: DateTime, $until: DateTime, $groupBy: StatsGroupBy) {
  providerStats(since: $since, until: $until, groupBy: $groupBy) {
    since until groupBy
    groups {
      key provider providerName accounts jobs
      jobsByState { state count }
      timeInState { state count medianSeconds p90Seconds }
      endToEnd { count medianSeconds p90Seconds }
      finished
      outcomes { state count rate }
      bytesMoved devicesMoved
      stuckCount
      stuck { state since inStateSeconds p90Seconds job { nativeId account state } }
    }
  }
}`;

interface Group {
  key: string;
  provider: string;
  providerName: string;
  accounts: string[];
  jobs: number;
  jobsByState: { state: JobState | null; count: number }[];
  timeInState: { state: JobState; count: number; medianSeconds: number | null; p90Seconds: number | null }[];
  endToEnd: { count: number; medianSeconds: number | null; p90Seconds: number | null };
  finished: number;
  outcomes: { state: JobState; count: number; rate: number | null }[];
  bytesMoved: number | null;
  devicesMoved: number | null;
  stuckCount: number;
  stuck: {
    state: JobState;
    since: string;
    inStateSeconds: number;
    p90Seconds: number;
    job: { nativeId: string; account: string; state: JobState };
  }[];
}

const noStay = (state: JobState) => ({ state, count: 0, medianSeconds: null, p90Seconds: null });
const outcomes = (completed: number, withErrors: number, failed: number, cancelled: number) => {
  const finished = completed + withErrors + failed + cancelled;
  const rate = (n: number) => (finished ? n / finished : null);
  return [
    { state: 'COMPLETED', count: completed, rate: rate(completed) },
    { state: 'COMPLETED_WITH_ERRORS', count: withErrors, rate: rate(withErrors) },
    { state: 'FAILED', count: failed, rate: rate(failed) },
    { state: 'CANCELLED', count: cancelled, rate: rate(cancelled) },
  ];
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const database of databases.splice(0)) await database.drop();
  await stopPostgres();
});
const noPostgres = postgresUnavailable();
if (noPostgres) console.warn(noPostgres);

/** The same figures from every store: the SQL ones compute their part in SQL. */
const STORES: [string, () => Promise<Record<string, unknown>>][] = [
  ['memory', async () => ({ kind: 'memory' })],
  [
    'sqlite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'crossdock-stats-'));
      dirs.push(dir);
      return { kind: 'sqlite', path: join(dir, 'store.sqlite') };
    },
  ],
  ...(noPostgres
    ? []
    : [
        [
          'postgres',
          async () => {
            const database = await createTestDatabase();
            databases.push(database);
            return { kind: 'postgres', url: database.url };
          },
        ] as [string, () => Promise<Record<string, unknown>>],
      ]),
];

describe.each(STORES)('providerStats on a scripted history (%s store)', (_name, store) => {
  let t: FakeGateway;
  const a1 = new FakeAccount('a1');
  const a2 = new FakeAccount('a2');
  const b1 = new FakeAccount('b1');

  /** Sets the provider's jobs, moves the clock to `h` hours and runs one poll round of every account. */
  async function round(h: number, changes: [FakeAccount, JobSnapshot][] = [], opts: { failing?: FakeAccount } = {}) {
    for (const [account, job] of changes) account.set(job);
    t.clock.now = T0 + h * H;
    opts.failing?.failNext();
    for (const account of [a1, a2, b1]) {
      await t.gateway.pollNow(account.name).catch((error: unknown) => {
        if (account !== opts.failing) throw error;
      });
    }
  }

  const job = (id: string, state: JobState, extra: Partial<JobSnapshot> = {}) => snapshot(id, state, extra);
  const bytes = (n: number) => ({
    progress: { percent: null, bytesTransferred: n, itemsProcessed: null, message: null },
  });

  beforeAll(async () => {
    const storeConfig = await store();
    t = await startFakeGateway({
      accounts: [
        { kind: 'alpha', client: a1 },
        { kind: 'alpha', client: a2 },
        { kind: 'beta', client: b1 },
      ],
      startMs: T0,
      configure: (config) => ({
        ...config,
        store: storeConfig,
        auth: {
          apiKeys: [
            { name: 'ops', key: ALL_KEY, role: 'viewer' },
            { name: 'a1-viewer', key: VIEWER_KEY, role: 'viewer', accounts: ['a1'] },
          ],
        },
      }),
    });
    // On PostgreSQL the instance polls an account once it holds its lease (taken at start).
    await waitUntil(() => [...t.gateway.observation.all()].every((m) => m.holdsLease), 'the accounts’ leases');
    // 0 h, the baseline: jobs found in a state have no known start.
    await round(0, [
      [a1, job('old', 'COMPLETED', { createdAt: at(-100) })],
      [a1, job('base', 'RECEIVED', { createdAt: at(-10) })],
      [b1, job('h0', 'TRANSFERRING', { createdAt: at(-5) })],
    ]);
    await round(1, [
      [a1, job('j1', 'CREATING', { createdAt: at(0.5) })],
      [b1, job('h1', 'CREATING', { createdAt: at(1) })],
    ]);
    await round(2, [
      [a2, job('k1', 'CREATING', { createdAt: null })],
      [b1, job('h1', 'TRANSFERRING', { createdAt: at(1) })],
    ]);
    await round(3, [[a1, job('j1', 'SHIPPING', { createdAt: at(0.5) })]]);
    await round(4, [[a1, job('base', 'TRANSFERRING', { createdAt: at(-10) })]]);
    await round(5, [[a2, job('k2', 'CREATING', { createdAt: at(5) })]]);
    await round(6, [[a2, job('k1', 'CANCELLED', { createdAt: null })]]);
    await round(7, [[a1, job('j1', 'RECEIVED', { createdAt: at(0.5) })]]);
    await round(8, [[b1, job('h1', 'FAILED', { createdAt: at(1) })]]);
    await round(9, [
      [a1, job('j1', 'TRANSFERRING', { createdAt: at(0.5) })],
      [a1, job('base', 'COMPLETED', { createdAt: at(-10), ...bytes(1e12) })],
    ]);
    await round(10, [[b1, job('h2', 'CREATING', { createdAt: at(10) })]]);
    // 11 h: b1's round fails, so what it reports next happened at some unknown time before 12 h.
    await round(11, [], { failing: b1 });
    await round(12, [[b1, job('h2', 'TRANSFERRING', { createdAt: at(10) })]]);
    // 13 h: a new provider word for the same state is no new stay.
    await round(13, [[b1, job('h2', 'TRANSFERRING', { createdAt: at(10), providerState: 'Copying' })]]);
    await round(14, [[b1, job('h2', 'COMPLETED', { createdAt: at(10) })]]);
    await round(15, [[a1, job('j1', 'COMPLETED_WITH_ERRORS', { createdAt: at(0.5), ...bytes(2e12) })]]);
    t.clock.now = T0 + 20 * H;
  }, 60_000);
  afterAll(() => t?.dispose());

  const stats = async (variables: Record<string, unknown>, key: string) => {
    const result = await t.query<{ providerStats: { since: string; until: string; groups: Group[] } }>(
      STATS,
      variables,
      { authorization: `Bearer ${key}` },
    );
    expect(result.errors).toBeUndefined();
    return result.data!.providerStats;
  };
  it('compares the providers over the whole window, as computed by hand', async () => {
    const result = await stats({ since: at(0), until: at(20), groupBy: 'PROVIDER' }, ALL_KEY);
    expect(result).toMatchObject({ since: at(0), until: at(20) });
    const [alpha, beta] = result.groups;
    expect(result.groups).toHaveLength(2);
    expect(alpha).toEqual({
      key: 'alpha',
      provider: 'alpha',
      providerName: 'Fake alpha',
      accounts: ['a1', 'a2'],
      jobs: 5,
      jobsByState: [
        { state: 'CREATING', count: 1 },
        { state: 'COMPLETED', count: 2 },
        { state: 'COMPLETED_WITH_ERRORS', count: 1 },
        { state: 'CANCELLED', count: 1 },
      ],
      timeInState: [
        // j1 2 h (1 → 3), k1 4 h (2 → 6): median 3 h, p90 2 + 0.9 × 2 = 3.8 h.
        { state: 'CREATING', count: 2, medianSeconds: hours(3), p90Seconds: hours(3.8) },
        { state: 'SHIPPING', count: 1, medianSeconds: hours(4), p90Seconds: hours(4) },
        // j1 2 h (7 → 9); base's stay in RECEIVED began before the baseline: not measured.
        { state: 'RECEIVED', count: 1, medianSeconds: hours(2), p90Seconds: hours(2) },
        // base 5 h (4 → 9), j1 6 h (9 → 15): median 5.5 h, p90 5 + 0.9 × 1 = 5.9 h.
        { state: 'TRANSFERRING', count: 2, medianSeconds: hours(5.5), p90Seconds: hours(5.9) },
        noStay('PACKAGING'),
      ],
      // k1 2 → 6 (no creation time: its CREATED observation) 4 h, j1 0.5 → 15 14.5 h, base −10 → 9 19 h:
      // median 14.5 h, p90 at rank 1.8: 14.5 + 0.8 × 4.5 = 18.1 h. 'old' was found finished: not counted.
      endToEnd: { count: 3, medianSeconds: hours(14.5), p90Seconds: hours(18.1) },
      finished: 3,
      outcomes: outcomes(1, 1, 0, 1),
      bytesMoved: 3e12,
      devicesMoved: null,
      // k2 in CREATING since 5 h: 15 h at 20 h, over alpha's CREATING p90 of 3.8 h.
      stuckCount: 1,
      stuck: [
        {
          state: 'CREATING',
          since: at(5),
          inStateSeconds: hours(15),
          p90Seconds: hours(3.8),
          job: { nativeId: 'k2', account: 'a2', state: 'CREATING' },
        },
      ],
    });
    expect(beta).toEqual({
      key: 'beta',
      provider: 'beta',
      providerName: 'Fake beta',
      accounts: ['b1'],
      jobs: 3,
      jobsByState: [
        { state: 'TRANSFERRING', count: 1 },
        { state: 'COMPLETED', count: 1 },
        { state: 'FAILED', count: 1 },
      ],
      timeInState: [
        // h1 1 h (1 → 2); h2's CREATING ended after the gap (10 → 12): left out.
        { state: 'CREATING', count: 1, medianSeconds: hours(1), p90Seconds: hours(1) },
        noStay('SHIPPING'),
        noStay('RECEIVED'),
        // h1 6 h (2 → 8); h2's began after the gap (12 → 14, the 13 h word change is no boundary): left out.
        { state: 'TRANSFERRING', count: 1, medianSeconds: hours(6), p90Seconds: hours(6) },
        noStay('PACKAGING'),
      ],
      // h1 1 → 8 7 h, h2 10 → 14 4 h: median 5.5 h, p90 4 + 0.9 × 3 = 6.7 h.
      endToEnd: { count: 2, medianSeconds: hours(5.5), p90Seconds: hours(6.7) },
      finished: 2,
      outcomes: outcomes(1, 0, 1, 0),
      bytesMoved: null,
      devicesMoved: null,
      // h0 found in TRANSFERRING at 0 h: at least 20 h, over beta's TRANSFERRING p90 of 6 h.
      stuckCount: 1,
      stuck: [
        {
          state: 'TRANSFERRING',
          since: at(0),
          inStateSeconds: hours(20),
          p90Seconds: hours(6),
          job: { nativeId: 'h0', account: 'b1', state: 'TRANSFERRING' },
        },
      ],
    });
  });

  it('groups by account, still measuring stuck jobs against their provider', async () => {
    const { groups } = await stats({ since: at(0), until: at(20), groupBy: 'ACCOUNT' }, ALL_KEY);
    expect(groups.map((g) => [g.key, g.provider, g.accounts])).toEqual([
      ['a1', 'alpha', ['a1']],
      ['a2', 'alpha', ['a2']],
      ['b1', 'beta', ['b1']],
    ]);
    const a2Group = groups[1]!;
    expect(a2Group.timeInState[0]).toEqual({
      state: 'CREATING',
      count: 1,
      medianSeconds: hours(4),
      p90Seconds: hours(4),
    });
    expect(a2Group.outcomes).toEqual(outcomes(0, 0, 0, 1));
    expect(a2Group.endToEnd).toEqual({ count: 1, medianSeconds: hours(4), p90Seconds: hours(4) });
    // a2's own CREATING p90 is 4 h; alpha's (both accounts) 3.8 h is the measure.
    expect(a2Group.stuck.map((s) => [s.job.nativeId, s.p90Seconds])).toEqual([['k2', hours(3.8)]]);
    expect(groups[0]!.stuckCount).toBe(0);
  });

  it('takes durations and outcomes from the window only', async () => {
    // From 8.5 h: the stays and ends before it drop out (k1 ended at 6 h, h1 at 8 h).
    const { groups } = await stats({ since: at(8.5), until: at(20) }, ALL_KEY);
    const [alpha, beta] = groups;
    expect(alpha!.timeInState.filter((s) => s.count > 0)).toEqual([
      { state: 'RECEIVED', count: 1, medianSeconds: hours(2), p90Seconds: hours(2) },
      { state: 'TRANSFERRING', count: 2, medianSeconds: hours(5.5), p90Seconds: hours(5.9) },
    ]);
    expect(alpha!.finished).toBe(2);
    expect(alpha!.outcomes).toEqual(outcomes(1, 1, 0, 0));
    // No CREATING stay ended in the window: nothing to call k2 stuck against.
    expect(alpha!.stuckCount).toBe(0);
    // Jobs by state are the index now, whatever the window.
    expect(alpha!.jobs).toBe(5);
    expect(beta!.outcomes).toEqual(outcomes(1, 0, 0, 0));
    expect(beta!.timeInState.every((s) => s.count === 0)).toBe(true);
    expect(beta!.stuckCount).toBe(0);
  });

  it('counts only the accounts the caller may see', async () => {
    const { groups } = await stats({ since: at(0), until: at(20) }, VIEWER_KEY);
    expect(groups.map((g) => [g.key, g.accounts])).toEqual([['alpha', ['a1']]]);
    const [alpha] = groups;
    expect(alpha!.jobs).toBe(3);
    expect(alpha!.finished).toBe(2); // base and j1; k1 is a2's
    // CREATING at alpha, from a1 alone: j1's 2 h.
    expect(alpha!.timeInState[0]).toMatchObject({ count: 1, medianSeconds: hours(2) });
    expect(alpha!.stuck).toEqual([]);
  });

  it('refuses a window that ends before it starts, naming the argument', async () => {
    const result = await t.query(STATS, { since: at(5), until: at(5) }, { authorization: `Bearer ${ALL_KEY}` });
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'since' });
    const first = await t.query(
      '{ providerStats { groups { stuck(first: 5000) { state } } } }',
      {},
      { authorization: `Bearer ${ALL_KEY}` },
    );
    expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});
