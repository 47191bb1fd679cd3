/**
 * The simulator over real sockets: ARM wire details (auth, api-version, paging, error envelope), the
 * provider's rules for PATCH and DELETE, the lifecycle with per-drive progress, determinism for a seed,
 * autopilot, and the gateway client's create reconciliation against a slow answer.
 */
import pino from 'pino';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxCertificate, type SandboxCertificate } from '../../src/sandbox/tls.js';
import { type JobSnapshot, NOT_FOUND } from '../../src/sdk/index.js';
import { type AzureImportExportClient, connect as connectAzure } from './client.js';
import { type AzureSimulator, simulator } from './simulator.js';
import { sampleCreateInput, sampleExportInput } from './test-inputs.js';
import { parseCreate, parseUpdate } from './validate.js';

let tls: SandboxCertificate;
const sims: AzureSimulator[] = [];
const clients: AzureImportExportClient[] = [];
let agent: Agent;

async function start(overrides: { seed?: number; seedJobs?: number; autopilot?: boolean } = {}) {
  const sim = (await simulator.start({
    account: 'sim',
    seed: overrides.seed ?? 5,
    stepMs: 0,
    seedJobs: overrides.seedJobs ?? 8,
    autopilot: overrides.autopilot ?? false,
    tls,
  })) as AzureSimulator;
  sims.push(sim);
  return sim;
}

function connect(sim: AzureSimulator, timeoutMs = 5_000) {
  const client = connectAzure(
    {
      kind: 'azure-import-export',
      account: 'sim',
      subscriptionId: sim.subscriptionId,
      resourceGroup: sim.resourceGroup,
      token: String(sim.account.token),
      endpoint: sim.account.endpoint,
    },
    { account: 'sim', logger: pino({ level: 'silent' }), ca: tls.cert, timeoutMs, now: Date.now },
  );
  clients.push(client);
  return client;
}

/** The parts of ARM answers these tests read. */
interface RawBody {
  error: { code: string; message: string; target?: string };
  value: { name: string }[];
  nextLink?: string;
  location?: string;
}

/** A raw ARM call, to see the wire the clients hide. */
async function raw(
  sim: AzureSimulator,
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  opts: { token?: string | null; body?: unknown } = {},
) {
  const token = opts.token === undefined ? String(sim.account.token) : opts.token;
  const res = await request(path.startsWith('https://') ? path : `${sim.account.endpoint}${path}`, {
    method,
    dispatcher: agent,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: opts.body === undefined ? null : JSON.stringify(opts.body),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    json: text ? (JSON.parse(text) as RawBody) : undefined,
  };
}

const signal = () => AbortSignal.timeout(10_000);
const jobsPath = (sim: AzureSimulator) =>
  `/subscriptions/${sim.subscriptionId}/resourceGroups/${sim.resourceGroup}/providers/Microsoft.ImportExport/jobs`;
const fail = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );

async function snapshotOf(client: AzureImportExportClient, name: string): Promise<JobSnapshot> {
  const [job] = await client.getJobs([name], { signal: signal() });
  if (!job || job === NOT_FOUND) throw new Error(`no job ${name}`);
  return job;
}

async function create(client: AzureImportExportClient, input = sampleCreateInput()) {
  const result = await client.createJob(parseCreate(input), { signal: signal(), dryRun: false });
  return result.job!;
}

beforeAll(async () => {
  tls = await createSandboxCertificate();
  agent = new Agent({ connect: { ca: tls.cert } });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all(sims.map((s) => s.close()));
  await agent.close();
});

