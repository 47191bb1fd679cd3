/**
 * IoT Hub jobs through the gateway over HTTP: the sandbox hub next to a hub whose key is wrong. Typed errors
 * with the provider's code, and no SAS signature or shared access key in any response or log line over a
 * full lifecycle of queries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/sdk/index.js';
import { type GraphQLResponse, startTestGateway, type TestGateway } from '../../test/helpers/servers.js';
import { createServiceToken, type HubConnection, parseConnectionString } from './auth.js';
import { adapter } from './index.js';
import { API_VERSION } from './wire.js';

const SANDBOX = 'sandbox-iot-hub';
const WRONG = 'iot-wrong-key';

interface JobNode {
  id: string;
  provider: string;
  account: string;
  nativeId: string;
  type: string;
  state: string | null;
  providerState: string;
  createdAt: string | null;
  progress: { percent: number | null };
  artifacts: { kind: string; url: string | null; description: string | null }[];
  details: { key: string; value: string | null }[];
  errors: { message: string }[];
  failureReason: string | null;
  allowedActions: string[];
}
interface JobsData {
  jobs: { totalCount: number; edges: { node: JobNode }[] };
}

const NODE_FIELDS =
  'id provider account nativeId type state providerState createdAt progress { percent } artifacts { kind url description } details { key value } errors { message } failureReason allowedActions';
const JOBS = `query($filter: JobFilter, $maxAge: Int) { jobs(first: 200, filter: $filter, maxAge: $maxAge) { totalCount edges { node { ${NODE_FIELDS} } } } }`;

describe('the gateway over an IoT Hub sandbox', () => {
  let t: TestGateway;
  let hub: HubConnection;
  /** Every response body the test received, searched for secrets at the end. */
  const responses: string[] = [];
  const query = async <T>(text: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> => {
    const res = await t.query<T>(text, variables);
    responses.push(JSON.stringify(res));
    return res;
  };
  /** `maxAge: 0` reads live, for a step of the simulator the gateway has not polled yet. */
  const iotJobs = async (maxAge?: number) => query<JobsData>(JOBS, { filter: { providers: ['iot-hub'] }, maxAge });

  beforeAll(async () => {
    t = await startTestGateway({
      adapters: [adapter],
      seedJobs: 12,
      configure: (config) => {
        const providers = config.providers as Record<string, unknown>[];
        const wrongKey = String(providers[0]!.connectionString).replace(
          /SharedAccessKey=[^;]+/,
          `SharedAccessKey=${Buffer.alloc(32, 5).toString('base64')}`,
        );
        return {
          ...config,
          providers: [...providers, { ...providers[0], account: WRONG, connectionString: wrongKey }],
        };
      },
    });
    hub = parseConnectionString(String(t.config.providers[0]!.connectionString)) as HubConnection;
  });
  afterAll(() => t?.dispose());

  it('lists the hub jobs next to an auth error for the other hub, with its provider code', async () => {
    const res = await iotJobs();
    const nodes = res.data!.jobs.edges.map((e) => e.node);
    expect(nodes).toHaveLength(12);
    for (const node of nodes) {
      expect(node).toMatchObject({ provider: 'iot-hub', account: SANDBOX });
      expect(['IMPORT', 'EXPORT']).toContain(node.type);
      expect(node.providerState).toBeTruthy();
      expect(node.artifacts.length).toBeGreaterThan(0);
      for (const artifact of node.artifacts) expect(artifact.url).toMatch(/^https:\/\/[^?#]+$/);
    }
    const active = nodes.filter((n) => n.state === 'CREATING' || n.state === 'TRANSFERRING');
    expect(active).toHaveLength(1);
    expect(active[0]!.allowedActions).toEqual(['CANCEL']);
    for (const node of nodes.filter((n) => n !== active[0])) {
      expect(['COMPLETED', 'FAILED', 'CANCELLED']).toContain(node.state);
      expect(node.allowedActions).toEqual([]);
    }
    const failed = nodes.filter((n) => n.state === 'FAILED');
    for (const node of failed) expect(node.errors[0]?.message).toBe(node.failureReason);

    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({
      code: 'PROVIDER_AUTH_FAILED',
      providerCode: 'IotHubUnauthorizedAccess',
      providerStatus: 401,
      account: WRONG,
      provider: 'iot-hub',
    });
  });

  it('answers unknown jobs with NOT_FOUND and a refused hub with its provider code', async () => {
    const unknown = await query(
      `{ jobByNativeId(account: "${SANDBOX}", nativeId: "00000000-0000-4000-a000-000000000000") { id } }`,
    );
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', account: SANDBOX, provider: 'iot-hub' });
    const refused = await query(`{ jobByNativeId(account: "${WRONG}", nativeId: "anything") { id } }`);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'PROVIDER_AUTH_FAILED',
      providerCode: 'IotHubUnauthorizedAccess',
      account: WRONG,
    });
  });

  it('reports the hub capabilities: create, no dry run, cancel while enqueued or running', async () => {
    const res = await query<{
      accounts: {
        name: string;
        capabilities: { create: boolean; dryRun: boolean; actions: { action: string; states: string[] }[] };
      }[];
    }>('{ accounts { name capabilities { create dryRun actions { action states } } } }');
    const sandbox = res.data!.accounts.find((a) => a.name === SANDBOX)!;
    expect(sandbox.capabilities).toEqual({
      create: true,
      dryRun: false,
      actions: [{ action: 'CANCEL', states: ['CREATING', 'TRANSFERRING'] }],
    });
  });

  it('follows the active job to its end, by listing and by id', async () => {
    const sim = t.sandbox.simulators.get(SANDBOX)!;
    const active = (await iotJobs()).data!.jobs.edges.find((e) =>
      ['CREATING', 'TRANSFERRING'].includes(e.node.state ?? ''),
    )!.node;
    const seen = new Set<string>();
    let current = active;
    for (let step = 0; step < 20 && ['CREATING', 'TRANSFERRING'].includes(current.state ?? ''); step++) {
      sim.step();
      current = (await iotJobs(0)).data!.jobs.edges.find((e) => e.node.nativeId === active.nativeId)!.node;
      seen.add(`${current.state}:${current.progress.percent}`);
    }
    expect(['COMPLETED', 'FAILED']).toContain(current.state);
    expect(seen.size).toBeGreaterThan(1);
    const byId = await query<{ node: JobNode }>(`query($id: ID!) { node(id: $id) { ... on Job { ${NODE_FIELDS} } } }`, {
      id: active.id,
    });
    expect(byId.data!.node.state).toBe(current.state);
    expect(byId.data!.node.allowedActions).toEqual([]);
  });

  it('never returns or logs the shared access key, a SAS token or a container signature', async () => {
    // The signatures the hub really holds, read straight from the simulator's own listing.
    const http = createHttpClient({
      account: 'probe',
      provider: 'iot-hub',
      timeoutMs: 10_000,
      ca: t.config.caCertificate,
    });
    let raw: string;
    try {
      const res = await http.send({
        method: 'GET',
        url: `${t.config.providers[0]!.endpoint}/jobs?api-version=${API_VERSION}`,
        headers: { authorization: createServiceToken(hub, Date.now() / 1000 + 600) },
        signal: AbortSignal.timeout(10_000),
      });
      raw = res.text;
    } finally {
      await http.dispose();
    }
    const signatures = [...raw.matchAll(/sig=([^&"]+)/g)].map((m) => m[1]!);
    expect(signatures.length).toBeGreaterThan(0);
    const secrets = [hub.key, ...signatures, ...signatures.map((s) => decodeURIComponent(s))];

    // Errors too: a refused hub and an injected outage.
    t.sandbox.simulators.get(SANDBOX)!.inject({ status: 503, count: 1 });
    await iotJobs();
    await iotJobs();
    await query('{ accounts { name health { lastErrorMessage } } }');

    const everything = [...responses, ...t.logs].join('\n');
    expect(responses.length).toBeGreaterThan(5);
    expect(t.logs.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/sig=|SharedAccessSignature|SharedAccessKey=/);
  });
});

/**
 * Mutations end to end (issue 6). The createJob/cancelJob resolvers are the lead's, written in parallel:
 * this suite runs once they exist. Provider failures are looked for both in the payload's `errors` and in
 * GraphQL errors, whichever the core uses.
 */

interface MutationErrorShape {
  code?: unknown;
  field?: unknown;
  providerCode?: unknown;
  state?: unknown;
}
function mutationErrors(res: GraphQLResponse<Record<string, { errors?: MutationErrorShape[] } | null>>, name: string) {
  return [
    ...(res.data?.[name]?.errors ?? []),
    ...(res.errors ?? []).map((e) => (e.extensions ?? {}) as MutationErrorShape),
  ];
}

describe('IoT Hub mutations through the gateway', () => {
  let t: TestGateway;
  const SIG = 'bXV0YXRpb24tdGVzdC1zaWduYXR1cmU%3D';
  const output = `https://mutationstore.blob.core.windows.net/devices-out?sv=2021-08-06&sp=rwdl&sig=${SIG}`;
  const CREATE = `mutation($input: CreateJobInput!) { createJob(input: $input) {
    job { id nativeId state providerState artifacts { url } } errors { code field providerCode state } } }`;
  const CANCEL = 'mutation($id: ID!) { cancelJob(id: $id) { job { state } errors { code state } } }';
  const responses: string[] = [];
  const query = async <T>(text: string, variables?: Record<string, unknown>) => {
    const res = await t.query<T>(text, variables);
    responses.push(JSON.stringify(res));
    return res;
  };
  const creates = () =>
    t.sandbox.simulators.get(SANDBOX)!.requests.filter((r) => r.operation === 'Jobs_CreateImportExportJob').length;
  const create = (iotHub: Record<string, unknown>) =>
    query<Record<string, { errors?: MutationErrorShape[]; job?: { id: string; state: string } | null }>>(CREATE, {
      input: { account: SANDBOX, iotHub },
    });
  const iotNodes = async () =>
    (await query<JobsData>(JOBS, { filter: { providers: ['iot-hub'] } })).data!.jobs.edges.map((e) => e.node);

  beforeAll(async () => {
    t = await startTestGateway({ adapters: [adapter], seedJobs: 6 });
  });
  afterAll(() => t?.dispose());

  it('refuses invalid input naming the field, before any provider call', async () => {
    const before = creates();
    const res = await create({ type: 'IMPORT', outputBlobContainerUri: output });
    expect(mutationErrors(res, 'createJob')).toContainEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.iotHub.inputBlobContainerUri' }),
    );
    expect(creates()).toBe(before);
  });

  it('reports the one-active-job limit as a typed error with JobQuotaExceeded', async () => {
    const res = await create({ type: 'EXPORT', outputBlobContainerUri: output });
    expect(mutationErrors(res, 'createJob')).toContainEqual(
      expect.objectContaining({ code: 'PROVIDER_ERROR', providerCode: 'JobQuotaExceeded' }),
    );
  });

  it('cancels the active job, then creates one that is listed in CREATING and at the hub', async () => {
    const active = (await iotNodes()).find((n) => n.allowedActions.includes('CANCEL'))!;
    const cancelled = await query<{ cancelJob: { job: { state: string } | null } }>(CANCEL, { id: active.id });
    expect(cancelled.data?.cancelJob.job?.state).toBe('CANCELLED');

    const res = await create({ type: 'EXPORT', outputBlobContainerUri: output, excludeKeysInExport: true });
    const job = res.data?.createJob?.job;
    expect(job?.state).toBe('CREATING');
    expect((await iotNodes()).map((n) => n.id)).toContain(job!.id);
  });

  it('refuses to cancel a finished job with NOT_ALLOWED_IN_STATE', async () => {
    const finished = (await iotNodes()).find((n) => n.state === 'COMPLETED' || n.state === 'FAILED')!;
    const res = await query<Record<string, { errors?: MutationErrorShape[] } | null>>(CANCEL, { id: finished.id });
    expect(mutationErrors(res, 'cancelJob')).toContainEqual(
      expect.objectContaining({ code: 'NOT_ALLOWED_IN_STATE', state: finished.state }),
    );
  });

  it('never echoes or logs the SAS it was given', () => {
    const everything = [...responses, ...t.logs].join('\n');
    expect(everything).not.toContain(SIG);
    expect(everything).not.toContain(decodeURIComponent(SIG));
    expect(everything).not.toMatch(/sig=/);
  });
});
