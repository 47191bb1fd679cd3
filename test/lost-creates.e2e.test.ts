/**
 * A create the provider did, but answered with a server error carrying a throttling code (AWS's 503
 * Throttling), while every check after it failed too: through GraphQL `createJob` with an idempotency key,
 * per provider. The key must stay taken, and the retry must find the job instead of creating a second one.
 * And the rest of the key rule: a refused create frees its key, an answered one replays, bad or reused keys are
 * refused before any provider call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCreateInput as awsSample } from '../adapters/aws-import-export/test-inputs.js';
import { sampleCreateInput as azureSample } from '../adapters/azure-import-export/test-inputs.js';
import { sampleCreateInput as iotSample } from '../adapters/iot-hub/test-inputs.js';
import { fingerprint } from '../src/mutations/idempotency.js';
import { registry } from '../src/registry.js';
import { adapterFor, type RunningSimulator } from '../src/sdk/index.js';
import { listAll } from './adapter-contract.js';
import { startTestGateway, type TestGateway } from './helpers/servers.js';

interface Payload {
  job: { id: string; nativeId: string; state: string | null } | null;
  replayed: boolean;
  errors: { code: string; providerCode: string | null }[];
}

const CREATE = `mutation($input: CreateJobInput!) {
  createJob(input: $input) { replayed job { id nativeId state } errors { code providerCode } }
}`;
const CANCEL = 'mutation($id: ID!) { cancelJob(id: $id) { errors { code } } }';

const CASES = [
  {
    kind: 'azure-import-export',
    branch: 'azureImportExport',
    sample: azureSample,
    createMethod: 'PUT',
    createOperation: 'Jobs_Create',
    throttlingCode: 'TooManyRequests',
  },
  {
    kind: 'aws-import-export',
    branch: 'awsImportExport',
    sample: awsSample,
    createMethod: 'POST',
    createOperation: 'CreateJob',
    throttlingCode: 'Throttling',
  },
  {
    kind: 'iot-hub',
    branch: 'iotHub',
    sample: iotSample,
    createMethod: 'POST',
    createOperation: 'Jobs_CreateImportExportJob',
    throttlingCode: 'ThrottlingException',
  },
];

describe('a create answered with a throttled 5xx after it was done', () => {
  let t: TestGateway;
  beforeAll(async () => {
    // No seeded jobs: nothing stands in the way of a create (IoT Hub runs one import/export job at a time).
    t = await startTestGateway({ seedJobs: 0 });
  });
  afterAll(() => t?.dispose());

  const simulatorOf = (kind: string): RunningSimulator => t.sandbox.simulators.get(`sandbox-${kind}`)!;

  it.each(CASES)('$kind: the retry with the same idempotency key finds the job; no second one', async (c) => {
    const sim = simulatorOf(c.kind);
    const creates = () => sim.requests.filter((r) => r.operation === c.createOperation).length;
    const input = { account: `sandbox-${c.kind}`, idempotencyKey: `throttled-${c.kind}`, [c.branch]: c.sample() };
    const createIt = async () => (await t.query<{ createJob: Payload }>(CREATE, { input })).data!.createJob;

    sim.inject({ status: 503, code: c.throttlingCode, passThrough: true, count: 1, method: c.createMethod });
    sim.inject({ status: 503, count: 1_000 });
    const first = await createIt();
    sim.clearFaults();
    expect(first.job).toBeNull();
    expect(first.errors).toEqual([{ code: 'RATE_LIMITED', providerCode: c.throttlingCode }]);
    expect(creates()).toBe(1);

    const retried = await createIt();
    expect(retried.errors).toEqual([]);
    // The job the first request made, found by the adapter's lookup (Azure: the name and the key's token tag).
    expect(retried.replayed).toBe(true);
    expect(retried.job?.state).toBe('CREATING');
    expect(creates()).toBe(1);

    const again = await createIt();
    expect(again).toMatchObject({ replayed: true, job: { id: retried.job!.id }, errors: [] });
    expect(creates()).toBe(1);

    // The provider holds exactly the one job, and it is the one the gateway returned.
    const adapter = adapterFor(registry, c.kind)!;
    const client = adapter.connect(adapter.configSchema.parse(sim.account), {
      account: 'check',
      logger: t.gateway.logger,
      ca: t.sandbox.description.caCertificate,
      timeoutMs: 10_000,
      now: Date.now,
    });
    try {
      expect((await listAll(client)).map((r) => r.nativeId)).toEqual([retried.job!.nativeId]);
    } finally {
      await client.dispose();
    }
    await t.query(CANCEL, { id: retried.job!.id });
  });

  it('frees a key the provider refused, replays a key it answered, and refuses a bad or reused key before calling', async () => {
    // AWS: its create is one request, and looking for a lost create is a listing.
    const c = CASES[1]!;
    const sim = simulatorOf(c.kind);
    const account = `sandbox-${c.kind}`;
    const creates = () => sim.requests.filter((r) => r.operation === c.createOperation).length;
    const sample = c.sample();
    const key = 'k'.repeat(200);
    type Full = {
      job: { id: string; nativeId: string; state: string | null } | null;
      replayed: boolean;
      dryRun: boolean;
      warnings: string[];
      errors: { code: string; providerCode: string | null; field: string | null; message: string }[];
    };
    const createWith = async (idempotencyKey: string, branch = sample) => {
      const res = await t.query<{ createJob: Full }>(
        `mutation($input: CreateJobInput!) {
          createJob(input: $input) { replayed dryRun warnings job { id nativeId state } errors { code providerCode field message } }
        }`,
        { input: { account, idempotencyKey, [c.branch]: branch } },
      );
      expect(res.errors).toBeUndefined();
      return res.data!.createJob;
    };
    const before = creates();

    for (const bad of ['', 'k'.repeat(201)]) {
      expect(await createWith(bad)).toEqual({
        job: null,
        replayed: false,
        dryRun: false,
        warnings: [],
        errors: [
          {
            code: 'BAD_USER_INPUT',
            providerCode: null,
            field: 'input.idempotencyKey',
            message: 'idempotencyKey must be 1 to 200 characters.',
          },
        ],
      });
    }
    expect(creates()).toBe(before);

    // Refused by the provider (nothing was created): the same key may be used again, and creates then.
    sim.inject({ status: 400, code: 'InvalidParameterException', count: 1, method: c.createMethod });
    const refused = await createWith(key);
    expect(refused).toMatchObject({
      job: null,
      replayed: false,
      errors: [{ code: 'BAD_USER_INPUT', providerCode: 'InvalidParameterException' }],
    });
    expect(sim.requests.at(-1)).toMatchObject({ method: c.createMethod, operation: 'fault', status: 400 });
    const afterRefusal = sim.requests.length;
    const created = await createWith(key);
    expect(created).toMatchObject({ replayed: false, dryRun: false, errors: [], job: { state: 'CREATING' } });
    // Straight to the create (then the new job's status): a freed key has nothing to look for (ListJobs) first.
    expect(sim.requests.slice(afterRefusal).map((r) => r.operation)).toEqual([c.createOperation, 'GetStatus']);
    expect(creates()).toBe(before + 1);
    // The store keeps a salted digest of the input (account and key are the salt), never the input.
    const record = await t.gateway.store.getIdempotencyKey(account, key, Date.now());
    expect(record?.fingerprint).toBe(await fingerprint({ [c.branch]: sample }, `${account}\n${key}`));
    expect(record?.snapshot?.nativeId).toBe(created.job!.nativeId);

    // Answered: the same key and input replays the job as the gateway knows it now (cancelled since), without a
    // provider call; other input under the key conflicts.
    await t.query(CANCEL, { id: created.job!.id });
    const calls = sim.requests.length;
    const replayed = await createWith(key);
    expect(replayed).toEqual({
      replayed: true,
      dryRun: false,
      warnings: [],
      errors: [],
      job: { id: created.job!.id, nativeId: created.job!.nativeId, state: 'CANCELLED' },
    });
    const conflict = await createWith(key, c.sample());
    expect(conflict).toMatchObject({
      job: null,
      replayed: false,
      errors: [
        {
          code: 'IDEMPOTENCY_CONFLICT',
          field: 'input.idempotencyKey',
          message: `idempotencyKey "${key}" was already used with different input at account "${account}".`,
        },
      ],
    });
    expect(sim.requests.length).toBe(calls);
  });

  it('retries a create whose outcome was unknown by looking first, and creates once when the job is not there', async () => {
    const c = CASES[1]!;
    const sim = simulatorOf(c.kind);
    const creates = () => sim.requests.filter((r) => r.operation === c.createOperation).length;
    const input = { account: `sandbox-${c.kind}`, idempotencyKey: 'unknown-then-absent', [c.branch]: c.sample() };
    const createIt = async () => (await t.query<{ createJob: Payload }>(CREATE, { input })).data!.createJob;
    const before = creates();

    // The create fails before doing anything, and so does every look after it: the outcome stays unknown.
    sim.inject({ status: 503, count: 1_000 });
    const lost = await createIt();
    sim.clearFaults();
    expect(lost).toMatchObject({ job: null, replayed: false, errors: [{ code: 'PROVIDER_UNAVAILABLE' }] });
    expect(creates()).toBe(before);

    // The retry looks (a listing), finds nothing, and only then creates.
    const calls = sim.requests.length;
    const retried = await createIt();
    expect(retried).toMatchObject({ replayed: false, errors: [], job: { state: 'CREATING' } });
    const operations = sim.requests.slice(calls).map((r) => r.operation);
    expect(operations[0]).toBe('ListJobs');
    expect(operations.filter((o) => o === c.createOperation)).toHaveLength(1);
    expect(operations.indexOf(c.createOperation)).toBeGreaterThan(operations.lastIndexOf('ListJobs'));
    expect(creates()).toBe(before + 1);
    await t.query(CANCEL, { id: retried.job!.id });
  });
});