describe('ARM wire', () => {
  let sim: AzureSimulator;
  beforeAll(async () => {
    sim = await start({ seedJobs: 5 });
  });

  it('prints the account entry the config takes', () => {
    expect(sim.account).toEqual({
      kind: 'azure-import-export',
      account: 'sim',
      endpoint: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
      subscriptionId: sim.subscriptionId,
      resourceGroup: 'crossdock-sandbox',
      token: expect.stringMatching(/^sandbox-/),
    });
  });

  it('answers 401 with ARM codes without a token or with a wrong one', async () => {
    const missing = await raw(sim, 'GET', `${jobsPath(sim)}?api-version=2021-01-01`, { token: null });
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({ error: { code: 'AuthenticationFailed', message: expect.any(String) } });
    const wrong = await raw(sim, 'GET', `${jobsPath(sim)}?api-version=2021-01-01`, { token: 'nope' });
    expect(wrong.json!.error.code).toBe('InvalidAuthenticationToken');
  });

  it('checks the api-version: 2021-01-01 and 2020-08-01 pass, others get 400 with ARM codes', async () => {
    expect((await raw(sim, 'GET', `${jobsPath(sim)}?api-version=2020-08-01`)).status).toBe(200);
    expect((await raw(sim, 'GET', jobsPath(sim))).json!.error.code).toBe('MissingApiVersionParameter');
    expect((await raw(sim, 'GET', `${jobsPath(sim)}?api-version=latest`)).json!.error.code).toBe(
      'InvalidApiVersionParameter',
    );
    const old = await raw(sim, 'GET', `${jobsPath(sim)}?api-version=2016-11-01`);
    expect(old.status).toBe(400);
    expect(old.json!.error.code).toBe('NoRegisteredProviderFound');
  });

  it('pages with $top and a nextLink that works verbatim, and refuses $top above 100', async () => {
    const first = await raw(sim, 'GET', `${jobsPath(sim)}?api-version=2021-01-01&$top=2`);
    expect(first.json!.value).toHaveLength(2);
    const names: string[] = first.json!.value.map((j) => j.name);
    let next: string | undefined = first.json!.nextLink;
    for (let page = 0; next && page < 10; page++) {
      expect(next).toContain('api-version=2021-01-01');
      const res = await raw(sim, 'GET', next);
      names.push(...res.json!.value.map((j) => j.name));
      next = res.json!.nextLink;
    }
    expect(names).toHaveLength(5);
    expect(new Set(names).size).toBe(5);
    const tooMany = await raw(sim, 'GET', `${jobsPath(sim)}?api-version=2021-01-01&$top=101`);
    expect(tooMany.json!.error).toMatchObject({ code: 'InvalidParameter', target: '$top' });
  });

  it('answers 404 ResourceNotFound for unknown jobs, SubscriptionNotFound for other subscriptions', async () => {
    expect((await raw(sim, 'GET', `${jobsPath(sim)}/nope?api-version=2021-01-01`)).json!.error.code).toBe(
      'ResourceNotFound',
    );
    const other = jobsPath(sim).replace(sim.subscriptionId, '00000000-0000-0000-0000-000000000000');
    expect((await raw(sim, 'GET', `${other}?api-version=2021-01-01`)).status).toBe(404);
  });

  it('treats job names case-insensitively, and replaces a Creating job on a plain PUT but no other', async () => {
    const client = connect(sim);
    await create(client, { ...sampleCreateInput(), name: 'Mixed-Case' });
    expect((await raw(sim, 'GET', `${jobsPath(sim)}/mixed-case?api-version=2021-01-01`)).status).toBe(200);
    const { body } = parseCreate({ ...sampleCreateInput(), name: 'Mixed-Case', location: 'East US 2' });
    const replaced = await raw(sim, 'PUT', `${jobsPath(sim)}/Mixed-Case?api-version=2021-01-01`, { body });
    expect(replaced.status).toBe(200);
    expect(replaced.json!.location).toBe('East US 2');
    await client.updateJob(
      'Mixed-Case',
      parseUpdate({ deliveryPackage: { carrierName: 'FedEx', trackingNumber: '1' } }).patch,
      {
        signal: signal(),
      },
    );
    const refused = await raw(sim, 'PUT', `${jobsPath(sim)}/Mixed-Case?api-version=2021-01-01`, { body });
    expect(refused.status).toBe(409);
  });

  it('keeps BitLocker keys out of job responses', async () => {
    const res = await raw(sim, 'GET', `${jobsPath(sim)}?api-version=2021-01-01`);
    expect(JSON.stringify(res.json)).not.toMatch(/bitLockerKey/);
  });
});

