/**
 * Azure Import/Export through the whole gateway over HTTP: the simulator is driven into every job state
 * and every drive state, and GraphQL must return each one normalized, with the provider's word, the
 * actions Azure allows, progress, artifacts and shipping — and no secret.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../test/helpers/servers.js';
import { connect as connectAzure } from './client.js';
import { adapter } from './index.js';
import type { AzureSimulator, SimJobSpec } from './simulator.js';
import { EXAMPLE_BITLOCKER_KEY, EXAMPLE_CARRIER_ACCOUNT, sampleCreateInput } from './test-inputs.js';
import { parseCreate } from './validate.js';

const ACCOUNT = 'sandbox-azure-import-export';

interface JobView {
  id: string;
  nativeId: string;
  type: string;
  state: string | null;
  providerState: string;
  cancelRequested: boolean;
  allowedActions: string[];
  progress: { percent: number | null; bytesTransferred: number | null };
  drives: { driveId: string; state: string | null; providerState: string | null; percentComplete: number | null }[];
  artifacts: { kind: string; url: string | null }[];
  shipping: {
    deliverTo: { city: string | null } | null;
    deliveryPackage: { carrier: string | null; trackingNumber: string | null } | null;
    returnPackage: { carrier: string | null } | null;
    returnAddress: { recipientName: string | null; streetLines: string[] } | null;
    returnCarrier: string | null;
  } | null;
  errors: { code: string | null }[];
  failureReason: string | null;
  details: { key: string; value: string | null }[];
}

const JOB_FIELDS = /* GraphQL */ `
  id nativeId type state providerState cancelRequested allowedActions
  progress { percent bytesTransferred }
  drives { driveId state providerState percentComplete }
  artifacts { kind url }
  shipping {
    deliverTo { city }
    deliveryPackage { carrier trackingNumber }
    returnPackage { carrier }
    returnAddress { recipientName streetLines }
    returnCarrier
  }
  errors { code }
  failureReason
  details { key value }
`;

let t: TestGateway;
let sim: AzureSimulator;

async function allJobs(): Promise<Map<string, JobView>> {
  const res = await t.query<{ jobs: { edges: { node: JobView }[] } }>(
    // maxAge 0: a live read, since the tests change the simulator behind the gateway's back.
    `query($filter: JobFilter) { jobs(first: 200, filter: $filter, maxAge: 0) { edges { node { ${JOB_FIELDS} } } } }`,
    { filter: { accounts: [ACCOUNT] } },
  );
  expect(res.errors).toBeUndefined();
  return new Map(res.data!.jobs.edges.map((e) => [e.node.nativeId, e.node]));
}

beforeAll(async () => {
  t = await startTestGateway({
    adapters: [adapter],
    seedJobs: 0,
    // The same subscription seen whole: job ids become resourceGroup/name.
    configure: (config) => {
      const providers = config.providers as Record<string, unknown>[];
      const { resourceGroup: _all, ...wide } = providers[0]!;
      return { ...config, providers: [...providers, { ...wide, account: 'azure-subscription' }] };
    },
  });
  sim = t.sandbox.simulators.get(ACCOUNT) as AzureSimulator;
});
afterAll(() => t?.dispose());

