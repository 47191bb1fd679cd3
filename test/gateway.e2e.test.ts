/**
 * The gateway end to end over real sockets: GraphQL over HTTP against the sandbox simulators.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredAdapters } from './helpers/adapters.js';
import { startTestGateway, type TestGateway } from './helpers/servers.js';

const azure = registeredAdapters('azure-import-export');

interface JobsData {
  jobs: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: {
      cursor: string;
      node: {
        id: string;
        provider: string;
        account: string;
        nativeId: string;
        state: string | null;
        providerState: string;
        createdAt: string | null;
        drives: { driveId: string; state: string | null; percentComplete: number | null }[];
      };
    }[];
  };
}

const JOBS = /* GraphQL */ `
  query Jobs($first: Int, $after: String, $filter: JobFilter) {
    jobs(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id provider account nativeId state providerState createdAt drives { driveId state percentComplete } } }
    }
  }
`;
const JOBS_WITH_MAX_AGE = JOBS.replace('$filter: JobFilter)', '$filter: JobFilter, $maxAge: Int)').replace(
  'filter: $filter)',
  'filter: $filter, maxAge: $maxAge)',
);

describe('gateway over the Azure sandbox', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      adapters: azure,
      seedJobs: 24,
      // A second account whose endpoint nothing listens on: its part fails, the rest must not.
      configure: (config) => {
        const providers = config.providers as Record<string, unknown>[];
        return {
          ...config,
          providers: [...providers, { ...providers[0], account: 'azure-down', endpoint: 'https://127.0.0.1:1' }],
        };
      },
    });
  });
  afterAll(() => t?.dispose());

  it('lists the seeded jobs with normalized states and drives, plus an error for the unreachable account', async () => {
    const res = await t.query<JobsData>(JOBS, { first: 50 });
    const edges = res.data!.jobs.edges;
    expect(edges.length).toBe(24);
    expect(res.data!.jobs.totalCount).toBe(24);
    for (const { node } of edges) {
      expect(node.provider).toBe('azure-import-export');
      expect(node.account).toBe('sandbox-azure-import-export');
      expect(node.providerState).toBeTruthy();
    }
    const states = new Set(edges.map((e) => e.node.state));
    expect(states.size).toBeGreaterThan(4);
    expect(edges.some((e) => e.node.drives.length > 0)).toBe(true);

    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      account: 'azure-down',
      provider: 'azure-import-export',
    });
    expect(res.errors![0]!.message).toContain('azure-down');
  });

  it('round-trips every job id through node(id) and nodes(ids)', async () => {
    const res = await t.query<JobsData>(JOBS, { first: 50, filter: { accounts: ['sandbox-azure-import-export'] } });
    expect(res.errors).toBeUndefined();
    const ids = res.data!.jobs.edges.map((e) => e.node.id);
    const nodes = await t.query<{ nodes: { id: string; nativeId: string }[] }>(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Job { nativeId } } }',
      { ids },
    );
    expect(nodes.errors).toBeUndefined();
    expect(nodes.data!.nodes.map((n) => n.id)).toEqual(ids);
    const one = await t.query<{ node: { id: string; nativeId: string } }>(
      'query($id: ID!) { node(id: $id) { id ... on Job { nativeId } } }',
      { id: ids[3] },
    );
    expect(one.data!.node).toEqual({ id: ids[3], nativeId: res.data!.jobs.edges[3]!.node.nativeId });
  });

  it('pages in a stable order with no overlap and no gap', async () => {
    const filter = { accounts: ['sandbox-azure-import-export'] };
    const all = (await t.query<JobsData>(JOBS, { first: 100, filter })).data!.jobs.edges.map((e) => e.node.id);
    const paged: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const res: { data?: JobsData | null } = await t.query<JobsData>(JOBS, { first: 5, after, filter });
      paged.push(...res.data!.jobs.edges.map((e) => e.node.id));
      if (!res.data!.jobs.pageInfo.hasNextPage) break;
      after = res.data!.jobs.pageInfo.endCursor;
    }
    expect(paged).toEqual(all);
    const created = (await t.query<JobsData>(JOBS, { first: 100, filter })).data!.jobs.edges.map(
      (e) => e.node.createdAt,
    );
    const times = created.map((c) => Date.parse(c ?? '0'));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('filters by state and type', async () => {
    const all = (await t.query<JobsData>(JOBS, { first: 100, filter: { accounts: ['sandbox-azure-import-export'] } }))
      .data!.jobs.edges;
    const someState = all[0]!.node.state!;
    const res = await t.query<JobsData>(JOBS, {
      first: 100,
      filter: { states: [someState], providers: ['azure-import-export'] },
    });
    const expected = all.filter((e) => e.node.state === someState).map((e) => e.node.id);
    expect(res.data!.jobs.edges.map((e) => e.node.id)).toEqual(expected);
  });

  it('answers NOT_FOUND for unknown jobs and BAD_USER_INPUT for malformed ids', async () => {
    const unknown = await t.query(
      '{ jobByNativeId(account: "sandbox-azure-import-export", nativeId: "no-such-job") { id } }',
    );
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(unknown.data?.jobByNativeId ?? null).toBeNull();
    const noAccount = await t.query('{ jobByNativeId(account: "nobody", nativeId: "x") { id } }');
    expect(noAccount.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const malformed = await t.query('{ job(id: "garbage") { id } }');
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    const syntax = await t.query('{ jobs(first: 1) { edges ');
    expect(syntax.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await t.query('{ jobs(first: 5000) { totalCount } }');
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    for (const maxAge of [-1, 10 ** 9]) {
      const bad = await t.query(`{ jobs(first: 1, maxAge: ${maxAge}) { totalCount } }`);
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'maxAge' });
    }
    const badCursor = await t.query('{ jobs(first: 1, after: "bm90IGEgY3Vyc29y") { totalCount } }');
    expect(badCursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('reports accounts with their health and capabilities', async () => {
    await t.query<JobsData>(JOBS, { first: 1 });
    const res = await t.query<{
      accounts: { name: string; provider: string; health: { status: string; lastErrorCode: string | null } }[];
    }>(
      '{ accounts { name provider health { status lastErrorCode } capabilities { create actions { action states } } } }',
    );
    const byName = Object.fromEntries(res.data!.accounts.map((a) => [a.name, a]));
    expect(byName['sandbox-azure-import-export']!.health.status).toBe('HEALTHY');
    expect(byName['azure-down']!.health).toMatchObject({ lastErrorCode: 'PROVIDER_UNAVAILABLE' });
    expect(byName['azure-down']!.health.status).not.toBe('HEALTHY');
  });

  it('turns provider throttling on a live read into RATE_LIMITED with the retry hint, beside the indexed jobs', async () => {
    const sim = t.sandbox.simulators.get('sandbox-azure-import-export')!;
    sim.inject({ status: 429, code: 'TooManyRequests', retryAfterSeconds: 7, count: 1 });
    const filter = { accounts: ['sandbox-azure-import-export'] };
    const res = await t.query<JobsData>(JOBS_WITH_MAX_AGE, { first: 5, filter, maxAge: 0 });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      account: 'sandbox-azure-import-export',
      retryAfterSeconds: 7,
      stale: true,
      circuit: 'CLOSED',
    });
    expect(Date.parse(String(res.errors![0]!.extensions!.lastCompleteRoundAt))).toBeGreaterThan(0);
    expect(res.data!.jobs.edges).toHaveLength(5);
    // The next live read succeeds, and the error is gone.
    const again = await t.query<JobsData>(JOBS_WITH_MAX_AGE, { first: 5, filter, maxAge: 0 });
    expect(again.errors).toBeUndefined();
  });

  it('never returns or logs the account token', async () => {
    const token = String(t.config.providers[0]!.token);
    expect(token.length).toBeGreaterThan(8);
    const res = await t.query(
      '{ jobs(first: 50) { edges { node { id details { key value } artifacts { url } } } } accounts { name } }',
    );
    expect(JSON.stringify(res)).not.toContain(token);
    expect(t.logs.join('\n')).not.toContain(token);
  });
});

