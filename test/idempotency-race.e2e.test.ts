/**
 * Two gateway instances on one store, the same create sent to both at once with the same idempotency key
 * (a client retrying against a load balancer): the key is claimed atomically in the store, so exactly one
 * create reaches the provider and both answers name the same job. Per provider, through GraphQL.
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
  errors: { code: string }[];
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
