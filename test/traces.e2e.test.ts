/**
 * Traces: a gateway on the sandbox with `telemetry.otlpEndpoint` pointing at an OTLP/HTTP receiver on
 * 127.0.0.1 that records what it is sent. A poll round is a trace of its own with one child span per provider
 * call; a GraphQL operation is a server span whose provider calls are its children; every span carries the
 * account and provider, and nothing exported holds a secret: no credential of the accounts, no input the
 * client sent, no URL.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway, waitUntil } from './helpers/servers.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: OtlpValue }[];
  status?: { code?: number; message?: string };
}
interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: OtlpValue }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

/** SpanKind in OTLP: 2 = SERVER, 3 = CLIENT. */
const SERVER = 2;
const CLIENT = 3;

const attributesOf = (span: OtlpSpan) =>
  Object.fromEntries(span.attributes.map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.boolValue]));

describe('traces over OTLP/HTTP', () => {
  let receiver: Server;
  /** Every request body the receiver got, as sent. */
  const bodies: string[] = [];
  const contentTypes: string[] = [];
  let t: TestGateway;

  const exported = (): OtlpExport[] => bodies.map((b) => JSON.parse(b) as OtlpExport);
  const spans = () => exported().flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces') {
          bodies.push(Buffer.concat(chunks).toString('utf8'));
          contentTypes.push(String(req.headers['content-type']));
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
    t = await startTestGateway({
      seedJobs: 3,
      configure: (config) => ({ ...config, telemetry: { otlpEndpoint: endpoint, serviceName: 'crossdock-test' } }),
    });
  });
  afterAll(async () => {
    await t?.dispose();
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  it('traces a poll round, with a child span per provider call', async () => {
    const account = 'sandbox-aws-import-export';
    await t.gateway.pollNow(account);
    await t.gateway.telemetry.flush();
    await waitUntil(() => spans().some((s) => s.name === 'poll round'), 'the poll round was exported');
    expect(contentTypes[0]).toContain('application/json');
    const resource = exported()[0]!.resourceSpans[0]!.resource.attributes.find((a) => a.key === 'service.name');
    expect(resource?.value.stringValue).toBe('crossdock-test');

    const round = spans().find((s) => s.name === 'poll round' && attributesOf(s)['crossdock.account'] === account)!;
    expect(round.parentSpanId || undefined).toBeUndefined(); // a trace of its own
    expect(attributesOf(round)).toEqual({
      'crossdock.account': account,
      'crossdock.provider': 'aws-import-export',
      'crossdock.outcome': 'ok',
    });
    const calls = spans().filter((s) => s.parentSpanId === round.spanId);
    // AWS lists ids only: a listing, then lookups of the jobs.
    expect(calls.map((c) => c.name)).toContain('provider listJobs');
    expect(calls.map((c) => c.name)).toContain('provider getJobs');
    for (const call of calls) {
      expect(call.traceId).toBe(round.traceId);
      expect(call.kind).toBe(CLIENT);
      expect(attributesOf(call)).toEqual({
        'crossdock.account': account,
        'crossdock.provider': 'aws-import-export',
        'crossdock.operation': call.name.replace('provider ', ''),
        'crossdock.outcome': 'ok',
      });
    }
  });

  it('traces a GraphQL operation as a server span, its provider calls as children', async () => {
    const { data } = await t.query<{ jobs: { edges: { node: { id: string; account: string } }[] } }>(
      '{ jobs(first: 50, filter: { accounts: ["sandbox-iot-hub"] }) { edges { node { id account } } } }',
    );
    const id = data!.jobs.edges[0]!.node.id;
    // maxAge: 0 reads the job live: a provider call made for this operation.
    const live = await t.query('query LiveJob($id: ID!) { job(id: $id, maxAge: 0) { id state } }', { id });
    expect(live.errors).toBeUndefined();
    await t.gateway.telemetry.flush();
    await waitUntil(
      () => spans().some((s) => attributesOf(s)['graphql.operation.name'] === 'LiveJob'),
      'the operation was exported',
    );
    const operation = spans().find((s) => attributesOf(s)['graphql.operation.name'] === 'LiveJob')!;
    expect(operation.name).toBe('query');
    expect(operation.kind).toBe(SERVER);
    expect(attributesOf(operation)).toEqual({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'LiveJob',
      'crossdock.outcome': 'ok',
    });
    const children = spans().filter((s) => s.parentSpanId === operation.spanId);
    expect(children.map((c) => [c.name, attributesOf(c)['crossdock.account']])).toEqual([
      ['provider getJobs', 'sandbox-iot-hub'],
    ]);
    expect(children[0]!.traceId).toBe(operation.traceId);
  });

  it('marks a failed operation with its public code, and exports no secret, input or URL', async () => {
    const bitLockerKey = '238810-662376-448998-450120-652806-203390-606320-483076';
    const sas = 'sv=2021-06-08&sr=c&sp=w&sig=c2VjcmV0LXNpZ25hdHVyZQ';
    const create = await t.query(
      `mutation Export($uri: String!) {
        createJob(input: { account: "sandbox-iot-hub", iotHub: { type: EXPORT, outputBlobContainerUri: $uri, excludeKeysInExport: true } }) {
          job { id } errors { code }
        }
      }`,
      { uri: `https://store.blob.core.windows.net/devices?${sas}` },
    );
    expect(create.errors).toBeUndefined();
    const refused = await t.query(
      `{ jobByNativeId(account: "sandbox-azure-import-export", nativeId: "${bitLockerKey}") { id } }`,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await t.gateway.telemetry.flush();
    await waitUntil(
      () => spans().some((s) => attributesOf(s)['graphql.operation.name'] === 'Export'),
      'the mutation was exported',
    );
    const failed = spans().find((s) => s.status?.message === 'NOT_FOUND' && s.kind === SERVER);
    expect(failed?.status?.code).toBe(2); // ERROR
    expect(attributesOf(failed!)['crossdock.outcome']).toBe('NOT_FOUND');

    const everything = bodies.join('\n');
    const secrets = t.sandbox.description.providers.flatMap((p) =>
      Object.entries(p)
        .filter(([key]) => ['token', 'secretAccessKey', 'connectionString'].includes(key))
        .map(([, v]) => String(v)),
    );
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    for (const secret of [...secrets, bitLockerKey, sas, 'sig=', 'https://', 'authorization']) {
      expect(everything).not.toContain(secret);
    }
  });
});