describe("the provider's rules", () => {
  let sim: AzureSimulator;
  let client: AzureImportExportClient;
  beforeAll(async () => {
    sim = await start({ seedJobs: 0 });
    client = connect(sim);
  });

  it('ships only with a delivery package, cancels only in Creating, deletes only in Creating or Completed', async () => {
    const job = await create(client);
    const noPackage = await fail(
      client.updateJob(job.nativeId, parseUpdate({ ship: true }).patch, { signal: signal() }),
    );
    expect(noPackage).toMatchObject({ code: 'BAD_USER_INPUT', providerCode: 'ShippingInformationMissing' });

    const shipped = await client.updateJob(
      job.nativeId,
      parseUpdate({ deliveryPackage: { carrierName: 'FedEx', trackingNumber: '99' } }).patch,
      { signal: signal() },
    );
    expect(shipped.state).toBe('SHIPPING');
    expect(shipped.shipping!.deliveryPackage).toMatchObject({ carrier: 'FedEx', trackingNumber: '99' });
    expect(await fail(client.cancelJob(job.nativeId, { signal: signal() }))).toMatchObject({
      code: 'NOT_ALLOWED_IN_STATE',
      providerCode: 'CancelNotAllowed',
    });
    expect(
      await fail(client.updateJob(job.nativeId, parseUpdate({ ship: true }).patch, { signal: signal() })),
    ).toMatchObject({ code: 'NOT_ALLOWED_IN_STATE', providerCode: 'InvalidStateTransition' });
    // A correction of the package is still allowed while Shipping.
    const corrected = await client.updateJob(
      job.nativeId,
      parseUpdate({ deliveryPackage: { carrierName: 'DHL', trackingNumber: '100' }, ship: false }).patch,
      { signal: signal() },
    );
    expect(corrected.shipping!.deliveryPackage!.carrier).toBe('DHL');

    sim.step(); // Received
    sim.step(); // Transferring
    expect((await snapshotOf(client, job.nativeId)).state).toBe('TRANSFERRING');
    expect(await fail(client.deleteJob(job.nativeId, { signal: signal() }))).toMatchObject({
      code: 'NOT_ALLOWED_IN_STATE',
      providerCode: 'DeleteNotAllowed',
    });
    expect(
      await fail(client.updateJob(job.nativeId, parseUpdate({ logLevel: 'VERBOSE' }).patch, { signal: signal() })),
    ).toMatchObject({ code: 'NOT_ALLOWED_IN_STATE', providerCode: 'UpdateNotAllowedInState' });
    const returnAddress = { ...(sampleCreateInput().returnAddress as object), city: 'Seattle' };
    const moved = await client.updateJob(job.nativeId, parseUpdate({ returnAddress }).patch, { signal: signal() });
    expect(moved.shipping!.returnAddress!.city).toBe('Seattle');

    const fresh = await create(client);
    await client.deleteJob(fresh.nativeId, { signal: signal() });
    expect(await client.getJobs([fresh.nativeId], { signal: signal() })).toEqual([NOT_FOUND]);
  });

  it('refuses a create beyond the active-jobs limit with its own error', async () => {
    const active = (await client.listJobs({ signal: signal() })).items.filter(
      (r) => !['COMPLETED', 'COMPLETED_WITH_ERRORS', 'CANCELLED'].includes(String(r.snapshot!.state)),
    ).length;
    sim.activeJobLimit = active;
    try {
      const error = await fail(create(client));
      expect(error).toMatchObject({ code: 'PROVIDER_ERROR', providerCode: 'ActiveJobLimitExceeded', status: 409 });
      expect((error as Error).message).toContain('20');
    } finally {
      sim.activeJobLimit = 20;
    }
  });

  it('reconciles a create whose answer came too late: one job, found by name', async () => {
    const slow = connect(sim, 500);
    const before = sim.requests.length;
    sim.inject({ status: 200, passThrough: true, count: 1 }); // the existence check, answered at once
    sim.inject({ status: 200, passThrough: true, delayMs: 1_200, count: 1 }); // the PUT, answered too late
    const input = { ...sampleCreateInput(), name: 'late-answer' };
    const result = await slow.createJob(parseCreate(input), { signal: signal(), dryRun: false, idempotencyKey: 'k' });
    expect(result.job!.nativeId).toBe('late-answer');
    expect(sim.requests.slice(before).map((r) => r.operation)).toEqual(['Jobs_Get', 'Jobs_Create', 'Jobs_Get']);
    const names = (await client.listJobs({ signal: signal() })).items.map((r) => r.nativeId);
    expect(names.filter((n) => n === 'late-answer')).toHaveLength(1);
    // Retrying with the same key returns the same job; another key is refused the name.
    const again = await slow.createJob(parseCreate(input), { signal: signal(), dryRun: false, idempotencyKey: 'k' });
    expect(again.job!.nativeId).toBe('late-answer');
    const other = await fail(
      slow.createJob(parseCreate(input), { signal: signal(), dryRun: false, idempotencyKey: 'j' }),
    );
    expect(other).toMatchObject({ problems: [{ field: 'name' }] });
  });
});

