/**
 * The official @azure/arm-storageimportexport client against the simulator, unchanged (SDK_WIRE.md §2):
 * if Azure's own SDK can create, read, page, update, cancel and delete through it and gets ARM's error
 * codes, the simulator speaks the wire the gateway's client is tested against.
 */
import { type PutJobParameters, StorageImportExport } from '@azure/arm-storageimportexport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxCertificate } from '../../src/sandbox/tls.js';
import { type AzureSimulator, simulator } from './simulator.js';
import { EXAMPLE_BITLOCKER_KEY, sampleCreateInput } from './test-inputs.js';
import { parseCreate } from './validate.js';

let sim: AzureSimulator;
let ca: string;

function sdk(options: { token?: string; apiVersion?: string } = {}) {
  const credential = {
    getToken: async () => ({
      token: options.token ?? String(sim.account.token),
      expiresOnTimestamp: Date.now() + 3600_000,
    }),
  };
  return new StorageImportExport(credential, sim.subscriptionId, {
    endpoint: sim.account.endpoint,
    tlsOptions: { ca },
    retryOptions: { maxRetries: 0 },
    ...(options.apiVersion ? { apiVersion: options.apiVersion } : {}),
  });
}

/** The PUT body the gateway would send (its types are looser than the SDK's, the JSON is the same). */
const createBody = (name: string) => parseCreate({ ...sampleCreateInput(), name }).body as PutJobParameters;

async function all<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterator) {
    items.push(item);
    if (items.length > 10_000) throw new Error('the iterator never ends');
  }
  return items;
}

async function restError(promise: Promise<unknown>): Promise<{ statusCode?: number; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { statusCode?: number; code?: string };
  }
  throw new Error('expected a RestError');
}

beforeAll(async () => {
  const tls = await createSandboxCertificate();
  ca = tls.cert;
  sim = (await simulator.start({
    account: 'conformance',
    seed: 3,
    stepMs: 0,
    seedJobs: 7,
    autopilot: false,
    tls,
  })) as AzureSimulator;
});
afterAll(() => sim?.close());

describe('@azure/arm-storageimportexport against the simulator', () => {
  const rg = () => sim.resourceGroup;

  it('creates a job (201, Creating, datacenter address filled in) and gets it back', async () => {
    const body = createBody('sdk-import');
    const created = await sdk().jobs.create('sdk-import', rg(), body);
    expect(created.name).toBe('sdk-import');
    expect(created.type).toBe('Microsoft.ImportExport/jobs');
    expect(created.properties?.state).toBe('Creating');
    expect(created.properties?.shippingInformation?.city).toBe('Santa Clara');
    expect(created.systemData?.createdAt).toBeInstanceOf(Date);
    // The key went to the service, and only the BitLocker keys operation gives it back.
    expect(JSON.stringify(created)).not.toContain(EXAMPLE_BITLOCKER_KEY);
    expect(sim.requests.at(-1)).toMatchObject({ operation: 'Jobs_Create', status: 201 });

    const got = await sdk().jobs.get('sdk-import', rg());
    expect(got.properties?.driveList?.[0]).toMatchObject({ driveId: '9CA995BB', state: 'Specified' });
    const keys = await all(sdk().bitLockerKeys.list('sdk-import', rg()));
    expect(keys).toEqual([{ driveId: '9CA995BB', bitLockerKey: EXAMPLE_BITLOCKER_KEY }]);
  });

  it('pages by resource group and by subscription through nextLink', async () => {
    const before = sim.requests.length;
    const byGroup = await all(sdk().jobs.listByResourceGroup(rg(), { top: 2 }));
    expect(byGroup).toHaveLength(8);
    expect(new Set(byGroup.map((j) => j.name)).size).toBe(8);
    const calls = sim.requests.slice(before);
    expect(calls.map((c) => c.operation)).toEqual(Array(4).fill('Jobs_ListByResourceGroup'));
    expect(calls.every((c) => c.status === 200)).toBe(true);

    const bySubscription = await all(sdk().jobs.listBySubscription({ top: 3 }));
    expect(bySubscription.map((j) => j.name)).toEqual(byGroup.map((j) => j.name));
    const creating = await all(sdk().jobs.listBySubscription({ filter: "properties/state eq 'Creating'" }));
    expect(creating.length).toBeGreaterThan(0);
    expect(creating.every((j) => j.properties?.state === 'Creating')).toBe(true);
  });

  it('updates a job: shipping information moves it to Shipping', async () => {
    const updated = await sdk().jobs.update('sdk-import', rg(), {
      tags: { team: 'ops' },
      deliveryPackage: { carrierName: 'FedEx', trackingNumber: '123456789', driveCount: 1, shipDate: '2021-01-02' },
      state: 'Shipping',
    });
    expect(updated.properties?.state).toBe('Shipping');
    expect(updated.properties?.deliveryPackage?.trackingNumber).toBe('123456789');
    expect(updated.tags).toEqual({ team: 'ops' });
    expect(await restError(sdk().jobs.update('sdk-import', rg(), { cancelRequested: true }))).toMatchObject({
      statusCode: 409,
      code: 'CancelNotAllowed',
    });
  });

  it('cancels and deletes a job in Creating (DELETE answers 200)', async () => {
    const body = createBody('sdk-cancel');
    await sdk().jobs.create('sdk-cancel', rg(), body);
    const cancelled = await sdk().jobs.update('sdk-cancel', rg(), { cancelRequested: true });
    expect(cancelled.properties?.cancelRequested).toBe(true);
    await sdk().jobs.delete('sdk-cancel', rg());
    expect(sim.requests.at(-1)).toMatchObject({ operation: 'Jobs_Delete', status: 200 });
    expect(await restError(sdk().jobs.get('sdk-cancel', rg()))).toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
  });

  it('answers ARM error codes the SDK surfaces', async () => {
    expect(await restError(sdk().jobs.delete('sdk-import', rg()))).toMatchObject({
      statusCode: 409,
      code: 'DeleteNotAllowed',
    });
    expect(await restError(sdk({ token: 'wrong' }).jobs.get('sdk-import', rg()))).toMatchObject({
      statusCode: 401,
      code: 'InvalidAuthenticationToken',
    });
    expect(await restError(sdk({ apiVersion: '2019-01-01' }).jobs.get('sdk-import', rg()))).toMatchObject({
      statusCode: 400,
      code: 'NoRegisteredProviderFound',
    });
    expect(await restError(sdk().jobs.create('x', rg(), { location: 'West US', properties: {} }))).toMatchObject({
      statusCode: 400,
      code: 'InvalidParameter',
    });
  });

  it('accepts the stable api-version 2020-08-01 too', async () => {
    expect((await sdk({ apiVersion: '2020-08-01' }).jobs.get('sdk-import', rg())).name).toBe('sdk-import');
  });

  it('lists and gets locations', async () => {
    const locations = await all(sdk().locations.list());
    expect(locations.map((l) => l.name)).toContain('West US');
    const westUs = await sdk().locations.get('westus');
    expect(westUs).toMatchObject({ name: 'West US', supportedCarriers: ['FedEx'] });
    expect((await all(sdk().operations.list())).map((o) => o.name)).toContain('Microsoft.ImportExport/jobs/write');
  });
});
