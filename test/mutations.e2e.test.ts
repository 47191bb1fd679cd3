/**
 * createJob / updateJob / cancelJob end to end over HTTP against the sandbox, per provider: the job appears in
 * `jobs` and in the provider's own listing, updates are visible, cancels end CANCELLED, disallowed actions and
 * invalid input are refused before any provider call, idempotency keys survive a gateway restart, and no
 * secret given in an input reaches a response, a log line or the store.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCreateInput as awsSample, importManifest } from '../adapters/aws-import-export/test-inputs.js';
import {
  sampleCreateInput as azureSample,
  EXAMPLE_BITLOCKER_KEY,
  EXAMPLE_CARRIER_ACCOUNT,
} from '../adapters/azure-import-export/test-inputs.js';
import { sampleCreateInput as iotSample, SAMPLE_SAS_SIGNATURE } from '../adapters/iot-hub/test-inputs.js';
import { jobGlobalId } from '../src/ids.js';
import { registry } from '../src/registry.js';
import { type Sandbox, startSandbox } from '../src/sandbox/index.js';
import { adapterFor } from '../src/sdk/index.js';
import type { AccountClient } from '../src/sdk/model.js';
import { listAll } from './adapter-contract.js';
import { type GraphQLResponse, startTestGatewayOn, type WsClient } from './helpers/servers.js';

interface MutationError {
  code: string;
  field: string | null;
  providerCode: string | null;
  state: string | null;
}
interface JobData {
  id: string;
  nativeId: string;
  state: string | null;
  cancelRequested: boolean;
  allowedActions: string[];
  shipping: { deliveryPackage: { trackingNumber: string | null } | null } | null;
  details: { key: string; value: string | null }[];
}
type Payload = { job: JobData | null; errors: MutationError[]; replayed?: boolean; dryRun?: boolean };

const JOB_FIELDS =
  'id nativeId state cancelRequested allowedActions shipping { deliveryPackage { trackingNumber } } details { key value }';
const CREATE = `mutation($input: CreateJobInput!) { createJob(input: $input) { dryRun replayed warnings job { ${JOB_FIELDS} } errors { code field providerCode state } } }`;
const UPDATE = `mutation($input: UpdateJobInput!) { updateJob(input: $input) { job { ${JOB_FIELDS} } errors { code field providerCode state } } }`;
const CANCEL = `mutation($id: ID!) { cancelJob(id: $id) { job { ${JOB_FIELDS} } errors { code field providerCode state } } }`;
const JOB = `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;
const JOBS = 'query($f: JobFilter) { jobs(first: 1000, filter: $f) { edges { node { id nativeId state } } } }';

interface ProviderCase {
  kind: string;
  /** The provider's branch of CreateJobInput / UpdateJobInput. */
  branch: string;
  /** The simulator's names for a create and for a cancel request. */
  createOperation: string;
  /** The HTTP method of a create request. */
  createMethod: string;
  cancelOperation: string;
  sample(): Record<string, unknown>;
  /** An update through the gateway, and what must be visible afterwards; absent where the provider has none. */
  update?: { input: Record<string, unknown>; check(job: JobData): void };
  /** Invalid inputs, the field each must be refused for and, where the adapter knows it, the provider's own code. */
  invalid: { input: Record<string, unknown>; field: string; providerCode?: string }[];
  /** A native id the provider does not know. */
  unknownId: string;
  /** Whether the provider deletes a job in CREATING (the README's table); the others have no delete at all. */
  deletable: boolean;
  /** Values in the inputs above that are secrets. */
  secrets: string[];
}

