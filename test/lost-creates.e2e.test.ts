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
    const creates = () => sim.requests.filter((r) => r.operation === c.createOperation).length;
    const sample = c.sample();
    const createWith = async (idempotencyKey: string, branch = sample) =>
      (
        await t.query<{ createJob: Payload & { errors: { field?: string | null }[] } }>(
          CREATE.replace('errors { code providerCode }', 'errors { code providerCode field }'),
          { input: { account: `sandbox-${c.kind}`, idempotencyKey, [c.branch]: branch } },
        )
      ).data!.createJob;
    const before = creates();

    for (const bad of ['', 'k'.repeat(201)]) {
      expect(await createWith(bad)).toMatchObject({
        job: null,
        errors: [{ code: 'BAD_USER_INPUT', field: 'input.idempotencyKey' }],
      });
    }
    expect(creates()).toBe(before);

    // Refused by the provider (nothing was created): the same key may be used again, and creates then.
    sim.inject({ status: 400, code: 'InvalidParameterException', count: 1, method: c.createMethod });
    const refused = await createWith('k'.repeat(200));
    expect(refused).toMatchObject({
      job: null,
      errors: [{ code: 'BAD_USER_INPUT', providerCode: 'InvalidParameterException' }],
    });
    expect(sim.requests.at(-1)).toMatchObject({ method: c.createMethod, operation: 'fault', status: 400 });
    const afterRefusal = sim.requests.length;
    const created = await createWith('k'.repeat(200));
    expect(created).toMatchObject({ replayed: false, errors: [], job: { state: 'CREATING' } });
    // Straight to the create (then the new job's status): a freed key has nothing to look for (ListJobs) first.
    expect(sim.requests.slice(afterRefusal).map((r) => r.operation)).toEqual([c.createOperation, 'GetStatus']);
    expect(creates()).toBe(before + 1);

    // Answered: the same key and input replays the job; other input under the key conflicts. No provider call.
    const replayed = await createWith('k'.repeat(200));
    expect(replayed).toMatchObject({ replayed: true, errors: [], job: { id: created.job!.id } });
    const conflict = await createWith('k'.repeat(200), c.sample());
    expect(conflict).toMatchObject({
      job: null,
      errors: [{ code: 'IDEMPOTENCY_CONFLICT', field: 'input.idempotencyKey' }],
    });
    expect(creates()).toBe(before + 1);
    await t.query(CANCEL, { id: created.job!.id });
  });
});
