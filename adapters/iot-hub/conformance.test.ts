/**
 * The official azure-iothub Registry (1.16.6), unchanged, against the simulator: proof that the simulator
 * speaks the wire protocol real clients speak, and that jobs the SDK creates are the jobs crossdock reads.
 * The SDK dials HostName:443 only, so it gets the redirecting https agent of SDK_WIRE.md §3.1 option 2:
 * nothing is resolved, the Host header stays the hub name, TLS is verified against the sandbox certificate.
 */
import { Agent } from 'node:https';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import iothub from 'azure-iothub';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxCertificate } from '../../src/sandbox/tls.js';
import { type AccountClient, type JobSnapshot, NOT_FOUND, type RunningSimulator } from '../../src/sdk/index.js';
import { connect } from './client.js';
import { configSchema } from './config.js';
import { simulator } from './simulator.js';

const { Registry } = iothub;
type SdkRegistry = InstanceType<typeof Registry>;

interface SdkJob {
  jobId: string;
  type: string;
  status: string;
  outputBlobContainerUri?: string;
  excludeKeysInExport?: boolean;
  storageAuthenticationType?: string;
}
interface SdkError extends Error {
  responseBody?: string;
  response?: { statusCode?: number };
}

const SAS = 'sv=2021-08-06&sp=rwdl&se=2030-01-01T00%3A00%3A00Z&sig=Y29uZm9ybWFuY2U%3D';
const container = (name: string) => `https://conformancestore.blob.core.windows.net/${name}?${SAS}`;

/** An https agent that connects every request to the simulator, whatever host the SDK asks for. */
function redirectingAgent(endpoint: string, ca: string): Agent {
  const { hostname, port } = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, ca });
  agent.createConnection = (options) =>
    tlsConnect({
      ...(options as object),
      host: hostname,
      port: Number(port),
      servername: undefined,
      ca,
      checkServerIdentity: (_host, cert) => checkServerIdentity(hostname, cert),
    });
  return agent;
}

/** Registry.fromConnectionString plus the agent, through the private REST client present in 1.16.x. */
function registryFor(connectionString: string, agent: Agent): SdkRegistry {
  const registry = Registry.fromConnectionString(connectionString);
  (registry as unknown as { _restApiClient: { setOptions(o: unknown): void } })._restApiClient.setOptions({
    http: { agent },
  });
  return registry;
}

async function sdkFailure(call: Promise<unknown>): Promise<SdkError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as SdkError;
}

