/**
 * The prepared-query fast path (src/server/prepared.ts) answers exactly what Apollo's pipeline answers: the same
 * status, content type and body for the same request, on one gateway at one moment. A body with an `extensions`
 * member never takes the fast path, so each query is asked twice over a real socket, once each way, and the
 * server's counters say which path answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewaySchema } from '../src/graphql/schema.js';
import { jobGlobalId } from '../src/ids.js';
import { registry } from '../src/registry.js';
import { PreparedQueries, ValidDocuments } from '../src/server/prepared.js';
import { startTestGateway, type TestGateway } from './helpers/servers.js';

const JOB_FIELDS = /* GraphQL */ `
  fragment Full on Job {
    __typename id provider account nativeId name type state providerState cancelRequested stateChangedAt
    createdAt updatedAt observedAt location failureReason allowedActions
    progress { percent bytesTransferred itemsProcessed message }
    drives { driveId state percentComplete }
    artifacts { kind description url }
    errors { code message }
    details { key value }
    history { from to providerState at afterGap }
  }
`;

interface Answer {
  status: number;
  contentType: string | null;
  body: unknown;
}

let t: TestGateway;
let ids: string[];

async function ask(body: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(25_000),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), body: await res.json() };
}

/** The same request through the fast path and through Apollo; both answers, and which path the first took. */
async function bothWays(query: string, variables?: Record<string, unknown>, operationName?: string) {
  const body = { query, ...(variables ? { variables } : {}), ...(operationName ? { operationName } : {}) };
  const before = t.server.executionStats().prepared;
  const fast = await ask(body);
  const prepared = t.server.executionStats().prepared - before;
  const viaApollo = await ask({ ...body, extensions: {} });
  expect(t.server.executionStats().prepared - before).toBe(prepared);
  return { fast, viaApollo, prepared };
}

beforeAll(async () => {
  t = await startTestGateway({ seedJobs: 6, seed: 5 });
  for (const account of t.config.providers) await t.gateway.pollNow(account.account);
  const listed = await t.query<{ jobs: { edges: { node: { id: string } }[] } }>(
    '{ jobs(first: 20) { edges { node { id } } } }',
  );
  ids = listed.data!.jobs.edges.map((e) => e.node.id);
  expect(ids.length).toBeGreaterThanOrEqual(10);
}, 60_000);

afterAll(async () => {
  await t?.dispose();
});