const drive = (azureSample().driveList as Record<string, unknown>[])[0]!;
const CASES: ProviderCase[] = [
  {
    kind: 'azure-import-export',
    branch: 'azureImportExport',
    createOperation: 'Jobs_Create',
    createMethod: 'PUT',
    cancelOperation: 'Jobs_Update',
    sample: azureSample,
    update: {
      input: {
        deliveryPackage: {
          carrierName: 'FedEx',
          trackingNumber: '770012345678',
          driveCount: 1,
          shipDate: '2026-11-25',
        },
      },
      check: (job) => {
        expect(job.state).toBe('SHIPPING');
        expect(job.shipping?.deliveryPackage?.trackingNumber).toBe('770012345678');
      },
    },
    invalid: [
      {
        input: {
          ...azureSample(),
          driveList: Array.from({ length: 11 }, (_, i) => ({ ...drive, driveId: `DRIVE${i}` })),
        },
        field: 'input.azureImportExport.driveList',
      },
      {
        input: {
          ...azureSample(),
          driveList: [{ ...drive, bitLockerKey: '238811-662376-448998-450120-652806-203390-606320-483076' }],
        },
        field: 'input.azureImportExport.driveList[0].bitLockerKey',
      },
      {
        input: { ...azureSample(), driveList: [{ ...drive, manifestHash: 'ZZ' }] },
        field: 'input.azureImportExport.driveList[0].manifestHash',
      },
      { input: { ...azureSample(), name: '1-not-a-name' }, field: 'input.azureImportExport.name' },
    ],
    secrets: [EXAMPLE_BITLOCKER_KEY, EXAMPLE_CARRIER_ACCOUNT],
    unknownId: 'no-such-job',
    deletable: true,
  },
  {
    kind: 'aws-import-export',
    branch: 'awsImportExport',
    createOperation: 'CreateJob',
    createMethod: 'POST',
    cancelOperation: 'CancelJob',
    sample: awsSample,
    update: {
      input: { jobType: 'IMPORT', manifest: importManifest(`CROSSDOCK-UPDATED-${process.pid}`, 'updated-bucket') },
      check: (job) => expect(job.details).toContainEqual({ key: 'bucket', value: 'updated-bucket' }),
    },
    invalid: [
      {
        input: { jobType: 'IMPORT', manifest: 'manifestVersion: 2.0\n  bucket: [unclosed' },
        field: 'input.awsImportExport.manifest',
      },
      {
        input: { jobType: 'IMPORT', manifest: importManifest('DEV-1').replace(/^ {2}city:.*\n/m, '') },
        field: 'input.awsImportExport.manifest.returnAddress.city',
        providerCode: 'InvalidAddressException',
      },
    ],
    secrets: [],
    unknownId: 'ZZZZZ',
    deletable: false,
  },
  {
    kind: 'iot-hub',
    branch: 'iotHub',
    createOperation: 'Jobs_CreateImportExportJob',
    createMethod: 'POST',
    cancelOperation: 'Jobs_CancelImportExportJob',
    sample: iotSample,
    invalid: [
      {
        input: { type: 'IMPORT', outputBlobContainerUri: String(iotSample().outputBlobContainerUri) },
        field: 'input.iotHub.inputBlobContainerUri',
      },
      {
        input: { type: 'EXPORT', outputBlobContainerUri: 'ftp://example.com/x' },
        field: 'input.iotHub.outputBlobContainerUri',
      },
    ],
    secrets: [SAMPLE_SAS_SIGNATURE, decodeURIComponent(SAMPLE_SAS_SIGNATURE)],
    unknownId: '00000000-0000-4000-a000-000000000000',
    deletable: false,
  },
];

/** A gateway over the running sandbox on its own SQLite file: stop it and start another on the same file. */
const startGateway = (sandbox: Sandbox, storePath: string, overrides: Record<string, unknown> = {}) =>
  // No polling timers (the default): the test says when the gateway looks (pollNow).
  startTestGatewayOn(sandbox, {
    configure: (raw) => ({ ...raw, store: { kind: 'sqlite', path: storePath }, ...overrides }),
  });

