/**
 * crossdock as an Apollo Federation v2 subgraph (`server.federation`), over real sockets on loopback: its own
 * `_service` SDL is composed with a second subgraph (a shipping desk whose parcels refer to jobs and accounts)
 * by Apollo's composition library, and a federated query goes through Apollo's gateway, which fetches Job and
 * ProviderAccount fields from crossdock's `_entities` and the desk's fields on Job from the desk. References
 * are read from the index in one batch, bad ones get public codes, and subscriptions stay on crossdock's own
 * websocket.
 *
 * Licences: @apollo/composition and @apollo/gateway are Elastic License 2.0; they are devDependencies, used
 * only here. crossdock itself ships @apollo/subgraph (MIT).
 */

import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { Kind, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { printGatewaySchema } from '../src/graphql/schema.js';
import { registry } from '../src/registry.js';
import { JOB_EVENTS, type JobEventData } from './helpers/events.js';
import {
  type GraphQLResponse,
  postGraphQL,
  startTestGateway,
  startTestGatewayOn,
  type TestGateway,
} from './helpers/servers.js';

interface KnownJob {
  id: string;
  account: string;
  nativeId: string;
  provider: string;
  state: string | null;
  stateChangedAt: string | null;
  observedAt: string;
  history: { to: string | null; at: string }[];
}
const JOB_FIELDS = 'id account nativeId provider state stateChangedAt observedAt history { to at }';

interface Parcel {
  trackingNumber: string;
  account: string;
  nativeId: string;
}

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
/** The README's supergraph blocks: the second subgraph's schema, then the operations run through the router. */
const supergraphBlocks = [...readme.matchAll(/```graphql supergraph\n([\s\S]*?)```/g)].map((m) => m[1]!);
/** A shipping desk: parcels that refer to a job by account and native id, and to the account by name. */
const SHIPMENTS_SDL = supergraphBlocks.find((block) => block.includes('extend schema'))!;
const README_OPERATIONS = supergraphBlocks.find((block) => /^query /m.test(block))!;

const MAX_NODES = 100;

async function listen(server: ApolloServer<object>): Promise<{ url: string; stop: () => Promise<void> }> {
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  return { url, stop: () => server.stop() };
}

function startShipments(parcels: Parcel[]) {
  const ofJob = (ref: { account: string; nativeId: string }) =>
    parcels.filter((p) => p.account === ref.account && p.nativeId === ref.nativeId);
  const schema = buildSubgraphSchema([
    {
      typeDefs: parse(SHIPMENTS_SDL),
      resolvers: {
        Query: { shipments: () => parcels },
        Shipment: {
          job: (p: Parcel) => ({ account: p.account, nativeId: p.nativeId }),
          account: (p: Parcel) => ({ name: p.account }),
        },
        Job: {
          __resolveReference: (ref: { account: string; nativeId: string }) => ({ ...ref, shipments: ofJob(ref) }),
          shipments: (job: { shipments?: Parcel[]; account: string; nativeId: string }) => job.shipments ?? ofJob(job),
        },
      } as never,
    },
  ]);
  return listen(new ApolloServer({ schema, plugins: [ApolloServerPluginLandingPageDisabled()] }));
}

function startRouter(supergraphSdl: string) {
  const gateway = new ApolloGateway({ supergraphSdl });
  // @apollo/gateway implements Apollo Server's gateway interface (its types name an older copy of it).
  return listen(new ApolloServer({ gateway: gateway as never, plugins: [ApolloServerPluginLandingPageDisabled()] }));
}

describe('crossdock as a Federation v2 subgraph', () => {
  let t: TestGateway;
  let jobs: KnownJob[];
  let parcels: Parcel[];
  let supergraphSdl: string;
  const stops: (() => Promise<void>)[] = [];
  let router: string;

  beforeAll(async () => {
    t = await startTestGateway({
      configure: (c) => ({ ...c, server: { federation: true }, limits: { maxNodes: MAX_NODES } }),
    });
    // Real jobs, as crossdock answers them itself: one per account.
    const listed = await t.query<{ accounts: { name: string }[] }>('{ accounts { name } }');
    jobs = [];
    for (const { name } of listed.data!.accounts) {
      const res = await t.query<{ jobs: { edges: { node: KnownJob }[] } }>(
        `query($account: String!) { jobs(first: 1, filter: { accounts: [$account] }) { edges { node { ${JOB_FIELDS} } } } }`,
        { account: name },
      );
      jobs.push(res.data!.jobs.edges[0]!.node);
    }
    parcels = jobs.map((job, i) => ({ trackingNumber: `1Z-${i}`, account: job.account, nativeId: job.nativeId }));
    const shipments = await startShipments(parcels);
    stops.push(shipments.stop);

    // Composed the way `rover supergraph compose` does: from each subgraph's own `_service` SDL.
    const service = await t.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const desk = await postGraphQL<{ _service: { sdl: string } }>(shipments.url, '{ _service { sdl } }');
    const composed = composeServices([
      { name: 'crossdock', typeDefs: parse(service.data!._service.sdl), url: t.url },
      { name: 'shipments', typeDefs: parse(desk.data!._service.sdl), url: shipments.url },
    ]);
    expect(composed.errors ?? []).toEqual([]);
    supergraphSdl = composed.supergraphSdl!;
    const gateway = await startRouter(supergraphSdl);
    stops.push(gateway.stop);
    router = gateway.url;
  }, 60_000);

  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await t?.dispose();
  });

  it('composes: Job is an entity by id and by account and native id, ProviderAccount by name', () => {
    expect(jobs.length).toBe(registry.adapters.length);
    const typeHead = (name: string) => supergraphSdl.match(new RegExp(`\\ntype ${name}\\b[^{]*`))?.[0] ?? '';
    expect(typeHead('Job')).toContain('@join__type(graph: CROSSDOCK, key: "id")');
    expect(typeHead('Job')).toContain('@join__type(graph: CROSSDOCK, key: "account nativeId")');
    expect(typeHead('Job')).toContain('@join__type(graph: SHIPMENTS, key: "account nativeId")');
    expect(typeHead('ProviderAccount')).toContain('@join__type(graph: CROSSDOCK, key: "name")');
    expect(typeHead('ProviderAccount')).toContain('@join__type(graph: SHIPMENTS, key: "name", resolvable: false)');
  });

  it("answers a federated query joining the desk's shipments with crossdock's Job and ProviderAccount fields", async () => {
    const res = await postGraphQL<{
      shipments: {
        trackingNumber: string;
        job: KnownJob;
        account: { name: string; provider: string; health: { circuit: string } };
      }[];
    }>(router, `{ shipments { trackingNumber job { ${JOB_FIELDS} } account { name provider health { circuit } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!.shipments).toHaveLength(parcels.length);
    for (const [i, shipment] of res.data!.shipments.entries()) {
      expect(shipment.trackingNumber).toBe(parcels[i]!.trackingNumber);
      expect(shipment.job).toEqual(jobs[i]); // what crossdock answers itself, DateTimes included
      expect(shipment.account).toEqual({
        name: jobs[i]!.account,
        provider: jobs[i]!.provider,
        health: { circuit: 'CLOSED' },
      });
    }
  });

  it("runs the README's supergraph queries as written", async () => {
    const names = parse(README_OPERATIONS).definitions.flatMap((d) =>
      d.kind === Kind.OPERATION_DEFINITION && d.name ? [d.name.value] : [],
    );
    expect(names).toEqual(['ParcelsWithJobs', 'JobsWithParcels']);
    const run = async <T>(operationName: string) => {
      const res = await fetch(router, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: README_OPERATIONS, operationName }),
      });
      const body = (await res.json()) as GraphQLResponse<T>;
      expect(body.errors, operationName).toBeUndefined();
      return body.data!;
    };
    const parcelsWithJobs = await run<{ shipments: { job: { id: string }; account: { name: string } }[] }>(
      'ParcelsWithJobs',
    );
    expect(parcelsWithJobs.shipments.map((s) => [s.job.id, s.account.name])).toEqual(
      jobs.map((job) => [job.id, job.account]),
    );
    const jobsWithParcels = await run<{ jobs: { edges: { node: { shipments: unknown[] } }[] } }>('JobsWithParcels');
    expect(jobsWithParcels.jobs.edges.length).toBeGreaterThan(0);
  });

  it("answers the other way round: crossdock's jobs with the desk's fields on Job", async () => {
    const res = await postGraphQL<{
      jobs: {
        edges: {
          node: { account: string; nativeId: string; state: string; shipments: { trackingNumber: string }[] };
        }[];
      };
    }>(router, '{ jobs(first: 50) { edges { node { account nativeId state shipments { trackingNumber } } } } }');
    expect(res.errors).toBeUndefined();
    const edges = res.data!.jobs.edges;
    expect(edges.length).toBeGreaterThan(parcels.length);
    for (const parcel of parcels) {
      const node = edges.find((e) => e.node.account === parcel.account && e.node.nativeId === parcel.nativeId)?.node;
      expect(node?.shipments).toEqual([{ trackingNumber: parcel.trackingNumber }]);
    }
    expect(edges.filter((e) => e.node.shipments.length === 0).length).toBe(edges.length - parcels.length);
  });

  it('reads every reference of one _entities call from the index in one store query, without a provider call', async () => {
    const requests = () => [...t.sandbox.simulators.values()].reduce((n, s) => n + s.requests.length, 0);
    const representations = [
      ...jobs.map((j) => ({ __typename: 'Job', id: j.id })),
      ...jobs.map((j) => ({ __typename: 'Job', account: j.account, nativeId: j.nativeId })),
    ];
    const getJobs = vi.spyOn(t.gateway.store, 'getJobs');
    const before = requests();
    try {
      const res = await postGraphQL<{ _entities: KnownJob[] }>(
        t.url,
        `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Job { ${JOB_FIELDS} } } }`,
        { representations },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!._entities).toEqual([...jobs, ...jobs]);
      expect(getJobs).toHaveBeenCalledTimes(1);
      expect(getJobs.mock.calls[0]![0]).toHaveLength(jobs.length); // the two keys of one job are one row
      expect(requests() - before).toBe(0);
    } finally {
      getJobs.mockRestore();
    }
  });

  it('answers bad references with public codes, one item at a time where it can', async () => {
    const entities = (representations: unknown[]) =>
      postGraphQL<{ _entities: ({ nativeId?: string; name?: string } | null)[] }>(
        t.url,
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { nativeId } ... on ProviderAccount { name } } }',
        { r: representations },
      );
    const codes = (res: GraphQLResponse) =>
      res.errors
        ?.map((e) => [e.path, e.extensions?.code, e.extensions?.field])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

    const mixed = await entities([
      { __typename: 'Job', id: jobs[0]!.id },
      { __typename: 'Job', account: 'no-such-account', nativeId: 'x' },
      { __typename: 'Job', account: jobs[0]!.account },
      { __typename: 'ProviderAccount', name: jobs[1]!.account },
      { __typename: 'ProviderAccount', name: 'no-such-account' },
    ]);
    expect(mixed.data!._entities).toEqual([
      { nativeId: jobs[0]!.nativeId },
      null,
      null,
      { name: jobs[1]!.account },
      null,
    ]);
    expect(codes(mixed)).toEqual([
      [['_entities', 1], 'NOT_FOUND', undefined],
      [['_entities', 2], 'BAD_USER_INPUT', 'representations'],
      [['_entities', 4], 'NOT_FOUND', undefined],
    ]);

    // A type that is no entity here, or no object at all: refused as a whole, without echoing it.
    for (const bad of [{ __typename: 'Shipment', trackingNumber: '1Z' }, 'Job', [{ __typename: 'Job' }]]) {
      const res = await entities([{ __typename: 'Job', id: jobs[0]!.id }, bad]);
      expect(res.data ?? null).toBeNull();
      expect(codes(res)).toEqual([[['_entities'], 'BAD_USER_INPUT', 'representations[1]']]);
      expect(JSON.stringify(res.errors)).not.toContain('Shipment');
    }

    // Key fields are ids: checked at the edge like arguments, before anything reads them.
    const control = await entities([{ __typename: 'Job', account: jobs[0]!.account, nativeId: 'a\u0000b' }]);
    expect(codes(control)).toEqual([[['_entities'], 'BAD_USER_INPUT', 'representations[0].nativeId']]);

    // One node per representation, under limits.maxNodes like `nodes(ids)`.
    const many = await entities(Array.from({ length: MAX_NODES + 1 }, () => ({ __typename: 'Job', id: jobs[0]!.id })));
    expect(many.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'nodes', max: MAX_NODES });
  });

  it("resolves references within the caller's accounts only: another tenant's are NOT_FOUND like none at all", async () => {
    const key = 'federation-test-key-0123456789abcdef';
    const [mine, theirs] = jobs;
    const scoped = await startTestGatewayOn(t.sandbox, {
      configure: (c) => ({
        ...c,
        server: { federation: true },
        auth: { apiKeys: [{ name: 'desk', key, role: 'viewer', accounts: [mine!.account] }] },
      }),
    });
    try {
      const entities = async (representations: unknown[]) => {
        const res = await fetch(scoped.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({
            query:
              'query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { nativeId } ... on ProviderAccount { name } } }',
            variables: { r: representations },
          }),
        });
        return (await res.json()) as GraphQLResponse<{ _entities: unknown[] }>;
      };
      // What the other tenant's provider is asked (the caller's own is read through: this gateway's index is new).
      const theirProvider = [...t.sandbox.simulators.values()].find((s) => s.account.account === theirs!.account)!;
      const before = theirProvider.requests.length;
      const res = await entities([
        { __typename: 'Job', id: mine!.id },
        { __typename: 'Job', id: theirs!.id },
        { __typename: 'Job', account: 'no-such-account', nativeId: theirs!.nativeId },
        { __typename: 'ProviderAccount', name: theirs!.account },
      ]);
      expect(res.data!._entities).toEqual([{ nativeId: mine!.nativeId }, null, null, null]);
      const errors = (res.errors ?? []).sort((a, b) => String(a.path).localeCompare(String(b.path)));
      expect(errors.map((e) => [e.path, e.extensions?.code])).toEqual([
        [['_entities', 1], 'NOT_FOUND'],
        [['_entities', 2], 'NOT_FOUND'],
        [['_entities', 3], 'NOT_FOUND'],
      ]);
      // The hidden account's answer is the nonexistent one's, name aside, and cost its provider nothing.
      const unnamed = (i: number, name: string) => errors[i]!.message.replace(name, '<account>');
      expect(unnamed(0, theirs!.account)).toBe(unnamed(1, 'no-such-account'));
      expect(unnamed(2, theirs!.account)).toBe(unnamed(1, 'no-such-account'));
      expect(theirProvider.requests.length - before).toBe(0);
    } finally {
      await scoped.dispose();
    }
  });

  it("keeps subscriptions on crossdock's own websocket", async () => {
    const client = t.connect();
    const events = client.subscribe<{ jobEvents: JobEventData }>(JOB_EVENTS);
    // The subscription is registered once the server has it; a round after stepping then logs changes.
    for (let round = 0; round < 20 && events.results.length === 0; round++) {
      for (const simulator of t.sandbox.simulators.values()) simulator.step();
      await Promise.all([...t.gateway.accounts.keys()].map((account) => t.gateway.pollNow(account)));
    }
    await events.waitFor((results) => results.length > 0);
    expect(events.results[0]!.errors).toBeUndefined();
    expect(events.results[0]!.data!.jobEvents.cursor).toEqual(expect.any(String));
  });
});

describe('without server.federation', () => {
  it('serves the schema as before: no _service, no federation directives', async () => {
    const t = await startTestGateway({ seedJobs: 1 });
    try {
      const res = await t.query('{ _service { sdl } }');
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const plain = await printGatewaySchema(registry, { federation: false });
      const subgraph = await printGatewaySchema(registry, { federation: true });
      expect(plain).not.toMatch(/@key|_entities|_service|@link/);
      expect(subgraph).toContain('type Job implements Node @key(fields: "id") @key(fields: "account nativeId")');
      // The subgraph is the same public schema with federation's additions.
      const federated = await startTestGatewayOn(t.sandbox, {
        configure: (c) => ({ ...c, server: { federation: true } }),
      });
      try {
        const typeNames = async (g: TestGateway) =>
          (
            await g.query<{ __schema: { types: { name: string }[] } }>('{ __schema { types { name } } }')
          ).data!.__schema.types.map((type) => type.name);
        const [plainTypes, subgraphTypes] = [await typeNames(t), await typeNames(federated)];
        expect(subgraphTypes).toEqual(expect.arrayContaining(plainTypes));
        expect(subgraphTypes.filter((name) => !plainTypes.includes(name))).toEqual(
          expect.arrayContaining(['_Any', '_Entity', '_Service']),
        );
      } finally {
        await federated.dispose();
      }
    } finally {
      await t.dispose();
    }
  });
});