describe('every Azure job state through GraphQL', () => {
  const specs: [SimJobSpec, string, string[]][] = [
    [{ name: 'st-creating', state: 'Creating' }, 'CREATING', ['UPDATE', 'SHIP', 'CANCEL', 'DELETE']],
    [{ name: 'st-shipping', state: 'Shipping' }, 'SHIPPING', ['UPDATE']],
    [{ name: 'st-received', state: 'Received' }, 'RECEIVED', ['UPDATE']],
    [{ name: 'st-transferring', state: 'Transferring', progressSteps: 1 }, 'TRANSFERRING', ['UPDATE']],
    [{ name: 'st-packaging', state: 'Packaging' }, 'PACKAGING', []],
    [{ name: 'st-completed', state: 'Completed' }, 'COMPLETED', ['DELETE']],
    [{ name: 'st-closed', state: 'Closed', fates: ['ok', 'never'] }, 'COMPLETED_WITH_ERRORS', []],
    [{ name: 'st-canceled', state: 'Canceled' }, 'CANCELLED', []],
  ];

  it('normalizes each state, keeps the provider word and lists the allowed actions', async () => {
    for (const [spec] of specs) sim.addJob({ type: 'Import', ...spec });
    const jobs = await allJobs();
    for (const [spec, state, actions] of specs) {
      const job = jobs.get(spec.name!);
      expect(job, spec.name).toBeDefined();
      expect({
        name: spec.name,
        state: job!.state,
        providerState: job!.providerState,
        actions: job!.allowedActions,
      }).toEqual({
        name: spec.name,
        state,
        providerState: spec.state,
        actions,
      });
    }
    const transferring = jobs.get('st-transferring')!;
    expect(transferring.progress.percent).toBeGreaterThan(0);
    expect(transferring.progress.bytesTransferred).toBeGreaterThan(0);
    expect(transferring.drives.length).toBeGreaterThan(0);
    expect(transferring.drives.every((d) => d.state === 'TRANSFERRING' && d.percentComplete! > 0)).toBe(true);
    const closed = jobs.get('st-closed')!;
    expect(closed.errors.map((e) => e.code)).toEqual(['NeverReceived']);
    expect(closed.failureReason).toContain('never received');
    expect(closed.shipping!.returnPackage!.carrier).toBeTruthy();
    const completed = jobs.get('st-completed')!;
    expect(completed.progress.percent).toBe(100);
    expect(completed.drives.map((d) => d.state)).toEqual(['SHIPPED_BACK']);
  });

  it('shows a cancel request, then the cancelled job', async () => {
    const client = connectAzure(adapter.configSchema.parse(sim.account), {
      account: ACCOUNT,
      logger: pino({ level: 'silent' }),
      ca: t.sandbox.description.caCertificate,
      timeoutMs: 5_000,
      now: Date.now,
    });
    try {
      const { job } = await client.createJob(parseCreate({ ...sampleCreateInput(), name: 'to-cancel' }), {
        signal: AbortSignal.timeout(5_000),
        dryRun: false,
      });
      await client.cancelJob(job!.nativeId, { signal: AbortSignal.timeout(5_000) });
    } finally {
      await client.dispose();
    }
    const requested = (await allJobs()).get('to-cancel')!;
    expect(requested).toMatchObject({ state: 'CREATING', cancelRequested: true });
    expect(requested.allowedActions).not.toContain('CANCEL');
    sim.step();
    expect((await allJobs()).get('to-cancel')).toMatchObject({
      state: 'CANCELLED',
      providerState: 'Canceled',
      cancelRequested: false,
    });
  });
});

describe('every drive state through GraphQL', () => {
  it('follows one job from Shipping to Closed and sees each drive state on the way', async () => {
    const name = sim.addJob({
      name: 'drive-states',
      type: 'Import',
      state: 'Shipping',
      fates: ['ok', 'moreinfo', 'never'],
    });
    const jobStates: string[] = [];
    const driveStates = new Set<string>();
    for (let step = 0; step < 30; step++) {
      const job = (await allJobs()).get(name)!;
      jobStates.push(String(job.state));
      for (const d of job.drives) {
        driveStates.add(`${d.providerState}→${d.state}`);
      }
      if (job.state === 'COMPLETED_WITH_ERRORS') break;
      sim.step();
    }
    expect([...new Set(jobStates)]).toEqual([
      'SHIPPING',
      'RECEIVED',
      'TRANSFERRING',
      'PACKAGING',
      'COMPLETED_WITH_ERRORS',
    ]);
    expect(driveStates).toEqual(
      new Set([
        'Completed→COMPLETED',
        'CompletedMoreInfo→COMPLETED_MORE_INFO',
        'NeverReceived→NEVER_RECEIVED',
        'Received→RECEIVED',
        'ShippedBack→SHIPPED_BACK',
        'Specified→SPECIFIED',
        'Transferring→TRANSFERRING',
      ]),
    );
    const closed = (await allJobs()).get(name)!;
    expect(closed.artifacts.map((a) => a.kind)).toEqual(expect.arrayContaining(['ERROR_LOG', 'LOG']));
    for (const artifact of closed.artifacts) expect(artifact.url ?? '').not.toContain('?');
  });
});