describe('jobs queries over 300 Azure jobs', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ adapters: azure, seedJobs: 300 });
  });
  afterAll(() => t?.dispose());

  it('cost provider calls once: the first look lists and reads each job once, then queries cost nothing', async () => {
    const sim = t.sandbox.simulators.get('sandbox-azure-import-export')!;
    const before = sim.requests.length;
    const res = await t.query<JobsData>(JOBS, { first: 300 });
    expect(res.errors).toBeUndefined();
    expect(res.data!.jobs.edges).toHaveLength(300);
    const calls = sim.requests.slice(before);
    // A resource group's listing leaves the drives out: each job is read once, so its drives are there.
    expect(calls.filter((c) => /List/.test(c.operation))).toHaveLength(3); // pages of 100
    expect(calls.filter((c) => c.operation === 'Jobs_Get')).toHaveLength(300);
    const imports = res.data!.jobs.edges.filter((e) => e.node.providerState !== 'Creating' && e.node.drives.length);
    expect(imports.length).toBeGreaterThan(100);

    const after = sim.requests.length;
    for (let page = 0; page < 5; page++) {
      const again = await t.query<JobsData>(JOBS, { first: 300, filter: { states: ['COMPLETED'] } });
      expect(again.errors).toBeUndefined();
    }
    expect(sim.requests.length).toBe(after);
  });
});