describe('lifecycle', () => {
  it('moves a job through every state with per-drive progress, and the drives through theirs', async () => {
    const sim = await start({ seedJobs: 0 });
    const client = connect(sim);
    const name = sim.addJob({
      name: 'three-drives',
      type: 'Import',
      state: 'Shipping',
      fates: ['ok', 'moreinfo', 'never'],
    });
    const seen: string[] = [];
    const driveStates = new Set<string>();
    let lastPercent = -1;
    let lastBytes = -1;
    for (let step = 0; step < 30; step++) {
      const job = await snapshotOf(client, name);
      seen.push(job.providerState);
      for (const d of job.drives) driveStates.add(String(d.state));
      if (job.state === 'TRANSFERRING') {
        expect(job.progress.percent!).toBeGreaterThanOrEqual(lastPercent);
        expect(job.progress.bytesTransferred!).toBeGreaterThanOrEqual(lastBytes);
        lastPercent = job.progress.percent!;
        lastBytes = job.progress.bytesTransferred!;
      }
      if (job.state === 'COMPLETED_WITH_ERRORS') break;
      sim.step();
    }
    expect([...new Set(seen)]).toEqual(['Shipping', 'Received', 'Transferring', 'Packaging', 'Closed']);
    expect(seen.filter((s) => s === 'Transferring').length).toBeGreaterThan(1);
    expect([...driveStates]).toEqual(
      expect.arrayContaining([
        'SPECIFIED',
        'RECEIVED',
        'NEVER_RECEIVED',
        'TRANSFERRING',
        'COMPLETED',
        'COMPLETED_MORE_INFO',
        'SHIPPED_BACK',
      ]),
    );
    const closed = await snapshotOf(client, name);
    expect(closed.errors.map((e) => e.code).sort()).toEqual(['CompletedMoreInfo', 'NeverReceived']);
    expect(closed.shipping!.returnPackage).toMatchObject({ driveCount: 2 });
    expect(closed.artifacts.some((a) => a.kind === 'ERROR_LOG')).toBe(true);
    expect(JSON.stringify(closed)).not.toContain('sig=');
    const rawJob = (await raw(sim, 'GET', `${jobsPath(sim)}/${name}?api-version=2021-01-01`)).json!;
    expect(JSON.stringify(rawJob)).toContain('sig='); // the service's URIs carry a SAS; the gateway strips it
  });

  it('gives export jobs their drives on arrival and can finish Completed', async () => {
    const sim = await start({ seedJobs: 0 });
    const client = connect(sim);
    const job = await create(client, sampleExportInput());
    expect(job.drives).toEqual([]);
    await client.updateJob(
      job.nativeId,
      parseUpdate({ deliveryPackage: { carrierName: 'FedEx', trackingNumber: '7', driveCount: 2 } }).patch,
      { signal: signal() },
    );
    sim.step();
    const received = await snapshotOf(client, job.nativeId);
    expect(received.drives.map((d) => d.state)).toEqual(['RECEIVED', 'RECEIVED']);
    const completed = sim.addJob({ type: 'Export', state: 'Completed' });
    expect((await snapshotOf(client, completed)).state).toBe('COMPLETED');
  });

  it('seeds every job state, the same way for the same seed', async () => {
    const describeSim = async (seed: number) => {
      const sim = await start({ seed, seedJobs: 16, autopilot: true });
      const client = connect(sim);
      for (let i = 0; i < 6; i++) sim.step();
      const items = (await client.listJobs({ signal: signal() })).items;
      return items.map((r) =>
        [r.nativeId, r.snapshot!.providerState, r.snapshot!.drives.map((d) => d.driveId).join()].join(' '),
      );
    };
    const a = await describeSim(21);
    const b = await describeSim(21);
    const c = await describeSim(22);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);

    const sim = await start({ seed: 9, seedJobs: 8 });
    const states = (await connect(sim).listJobs({ signal: signal() })).items.map((r) => r.snapshot!.providerState);
    expect(new Set(states)).toEqual(
      new Set(['Creating', 'Shipping', 'Received', 'Transferring', 'Packaging', 'Completed', 'Closed', 'Canceled']),
    );
  });

  it('with autopilot ships its own jobs and starts new ones, but never ships a job created through the API', async () => {
    const sim = await start({ seed: 4, seedJobs: 3, autopilot: true });
    const client = connect(sim);
    const mine = await create(client);
    for (let i = 0; i < 40; i++) sim.step();
    const items = (await client.listJobs({ signal: signal() })).items;
    expect(items.find((r) => r.nativeId === mine.nativeId)!.snapshot!.state).toBe('CREATING');
    expect(items.some((r) => r.nativeId.startsWith('autopilot-'))).toBe(true);
    const seededCreating = items.filter(
      (r) => r.nativeId.startsWith('import-0001') || r.nativeId.startsWith('export-0001'),
    );
    expect(seededCreating[0]!.snapshot!.state).not.toBe('CREATING');
  });
});