describe('mutations over HTTP against the sandbox', () => {
  let sandbox: Sandbox;
  let dir: string;
  let storePath: string;
  let current: Awaited<ReturnType<typeof startGateway>>;
  const responses: string[] = [];
  const logs: string[] = [];
  const query = async <T>(text: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> => {
    const res = await current.query<T>(text, variables);
    responses.push(JSON.stringify(res));
    return res;
  };
  const account = (kind: string) => `sandbox-${kind}`;
  const sim = (kind: string) => sandbox.simulators.get(account(kind))!;
  const creates = (c: ProviderCase) => sim(c.kind).requests.filter((r) => r.operation === c.createOperation).length;
  const create = async (c: ProviderCase, input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    (await query<{ createJob: Payload }>(CREATE, { input: { account: account(c.kind), [c.branch]: input, ...extra } }))
      .data!.createJob;
  const clients: AccountClient[] = [];
  function connectTo(kind: string) {
    const adapter = adapterFor(registry, kind)!;
    const client = adapter.connect(adapter.configSchema.parse(sim(kind).account), {
      account: 'check',
      logger: current.gateway.logger,
      ca: sandbox.description.caCertificate,
      timeoutMs: 10_000,
      now: Date.now,
    });
    clients.push(client);
    return client;
  }
  const restart = async () => {
    logs.push(...current.logs);
    await current.dispose();
    current = await startGateway(sandbox, storePath);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crossdock-mutations-'));
    storePath = join(dir, 'store.sqlite');
    sandbox = await startSandbox({
      registry,
      kinds: CASES.map((c) => c.kind),
      seed: 5,
      stepMs: 0,
      seedJobs: 8,
      autopilot: false,
    });
    current = await startGateway(sandbox, storePath);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await current?.dispose();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe.each(CASES)('$kind', (c) => {
    beforeAll(async () => {
      // An IoT hub runs one import/export job at a time: end the seeded active one so creates can run.
      if (c.kind !== 'iot-hub') return;
      const active = await query<{ jobs: { edges: { node: { id: string } }[] } }>(JOBS, {
        f: { accounts: [account(c.kind)], states: ['CREATING', 'TRANSFERRING'] },
      });
      for (const { node } of active.data!.jobs.edges) await query(CANCEL, { id: node.id });
    });

    it('creates a job that is in `jobs` and in the provider listing, in CREATING', async () => {
      const payload = await create(c, c.sample());
      expect(payload.errors).toEqual([]);
      const job = payload.job!;
      expect(job.state).toBe('CREATING');
      const listed = await query<{ jobs: { edges: { node: { id: string } }[] } }>(JOBS, {
        f: { accounts: [account(c.kind)] },
      });
      expect(listed.data!.jobs.edges.map((e) => e.node.id)).toContain(job.id);
      // The provider's own listing, over its wire protocol.
      expect((await listAll(connectTo(c.kind))).map((r) => r.nativeId)).toContain(job.nativeId);
      // Leave no active job behind (an IoT hub runs one at a time).
      await query(CANCEL, { id: job.id });
    });

    it.runIf(c.update !== undefined)('updates a job, and the change is visible', async () => {
      const job = (await create(c, c.sample())).job!;
      const payload = (
        await query<{ updateJob: Payload }>(UPDATE, { input: { id: job.id, [c.branch]: c.update!.input } })
      ).data!.updateJob;
      expect(payload.errors).toEqual([]);
      c.update!.check(payload.job!);
      c.update!.check((await query<{ job: JobData }>(JOB, { id: job.id })).data!.job);
    });

    it.runIf(c.update === undefined)(
      'refuses an update with UNSUPPORTED, and allowedActions never offers one',
      async () => {
        const job = (await create(c, c.sample())).job!;
        expect(job.allowedActions).not.toContain('UPDATE');
        // The provider adds no update branch, so a client can only send another provider's.
        const other = CASES.find((o) => o.update)!;
        const payload = (
          await query<{ updateJob: Payload }>(UPDATE, { input: { id: job.id, [other.branch]: other.update!.input } })
        ).data!.updateJob;
        expect(payload.errors).toEqual([expect.objectContaining({ code: 'UNSUPPORTED' })]);
        await query(CANCEL, { id: job.id });
      },
    );

    it('cancels a job in CREATING, which ends CANCELLED at the provider and in the gateway', async () => {
      const job = (await create(c, c.sample())).job!;
      expect(job.allowedActions).toContain('CANCEL');
      const payload = (await query<{ cancelJob: Payload }>(CANCEL, { id: job.id })).data!.cancelJob;
      expect(payload.errors).toEqual([]);
      expect(payload.job!.state === 'CANCELLED' || payload.job!.cancelRequested).toBe(true);
      const client = connectTo(c.kind);
      let state = payload.job!.state;
      for (let step = 0; step < 20 && state !== 'CANCELLED'; step++) {
        sim(c.kind).step();
        const [snapshot] = await client.getJobs([job.nativeId], { signal: AbortSignal.timeout(10_000) });
        state = typeof snapshot === 'object' ? snapshot.state : null;
      }
      expect(state).toBe('CANCELLED');
      await current.gateway.pollNow(account(c.kind));
      expect((await query<{ job: JobData }>(JOB, { id: job.id })).data!.job.state).toBe('CANCELLED');
    });

    it('tells subscribers about a job it created, at once', async () => {
      const ws: WsClient = current.connect();
      try {
        // Subscribing after the latest cursor gets every later event, however long the subscribe takes.
        const after = (await query<{ latestJobEventCursor: string }>('{ latestJobEventCursor }')).data!
          .latestJobEventCursor;
        const sub = ws.subscribe<{ jobEvents: { kind: string; jobId: string; state: string } }>(
          'subscription($f: JobEventFilter, $after: String) { jobEvents(filter: $f, after: $after) { kind jobId state } }',
          { f: { accounts: [account(c.kind)], kinds: ['CREATED'] }, after },
        );
        const job = (await create(c, c.sample())).job!;
        await sub.waitFor((results) => results.some((r) => r.data?.jobEvents.jobId === job.id));
        expect(sub.results.find((r) => r.data?.jobEvents.jobId === job.id)!.data!.jobEvents).toEqual({
          kind: 'CREATED',
          jobId: job.id,
          state: 'CREATING',
        });
        await query(CANCEL, { id: job.id });
      } finally {
        await ws.dispose();
      }
    });

    it('deletes a job where the provider allows it, and refuses otherwise', async () => {
      const job = (await create(c, c.sample())).job!;
      // Azure deletes in CREATING; AWS and IoT Hub have no delete operation.
      expect(job.allowedActions.includes('DELETE')).toBe(c.deletable);
      const DELETE = 'mutation($id: ID!) { deleteJob(id: $id) { deletedId errors { code state } } }';
      const payload = (
        await query<{ deleteJob: { deletedId: string | null; errors: MutationError[] } }>(DELETE, { id: job.id })
      ).data!.deleteJob;
      if (!c.deletable) {
        expect(payload).toEqual({ deletedId: null, errors: [expect.objectContaining({ code: 'UNSUPPORTED' })] });
        expect((await listAll(connectTo(c.kind))).map((r) => r.nativeId)).toContain(job.nativeId);
        await query(CANCEL, { id: job.id });
        return;
      }
      expect(payload).toEqual({ deletedId: job.id, errors: [] });
      expect((await listAll(connectTo(c.kind))).map((r) => r.nativeId)).not.toContain(job.nativeId);
      const gone = await query<{ job: JobData | null }>(JOB, { id: job.id });
      expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });

    it('refuses a cancel the provider does not allow with NOT_ALLOWED_IN_STATE and the current state', async () => {
      const all = await query<{ jobs: { edges: { node: { id: string; state: string } }[] } }>(JOBS, {
        f: { accounts: [account(c.kind)] },
      });
      const caps = (
        await query<{
          accounts: { name: string; capabilities: { actions: { action: string; states: string[] }[] } }[];
        }>('{ accounts { name capabilities { actions { action states } } } }')
      ).data!.accounts.find((a) => a.name === account(c.kind))!;
      const cancellable = caps.capabilities.actions.find((a) => a.action === 'CANCEL')!.states;
      const target = all.data!.jobs.edges.map((e) => e.node).find((n) => n.state && !cancellable.includes(n.state));
      expect(target, 'the seed holds a job the provider will not cancel').toBeDefined();
      const cancels = () => sim(c.kind).requests.filter((r) => r.operation === c.cancelOperation).length;
      const before = cancels();
      const payload = (await query<{ cancelJob: Payload }>(CANCEL, { id: target!.id })).data!.cancelJob;
      expect(payload.job).toBeNull();
      expect(payload.errors).toEqual([expect.objectContaining({ code: 'NOT_ALLOWED_IN_STATE', state: target!.state })]);
      expect(cancels()).toBe(before);
    });

    it('refuses invalid input with BAD_USER_INPUT naming the field, and the provider sees no request', async () => {
      for (const { input, field, providerCode } of c.invalid) {
        const before = sim(c.kind).requests.length;
        const payload = await create(c, input);
        expect(payload.job).toBeNull();
        expect(payload.errors.map((e) => [e.code, e.field])).toContainEqual(['BAD_USER_INPUT', field]);
        if (providerCode) expect(payload.errors.find((e) => e.field === field)!.providerCode).toBe(providerCode);
        expect(sim(c.kind).requests.length, `a request was made for ${field}`).toBe(before);
      }
    });

    it('a lost create retried with its idempotency key finds the job instead of creating a second one', async () => {
      // A gateway that gives up on the provider after a second.
      const impatient = await startGateway(sandbox, join(dir, `impatient-${c.kind}.sqlite`), {
        providerTimeoutMs: 1_000,
      });
      try {
        const input = { account: account(c.kind), [c.branch]: c.sample(), idempotencyKey: `lost-${c.kind}` };
        const createIt = async () => {
          const res = await impatient.query<{ createJob: Payload }>(CREATE, { input });
          responses.push(JSON.stringify(res));
          return res.data!.createJob;
        };
        const s = sim(c.kind);
        const before = creates(c);
        // The create does its work but answers after the gateway gave up, and every check after it fails.
        s.inject({ status: 200, passThrough: true, delayMs: 1_800, count: 1, method: c.createMethod });
        s.inject({ status: 503, code: 'ServiceUnavailable', count: 1_000 });
        const lost = await createIt();
        s.clearFaults();
        expect(lost.errors).toEqual([expect.objectContaining({ code: 'PROVIDER_UNAVAILABLE' })]);
        expect(creates(c) - before).toBe(1);

        const retried = await createIt();
        expect(retried.errors).toEqual([]);
        expect(creates(c) - before).toBe(1);
        expect((await listAll(connectTo(c.kind))).map((r) => r.nativeId)).toContain(retried.job!.nativeId);
        await impatient.query(CANCEL, { id: retried.job!.id });
      } finally {
        logs.push(...impatient.logs);
        await impatient.dispose();
      }
    });

    it("answers an unknown job with NOT_FOUND and the provider's own code, in queries and mutations", async () => {
      const code = adapterFor(registry, c.kind)!.notFoundCode;
      expect(code).toBeTruthy();
      const found = await query<{ jobByNativeId: JobData | null }>(
        'query($a: String!, $n: String!) { jobByNativeId(account: $a, nativeId: $n) { id } }',
        { a: account(c.kind), n: c.unknownId },
      );
      expect(found.errors?.[0]?.extensions).toMatchObject({
        code: 'NOT_FOUND',
        providerCode: code,
        account: account(c.kind),
      });
      const id = jobGlobalId(account(c.kind), c.unknownId);
      const cancel = (await query<{ cancelJob: Payload }>(CANCEL, { id })).data!.cancelJob;
      expect(cancel.errors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', providerCode: code })]);
    });

    it('creates once per idempotency key, also across a gateway restart; other input with the key conflicts', async () => {
      const key = `retry-${c.kind}-${Date.now()}`;
      const input = c.sample();
      const before = creates(c);
      const first = await create(c, input, { idempotencyKey: key });
      expect(first.errors).toEqual([]);
      expect(first.replayed).toBe(false);
      const again = await create(c, input, { idempotencyKey: key });
      expect(again.replayed).toBe(true);
      expect(again.job!.id).toBe(first.job!.id);
      // The job moves on; a replay shows it as the gateway knows it now, not as it was created.
      const cancelled = (await query<{ cancelJob: Payload }>(CANCEL, { id: first.job!.id })).data!.cancelJob.job!;
      await restart();
      const afterRestart = await create(c, input, { idempotencyKey: key });
      expect(afterRestart.errors).toEqual([]);
      expect(afterRestart.replayed).toBe(true);
      expect(afterRestart.job!.id).toBe(first.job!.id);
      expect([afterRestart.job!.state, afterRestart.job!.cancelRequested]).toEqual([
        cancelled.state,
        cancelled.cancelRequested,
      ]);
      expect(creates(c) - before).toBe(1);
      const conflict = await create(c, c.sample(), { idempotencyKey: key });
      expect(conflict.errors).toEqual([
        expect.objectContaining({ code: 'IDEMPOTENCY_CONFLICT', field: 'input.idempotencyKey' }),
      ]);
      expect(creates(c) - before).toBe(1);
    });
  });

  it('rejects a provider branch that is not the account’s, and none or two branches', async () => {
    const azure = CASES[0]!;
    const aws = CASES[1]!;
    const wrong = (
      await query<{ createJob: Payload }>(CREATE, {
        input: { account: account(azure.kind), [aws.branch]: aws.sample() },
      })
    ).data!.createJob;
    expect(wrong.errors).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: `input.${aws.branch}` })]);
    const none = (await query<{ createJob: Payload }>(CREATE, { input: { account: account(azure.kind) } })).data!
      .createJob;
    expect(none.errors).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input' })]);
    const unknown = (
      await query<{ createJob: Payload }>(CREATE, { input: { account: 'nobody', [azure.branch]: azure.sample() } })
    ).data!.createJob;
    expect(unknown.errors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: 'input.account' })]);
  });

  it('offers a dry run where the provider has one, creating nothing', async () => {
    const aws = CASES[1]!;
    const before = (await listAll(connectTo(aws.kind))).length;
    const payload = await create(aws, aws.sample(), { dryRun: true });
    expect(payload).toMatchObject({ dryRun: true, job: null, errors: [] });
    expect((await listAll(connectTo(aws.kind))).length).toBe(before);
    const azure = CASES[0]!;
    const refused = await create(azure, azure.sample(), { dryRun: true });
    expect(refused.errors).toEqual([expect.objectContaining({ code: 'UNSUPPORTED', field: 'input.dryRun' })]);
  });

  it('never lets a secret given in an input, or an account credential, reach a response, a log line or the store', async () => {
    logs.push(...current.logs);
    const accountSecrets = current.config.providers.flatMap((p) =>
      ['token', 'secretAccessKey', 'connectionString'].flatMap((k) =>
        typeof p[k] === 'string' ? [p[k] as string] : [],
      ),
    );
    const sharedKeys = accountSecrets.flatMap((s) => [...s.matchAll(/SharedAccessKey=([^;]+)/g)].map((m) => m[1]!));
    const secrets = [...CASES.flatMap((c) => c.secrets), ...accountSecrets, ...sharedKeys];
    expect(secrets.length).toBeGreaterThan(5);
    expect(responses.length).toBeGreaterThan(20);
    const store = ['', '-wal', '-journal']
      .map((suffix) => `${storePath}${suffix}`)
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file).toString('latin1'))
      .join('\n');
    expect(store.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      for (const [where, text] of [
        ['responses', responses.join('\n')],
        ['logs', logs.join('\n')],
        ['store', store],
      ] as const) {
        expect(text.includes(secret), `${where} contain a secret`).toBe(false);
      }
    }
  });
});