describe('shipping, secrets and a subscription-wide account', () => {
  it('returns shipping details without the carrier account number, BitLocker keys, SAS or the token', async () => {
    sim.addJob({ name: 'shipped', type: 'Import', state: 'Transferring', progressSteps: 1 });
    const res = await t.query<{ jobByNativeId: JobView }>(
      `{ jobByNativeId(account: "${ACCOUNT}", nativeId: "shipped") { ${JOB_FIELDS} } }`,
    );
    const job = res.data!.jobByNativeId;
    expect(job.shipping).toMatchObject({
      deliverTo: { city: expect.any(String) },
      deliveryPackage: { carrier: expect.any(String), trackingNumber: expect.any(String) },
      returnAddress: { recipientName: expect.any(String) },
      returnCarrier: expect.any(String),
    });
    const stored = sim.storedJob('shipped')!;
    const secrets = [
      stored.properties.returnShipping!.carrierAccountNumber!,
      ...stored.properties.driveList!.map((d) => d.bitLockerKey!),
      String(sim.account.token),
      EXAMPLE_BITLOCKER_KEY,
      EXAMPLE_CARRIER_ACCOUNT,
    ];
    const everything = JSON.stringify(await t.query(`{ jobs(first: 200) { edges { node { ${JOB_FIELDS} } } } }`));
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('sig=');
    expect(t.logs.join('\n')).not.toContain(String(sim.account.token));
  });

  it('names jobs resourceGroup/name at an account without a resource group, and round-trips them', async () => {
    const res = await t.query<{ jobByNativeId: { id: string; nativeId: string; state: string } }>(
      `{ jobByNativeId(account: "azure-subscription", nativeId: "${sim.resourceGroup}/st-creating") { id nativeId state } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.jobByNativeId).toMatchObject({ nativeId: `${sim.resourceGroup}/st-creating`, state: 'CREATING' });
    const node = await t.query<{ node: { nativeId: string } }>(
      'query($id: ID!) { node(id: $id) { ... on Job { nativeId } } }',
      {
        id: res.data!.jobByNativeId.id,
      },
    );
    expect(node.data!.node.nativeId).toBe(`${sim.resourceGroup}/st-creating`);
    const listed = await t.query<{ jobs: { edges: { node: { nativeId: string } }[] } }>(
      '{ jobs(first: 200, filter: { accounts: ["azure-subscription"] }) { edges { node { nativeId } } } }',
    );
    const ids = listed.data!.jobs.edges.map((e) => e.node.nativeId);
    expect(ids).toContain(`${sim.resourceGroup}/st-creating`);
    expect(ids.filter((id) => !id.startsWith(`${sim.resourceGroup}/`))).toEqual([]);
  });

  it('reports the capabilities of the account', async () => {
    const res = await t.query<{
      accounts: {
        name: string;
        capabilities: { create: boolean; dryRun: boolean; actions: { action: string; states: string[] }[] };
      }[];
    }>('{ accounts { name capabilities { create dryRun actions { action states } } } }');
    const azure = res.data!.accounts.find((a) => a.name === ACCOUNT)!;
    expect(azure.capabilities).toEqual({
      create: true,
      dryRun: false,
      actions: expect.arrayContaining([
        { action: 'CANCEL', states: ['CREATING'] },
        { action: 'SHIP', states: ['CREATING'] },
        { action: 'DELETE', states: ['CREATING', 'COMPLETED'] },
      ]),
    });
  });
});
