/**
 * The account client against its simulator over real sockets: bounded GetStatus fan-out, cancelled and
 * expired jobs as states, and the mutations with the service's refusals.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxCertificate, type SandboxCertificate } from '../../src/sandbox/tls.js';
import { type AccountClient, type JobSnapshot, NOT_FOUND, ProviderError } from '../../src/sdk/index.js';
import { listAll } from '../../test/adapter-contract.js';
import { connect as connectAccount } from './client.js';
import { configSchema } from './config.js';
import { type AwsRunningSimulator, startAwsImportExportSimulator } from './simulator.js';
import { parseCreate, parseUpdate } from './validate.js';

const signal = () => AbortSignal.timeout(15_000);

const manifest = (deviceId: string, extra = '') =>
  [
    'manifestVersion: 2.0',
    'bucket: account-test',
    `deviceId: ${deviceId}`,
    extra,
    'returnAddress:',
    '  name: Jane Roe',
    '  street1: 123 Any Street',
    '  city: Anytown',
    '  phoneNumber: 206-555-1111',
    '  country: USA',
  ]
    .filter(Boolean)
    .join('\n');

let tls: SandboxCertificate;
const sims: AwsRunningSimulator[] = [];
const clients: AccountClient[] = [];

async function setup(opts: { seedJobs?: number; autopilot?: boolean; quota?: number; concurrency?: number } = {}) {
  const sim = await startAwsImportExportSimulator({
    account: 'acct',
    seed: 5,
    stepMs: 0,
    seedJobs: opts.seedJobs ?? 0,
    autopilot: opts.autopilot ?? false,
    tls,
    dailyCreateQuota: opts.quota,
  });
  sims.push(sim);
  const connect = (overrides: Record<string, unknown> = {}) => {
    const config = configSchema.parse({ ...sim.account, statusConcurrency: opts.concurrency ?? 4, ...overrides });
    const client = connectAccount(config, {
      account: 'acct',
      logger: pino({ level: 'silent' }),
      ca: tls.cert,
      timeoutMs: 10_000,
      now: Date.now,
    });
    clients.push(client);
    return client;
  };
  return { sim, connect, client: connect() };
}

const create = async (client: AccountClient, deviceId: string, extra = '') => {
  const result = await client.createJob!(parseCreate({ jobType: 'IMPORT', manifest: manifest(deviceId, extra) }), {
    signal: signal(),
    dryRun: false,
  });
  return result.job!;
};

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a ProviderError');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(ProviderError);
      return e as ProviderError;
    },
  );

const operations = (sim: AwsRunningSimulator, from: number, operation: string) =>
  sim.requests.slice(from).filter((r) => r.operation === operation).length;

beforeAll(async () => {
  tls = await createSandboxCertificate();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all(sims.map((s) => s.close()));
});

describe('getJobs', () => {
  it('asks GetStatus once per distinct id, never more than statusConcurrency at once', async () => {
    const { sim, client } = await setup({ seedJobs: 30, concurrency: 2 });
    const ids = (await listAll(client)).map((r) => r.nativeId);
    sim.setLatency(15);
    sim.resetInFlight();
    const before = sim.requests.length;
    const got = await client.getJobs([...ids, ...ids.slice(0, 10)], { signal: signal() });
    sim.setLatency(0);
    expect(got).toHaveLength(40);
    expect(got.slice(30).map((s) => (s as JobSnapshot).nativeId)).toEqual(ids.slice(0, 10));
    expect(operations(sim, before, 'GetStatus')).toBe(30);
    expect(sim.maxInFlight()).toBe(2);
  });

  it('stops asking after the first failure (a throttled provider gets no more calls)', async () => {
    const { sim, client } = await setup({ seedJobs: 40 });
    const ids = (await listAll(client)).map((r) => r.nativeId);
    sim.inject({ status: 400, code: 'Throttling', retryAfterSeconds: 3 });
    const before = sim.requests.length;
    const error = await failure(client.getJobs(ids, { signal: signal() }));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', providerCode: 'Throttling', retryAfterSeconds: 3 });
    expect(sim.requests.length - before).toBeLessThanOrEqual(4);
  });

  it('reports a cancelled job GetStatus no longer knows as CANCELLED, typed from the listing', async () => {
    const { sim, client, connect } = await setup();
    const job = await create(client, 'GONE-1');
    const other = await create(client, 'GONE-2');
    for (const id of [job.nativeId, other.nativeId]) await client.cancelJob!(id, { signal: signal() });
    for (let i = 0; i < 3; i++) sim.step();
    const before = sim.requests.length;
    const [gone] = await client.getJobs([job.nativeId], { signal: signal() });
    expect(gone).toMatchObject({ state: 'CANCELLED', providerState: 'CanceledJobIdException', type: 'IMPORT' });
    expect(sim.requests.slice(before).map((r) => [r.operation, r.status])).toEqual([['GetStatus', 400]]);
    // A client that never listed the account looks both jobs up in one walk of the listing.
    const again = await connect().getJobs([job.nativeId, other.nativeId], { signal: signal() });
    for (const snapshot of again) {
      expect(snapshot).toMatchObject({ state: 'CANCELLED', type: 'IMPORT', createdAt: expect.any(String) });
    }
    expect(operations(sim, before, 'ListJobs')).toBe(1);
  });

  it('answers NOT_FOUND for ids the service does not know, and refuses an unknown key', async () => {
    const { connect, client } = await setup();
    expect(await client.getJobs(['NOPE1'], { signal: signal() })).toEqual([NOT_FOUND]);
    const error = await failure(connect({ accessKeyId: 'AKIAUNKNOWNKEY000000' }).listJobs({ signal: signal() }));
    expect(error).toMatchObject({
      code: 'PROVIDER_AUTH_FAILED',
      providerCode: 'InvalidClientTokenIdException',
      status: 403,
    });
  });
});

describe('mutations', () => {
  it('validates at the provider on a dry run: nothing created, warnings returned', async () => {
    const { client } = await setup();
    const input = parseCreate({
      jobType: 'IMPORT',
      manifest: manifest('DRY-1').replace('account-test', 'Legacy_Bucket'),
    });
    const result = await client.createJob!(input, { signal: signal(), dryRun: true });
    expect(result.job).toBeNull();
    expect(result.warnings).toEqual([expect.stringContaining('not DNS-compatible')]);
    expect(await listAll(client)).toEqual([]);
  });

  it('creates with the signing key id filled in; refuses a manifest naming another key', async () => {
    const { client } = await setup();
    const job = await create(client, 'KEY-1');
    expect(job).toMatchObject({
      state: 'CREATING',
      providerState: 'Pending/NotReceived',
      details: { deviceId: 'KEY-1' },
    });
    const error = await failure(create(client, 'KEY-2', 'accessKeyId: AKIAOTHERKEY00000000'));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', providerCode: 'InvalidAccessKeyIdException' });
    const missing = await failure(create(client, 'KEY-3', 'logBucket: no-such-logs'));
    expect(missing).toMatchObject({ code: 'BAD_USER_INPUT', providerCode: 'NoSuchBucketException' });
  });

  it('updates the manifest while Pending and refuses once the transfer started', async () => {
    const { sim, client } = await setup({ autopilot: true });
    const job = await create(client, 'UPD-1');
    const patch = parseUpdate({ jobType: 'IMPORT', manifest: manifest('UPD-1-NEW') }).patch;
    const updated = await client.updateJob!(job.nativeId, patch, { signal: signal() });
    expect(updated.details.deviceId).toBe('UPD-1-NEW');

    let current = updated;
    for (let i = 0; i < 50 && current.state !== 'TRANSFERRING'; i++) {
      sim.step();
      current = (await client.getJobs([job.nativeId], { signal: signal() }))[0] as JobSnapshot;
    }
    expect(current.state).toBe('TRANSFERRING');
    expect(await failure(client.updateJob!(job.nativeId, patch, { signal: signal() }))).toMatchObject({
      code: 'NOT_ALLOWED_IN_STATE',
      providerCode: 'UnableToUpdateJobIdException',
    });
    expect(await failure(client.cancelJob!(job.nativeId, { signal: signal() }))).toMatchObject({
      code: 'NOT_ALLOWED_IN_STATE',
      providerCode: 'UnableToCancelJobIdException',
    });
  });

  it('cancels at once; a second cancel and an update of the cancelled job are refused', async () => {
    const { client } = await setup();
    const job = await create(client, 'CAN-1');
    expect(await client.cancelJob!(job.nativeId, { signal: signal() })).toMatchObject({
      state: 'CANCELLED',
      providerState: 'Canceled/NotReceived',
    });
    expect(await failure(client.cancelJob!(job.nativeId, { signal: signal() }))).toMatchObject({
      code: 'NOT_ALLOWED_IN_STATE',
      providerCode: 'CanceledJobIdException',
    });
    expect(await failure(client.cancelJob!('NOPE1', { signal: signal() }))).toMatchObject({
      code: 'NOT_FOUND',
      providerCode: 'InvalidJobIdException',
    });
  });

  it('reports the daily create quota as RATE_LIMITED', async () => {
    const { client } = await setup({ quota: 1 });
    await create(client, 'Q-1');
    expect(await failure(create(client, 'Q-2'))).toMatchObject({
      code: 'RATE_LIMITED',
      providerCode: 'CreateJobQuotaExceededException',
    });
  });
});

describe('looking for a create whose answer was lost', () => {
  const input = (deviceId: string) => parseCreate({ jobType: 'IMPORT', manifest: manifest(deviceId) });

  it('skips candidates that expired, finding the job behind them', async () => {
    const { sim, client } = await setup();
    const since = Date.now();
    const ours = await create(client, 'LOST-1');
    // Newer than ours, so looked at first; GetStatus answers ExpiredJobIdException for it.
    const expired = await create(client, 'LOST-2');
    sim.expire(expired.nativeId);
    const before = sim.requests.length;
    const found = await client.findCreatedJob!(input('LOST-1'), since, { signal: signal() });
    expect(found?.nativeId).toBe(ours.nativeId);
    expect(sim.requests.slice(before).map((r) => [r.operation, r.status])).toEqual([
      ['ListJobs', 200],
      ['GetStatus', 400],
      ['GetStatus', 200],
    ]);
  });

  it('answers that there is none when every recent candidate is expired or cancelled', async () => {
    const { sim, client } = await setup();
    const since = Date.now();
    const expired = await create(client, 'LOST-3');
    sim.expire(expired.nativeId);
    const cancelled = await create(client, 'LOST-4');
    await client.cancelJob!(cancelled.nativeId, { signal: signal() });
    expect(await client.findCreatedJob!(input('LOST-5'), since, { signal: signal() })).toBeNull();
  });

  it('does the create that answered 503 with a throttling code only once, and finds its job', async () => {
    const { sim, client } = await setup();
    const expired = await create(client, 'LOST-6');
    sim.expire(expired.nativeId);
    sim.inject({ status: 503, code: 'Throttling', passThrough: true, method: 'POST', count: 1 });
    const job = await create(client, 'LOST-7');
    expect(job.details.deviceId).toBe('LOST-7');
    expect(sim.requests.filter((r) => r.operation === 'CreateJob').map((r) => r.status)).toEqual([200, 503]);
  });
});
