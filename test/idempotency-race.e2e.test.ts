/**
 * Two gateway instances on one store, the same create sent to both at once with the same idempotency key
 * (a client retrying against a load balancer): the key is claimed atomically in the store, so exactly one
 * create reaches the provider and both answers name the same job. Per provider, through GraphQL. And an
 * instance that finds another's attempt still running waits for it only so long (four provider timeouts), then
 * tells the client to retry, creating nothing itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCreateInput as awsSample } from '../adapters/aws-import-export/test-inputs.js';
import { sampleCreateInput as azureSample } from '../adapters/azure-import-export/test-inputs.js';
import { sampleCreateInput as iotSample } from '../adapters/iot-hub/test-inputs.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { startTestGatewayOn, startTestSandbox, type TestGateway } from './helpers/servers.js';

interface Payload {
  job: { id: string } | null;
  replayed: boolean;
  dryRun?: boolean;
  errors: { code: string; message?: string; field?: string | null; retryAfterSeconds?: number | null }[];
}

const CREATE = `mutation($input: CreateJobInput!) {
  createJob(input: $input) { replayed job { id } errors { code } }
}`;

const CASES = [
  {
    kind: 'azure-import-export',
    branch: 'azureImportExport',
    sample: azureSample,
    method: 'PUT',
    operation: 'Jobs_Create',
  },
  { kind: 'aws-import-export', branch: 'awsImportExport', sample: awsSample, method: 'POST', operation: 'CreateJob' },
  {
    kind: 'iot-hub',
    branch: 'iotHub',
    sample: iotSample,
    method: 'POST',
    operation: 'Jobs_CreateImportExportJob',
  },
];

describe('the same idempotent create on two gateway instances at once', () => {
  let sandbox: Sandbox;
  let dir: string;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    sandbox = await startTestSandbox({ seedJobs: 0 });
    dir = mkdtempSync(join(tmpdir(), 'crossdock-race-'));
    const store = { kind: 'sqlite', path: join(dir, 'shared.sqlite') };
    for (let i = 0; i < 2; i++) {
      gateways.push(await startTestGatewayOn(sandbox, { configure: (raw) => ({ ...raw, store }) }));
    }
  });
  afterAll(async () => {
    for (const g of gateways) await g.dispose();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES)('$kind: one create at the provider, the same job in both answers', async (c) => {
    const sim = sandbox.simulators.get(`sandbox-${c.kind}`)!;
    const creates = () => sim.requests.filter((r) => r.operation === c.operation).length;
    const input = { account: `sandbox-${c.kind}`, idempotencyKey: `race-${c.kind}`, [c.branch]: c.sample() };
    // The provider takes its time over the create, so both requests are in flight together.
    sim.inject({ status: 200, passThrough: true, delayMs: 600, count: 1, method: c.method });
    const answers = await Promise.all(
      gateways.map(async (g) => (await g.query<{ createJob: Payload }>(CREATE, { input })).data!.createJob),
    );
    sim.clearFaults();
    expect(creates()).toBe(1);
    expect(answers.map((a) => a.errors)).toEqual([[], []]);
    expect(answers[0]!.job?.id).toBeTruthy();
    expect(answers[1]!.job?.id).toBe(answers[0]!.job?.id);
    expect(answers.filter((a) => a.replayed)).toHaveLength(1);
  });
});

describe('an idempotent create while another instance is still creating it', () => {
  let sandbox: Sandbox;
  let dir: string;
  let patient: TestGateway;
  let hasty: TestGateway;

  beforeAll(async () => {
    sandbox = await startTestSandbox({ seedJobs: 0 });
    dir = mkdtempSync(join(tmpdir(), 'crossdock-attempt-'));
    const store = { kind: 'sqlite', path: join(dir, 'shared.sqlite') };
    patient = await startTestGatewayOn(sandbox, { configure: (raw) => ({ ...raw, store }) });
    // Four provider timeouts of 100 ms: it waits 400 ms for another instance's attempt.
    hasty = await startTestGatewayOn(sandbox, { configure: (raw) => ({ ...raw, store, providerTimeoutMs: 100 }) });
  });
  afterAll(async () => {
    await patient?.dispose();
    await hasty?.dispose();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('waits for it, then asks the client to retry; the retry replays the one job created', async () => {
    const c = CASES[1]!;
    const sim = sandbox.simulators.get(`sandbox-${c.kind}`)!;
    const creates = () => sim.requests.filter((r) => r.operation === c.operation).length;
    const CREATE_WITH_ERRORS = `mutation($input: CreateJobInput!) {
      createJob(input: $input) { replayed dryRun job { id } errors { code message field retryAfterSeconds } }
    }`;
    const ask = (g: TestGateway, input: Record<string, unknown>) =>
      g.query<{ createJob: Payload }>(CREATE_WITH_ERRORS, { input });

    // Without a key: created at once, never a replay.
    const plain = (await ask(patient, { account: `sandbox-${c.kind}`, [c.branch]: c.sample() })).data!.createJob;
    expect(plain.errors).toEqual([]);
    expect([plain.replayed, plain.dryRun]).toEqual([false, false]);
    expect(plain.job?.id).toBeTruthy();
    const before = creates();

    const input = { account: `sandbox-${c.kind}`, idempotencyKey: 'slow-create', [c.branch]: c.sample() };
    sim.inject({ status: 200, passThrough: true, delayMs: 1_500, count: 1, method: c.method });
    const first = ask(patient, input);
    // The patient instance has claimed the key and is waiting on the provider.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    const waited = (await ask(hasty, input)).data!.createJob;
    const waitedMs = Date.now() - started;
    expect(waited.job).toBeNull();
    expect(waited.errors.map((e) => [e.code, e.retryAfterSeconds])).toEqual([['PROVIDER_UNAVAILABLE', 5]]);
    expect(waited.errors[0]?.message).toContain('has not finished yet; retry with the same key');
    expect(waited.errors[0]?.field).toBe('input.idempotencyKey');
    // It waited out the other attempt's window (400 ms) first; not the provider's answer, or it would replay.
    expect(waitedMs).toBeGreaterThanOrEqual(350);

    const created = (await first).data!.createJob;
    sim.clearFaults();
    expect(created.errors).toEqual([]);
    expect(created.replayed).toBe(false);
    const retried = (await ask(hasty, input)).data!.createJob;
    expect(retried.errors).toEqual([]);
    expect(retried.replayed).toBe(true);
    expect(retried.job?.id).toBe(created.job?.id);
    expect(creates() - before).toBe(1);
  });
});