describe('prepared queries answer exactly what Apollo answers', () => {
  const answered: [string, () => [string, Record<string, unknown>?, string?]][] = [
    ['a job with every field', () => [`query($id: ID!) { job(id: $id) { ...Full } } ${JOB_FIELDS}`, { id: ids[0]! }]],
    [
      'a page with its cursors and count',
      () => ['{ jobs(first: 7) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id state } } } }'],
    ],
    [
      'a filtered page',
      () => [
        'query($f: JobFilter) { jobs(first: 50, filter: $f) { totalCount edges { node { id type state } } } }',
        { f: { types: ['IMPORT'] } },
      ],
    ],
    [
      'aliases, fragments and __typename',
      () => [
        `{ a: job(id: "${ids[1]}") { ...Full } b: node(id: "${ids[2]}") { __typename id ... on Job { nativeId } } } ${JOB_FIELDS}`,
      ],
    ],
    [
      'nodes with an unknown id among known ones (null plus NOT_FOUND at its index)',
      () => [
        'query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Job { state } } }',
        { ids: [ids[0]!, jobGlobalId(t.config.providers[0]!.account, 'no-such-job-0000'), ids[3]!] },
      ],
    ],
    ['a malformed id (BAD_USER_INPUT)', () => ['{ job(id: "not-a-global-id") { id } }']],
    [
      'a job of an account that is not configured (NOT_FOUND)',
      () => ['{ jobByNativeId(account: "nobody", nativeId: "x") { id } }'],
    ],
    [
      'accounts and their health',
      () => ['{ accounts { name provider health { status stale lastCompleteRoundAt consecutiveFailures } } }'],
    ],
    [
      'one operation of several, by name',
      () => ['query A { accounts { name } } query B { jobs(first: 2) { totalCount } }', undefined, 'B'],
    ],
  ];

  for (const [name, request] of answered) {
    it(`${name}: through the fast path, the same answer`, async () => {
      const { fast, viaApollo, prepared } = await bothWays(...request());
      expect(prepared).toBe(1);
      expect(fast).toEqual(viaApollo);
      expect(fast.status).toBe(200);
    });
  }

  const handedOver: [string, () => [string, Record<string, unknown>?, string?]][] = [
    ['variables of the wrong type', () => ['query($id: ID!) { job(id: $id) { id } }', { id: { not: 'an id' } }]],
    ['a missing variable', () => ['query($id: ID!) { job(id: $id) { id } }']],
    ['a syntax error', () => ['{ job(id: "x") { id }']],
    ['an unknown field', () => ['{ job(id: "x") { nope } }']],
    [
      'more nodes than limits.maxNodes',
      () => [
        '{ jobs(first: 1000) { edges { node { history { state } drives { driveId } } } } a: jobs(first: 1000) { edges { node { id } } } b: jobs(first: 1000) { edges { node { id } } } c: jobs(first: 1000) { edges { node { id } } } d: jobs(first: 1000) { edges { node { id } } } e: jobs(first: 1000) { edges { node { id } } } f: jobs(first: 1000) { edges { node { id } } } g: jobs(first: 1000) { edges { node { id } } } h: jobs(first: 1000) { edges { node { id } } } i: jobs(first: 1000) { edges { node { id } } } j: jobs(first: 1000) { edges { node { id } } } }',
      ],
    ],
    ['introspection', () => ['{ __schema { queryType { name } } }']],
    ['a mutation', () => ['mutation { cancelJob(id: "not-a-global-id") { job { id } } }']],
    ['an operation name that is not in the document', () => ['query A { accounts { name } }', undefined, 'B']],
  ];

  for (const [name, request] of handedOver) {
    it(`${name}: handed to Apollo before anything ran, the same answer`, async () => {
      const { fast, viaApollo, prepared } = await bothWays(...request());
      expect(prepared).toBe(0);
      expect(fast).toEqual(viaApollo);
    });
  }

  it('answers a cached document with new variables from the index as it is now', async () => {
    const query = 'query($id: ID!) { job(id: $id) { id nativeId } }';
    const first = await bothWays(query, { id: ids[4]! });
    const second = await bothWays(query, { id: ids[5]! });
    expect([first.prepared, second.prepared]).toEqual([1, 1]);
    expect((first.fast.body as { data: { job: { id: string } } }).data.job.id).toBe(ids[4]);
    expect((second.fast.body as { data: { job: { id: string } } }).data.job.id).toBe(ids[5]);
    expect(second.fast).toEqual(second.viaApollo);
  });
});

describe('the prepared-query cache', () => {
  it('keeps at most 32 MiB of document text, however many large documents clients send', async () => {
    const schema = await gatewaySchema(registry, { federation: false });
    const documents = new ValidDocuments(schema, { size: 1_000, maxTokens: 5_000, validationRules: [] });
    const prepared = new PreparedQueries(schema, documents, 1_000);
    // 60 different documents of 1 MB each (a comment makes them long; they parse and validate).
    for (let i = 0; i < 60; i++) {
      const query = `# ${String(i).padStart(3, '0')}${'x'.repeat(1_000_000)}\n{ accounts { name } }`;
      expect(prepared.get({ query, operationName: undefined, variables: undefined })).toBeDefined();
    }
    expect(prepared.cachedTextSize).toBeGreaterThan(30 * 1_000_000);
    expect(prepared.cachedTextSize).toBeLessThanOrEqual(32 * 1024 * 1024);
  });
});