describe('azure-iothub Registry against the simulator', () => {
  let sim: RunningSimulator;
  let agent: Agent;
  let registry: SdkRegistry;
  let ours: AccountClient;

  beforeAll(async () => {
    const tls = await createSandboxCertificate();
    sim = await simulator.start({
      account: 'conformance',
      seed: 5,
      stepMs: 0,
      seedJobs: 4,
      autopilot: false,
      tls,
    });
    agent = redirectingAgent(sim.account.endpoint, tls.cert);
    registry = registryFor(String(sim.account.connectionString), agent);
    ours = connect(configSchema.parse(sim.account), {
      account: 'conformance',
      logger: pino({ level: 'silent' }),
      ca: tls.cert,
      timeoutMs: 10_000,
      now: Date.now,
    });
  });
  afterAll(async () => {
    agent?.destroy();
    await ours?.dispose();
    await sim?.close();
  });

  /** The seeded hub has one job still moving; the SDK cancels it to make room. */
  const cancelActive = async () => {
    const { responseBody } = await registry.listJobs();
    for (const job of responseBody as SdkJob[]) {
      if (!['completed', 'failed', 'cancelled'].includes(job.status)) {
        const cancelled = (await registry.cancelJob(job.jobId)) as unknown as SdkJob;
        expect(cancelled.status).toBe('cancelled');
      }
    }
  };

  it('lists the seeded jobs as a bare array the SDK hands back with the HTTP response', async () => {
    const { responseBody, httpResponse } = await registry.listJobs();
    expect(httpResponse.statusCode).toBe(200);
    expect(Array.isArray(responseBody)).toBe(true);
    expect((responseBody as SdkJob[]).map((j) => j.jobId).sort()).toEqual(
      (await ours.listJobs({ signal: AbortSignal.timeout(10_000) })).items.map((r) => r.nativeId).sort(),
    );
  });

  it('refuses a second active job with JobQuotaExceeded (403, TooManyDevicesError)', async () => {
    const error = await sdkFailure(registry.exportDevicesToBlob(container('quota-test'), false));
    expect(error.name).toBe('TooManyDevicesError');
    expect(error.message).toBe('Job quota has been exceeded');
    expect(error.response?.statusCode).toBe(403);
    expect(error.responseBody).toContain('ErrorCode:JobQuotaExceeded;');
  });

  it('exports, gets, lists and cancels a job; crossdock reads the same job', async () => {
    await cancelActive();
    const created = (await registry.exportDevicesToBlob(container('devices-out'), true)) as unknown as SdkJob;
    expect(created).toMatchObject({ type: 'export', status: 'enqueued', excludeKeysInExport: true });
    expect(created.outputBlobContainerUri).toBe(container('devices-out'));

    const got = (await registry.getJob(created.jobId)) as unknown as SdkJob;
    expect(got.jobId).toBe(created.jobId);
    const { responseBody } = await registry.listJobs();
    expect((responseBody as SdkJob[]).map((j) => j.jobId)).toContain(created.jobId);

    const [snapshot] = await ours.getJobs([created.jobId], { signal: AbortSignal.timeout(10_000) });
    expect(snapshot).toMatchObject({ nativeId: created.jobId, type: 'EXPORT', state: 'CREATING' });
    expect((snapshot as JobSnapshot).artifacts[0]?.url).toBe(
      'https://conformancestore.blob.core.windows.net/devices-out',
    );

    const cancelled = (await registry.cancelJob(created.jobId)) as unknown as SdkJob;
    expect(cancelled.status).toBe('cancelled');
    const [after] = await ours.getJobs([created.jobId], { signal: AbortSignal.timeout(10_000) });
    expect((after as JobSnapshot).state).toBe('CANCELLED');
  });

  it('imports from blob, and by identity with a user-assigned identity', async () => {
    const imported = (await registry.importDevicesFromBlob(
      container('devices-in'),
      container('import-results'),
    )) as unknown as SdkJob;
    expect(imported).toMatchObject({ type: 'import', status: 'enqueued', storageAuthenticationType: 'keyBased' });
    await registry.cancelJob(imported.jobId);

    const uami =
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/hub';
    const byIdentity = (await registry.importDevicesFromBlobByIdentity(
      'https://conformancestore.blob.core.windows.net/devices-in',
      'https://conformancestore.blob.core.windows.net/import-results',
      uami,
    )) as unknown as SdkJob;
    // The SDK sends "IdentityBased"; the hub answers in the Swagger's spelling.
    expect(byIdentity.storageAuthenticationType).toBe('identityBased');
    const [snapshot] = await ours.getJobs([byIdentity.jobId], { signal: AbortSignal.timeout(10_000) });
    expect((snapshot as JobSnapshot).details).toMatchObject({
      storageAuthenticationType: 'identityBased',
      userAssignedIdentity: uami,
    });
    await registry.cancelJob(byIdentity.jobId);
  });

  it('runs a job to a terminal state as the lifecycle steps', async () => {
    const created = (await registry.exportDevicesToBlob(container('lifecycle'), false)) as unknown as SdkJob;
    let status = created.status;
    for (let step = 0; step < 20 && !['completed', 'failed'].includes(status); step++) {
      sim.step();
      status = ((await registry.getJob(created.jobId)) as unknown as SdkJob).status;
    }
    expect(['completed', 'failed']).toContain(status);
  });

  it('gives the SDK its own errors for an unknown job and a wrong key', async () => {
    const unknown = await sdkFailure(registry.getJob('00000000-0000-4000-a000-000000000000'));
    expect(unknown.response?.statusCode).toBe(404);
    expect(unknown.responseBody).toContain('ErrorCode:JobNotFound;');

    const wrongKey = String(sim.account.connectionString).replace(
      /SharedAccessKey=[^;]+/,
      `SharedAccessKey=${Buffer.alloc(32, 1).toString('base64')}`,
    );
    const denied = await sdkFailure(registryFor(wrongKey, agent).listJobs());
    expect(denied.name).toBe('UnauthorizedError');
    expect(denied.response?.statusCode).toBe(401);
    expect(denied.responseBody).toContain('ErrorCode:IotHubUnauthorizedAccess;');
    expect(
      (await ours.getJobs(['00000000-0000-4000-a000-000000000000'], { signal: AbortSignal.timeout(10_000) }))[0],
    ).toBe(NOT_FOUND);
  });
});
