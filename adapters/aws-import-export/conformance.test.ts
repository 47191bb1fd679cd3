/**
 * The official aws-sdk v2 `AWS.ImportExport`, unchanged, against the simulator over HTTPS: a full job
 * lifecycle and the service's error codes as the SDK reports them.
 */
import https from 'node:https';
import type { AWSError } from 'aws-sdk';
import ImportExport from 'aws-sdk/clients/importexport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxCertificate, type SandboxCertificate } from '../../src/sandbox/tls.js';
import { type AwsRunningSimulator, startAwsImportExportSimulator } from './simulator.js';

// aws-sdk prints its end-of-support notice on a timer; this runs before it fires.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';

let tls: SandboxCertificate;
let agent: https.Agent;
let sim: AwsRunningSimulator;
let ie: ImportExport;
const sims: AwsRunningSimulator[] = [];

function sdkFor(target: AwsRunningSimulator, overrides: Partial<ImportExport.ClientConfiguration> = {}) {
  return new ImportExport({
    endpoint: target.account.endpoint,
    region: 'us-east-1',
    accessKeyId: target.credentials.accessKeyId,
    secretAccessKey: target.credentials.secretAccessKey,
    maxRetries: 0,
    httpOptions: { agent, timeout: 8_000 },
    ...overrides,
  });
}

async function start(opts: { seedJobs: number; autopilot: boolean; dailyCreateQuota?: number }) {
  const started = await startAwsImportExportSimulator({ account: 'sdk', seed: 21, stepMs: 0, tls, ...opts });
  sims.push(started);
  return started;
}

const importManifest = (accessKeyId: string, deviceId: string, extra = '') =>
  `manifestVersion: 2.0
accessKeyId: ${accessKeyId}
bucket: sdk-bucket
deviceId: ${deviceId}
eraseDevice: yes${extra}
returnAddress:
  name: Jane Roe
  street1: 123 Any Street
  city: Anytown
  stateOrProvince: WA
  postalCode: 91011-1111
  phoneNumber: 206-555-1111
  country: USA
`;

async function sdkError(request: { promise(): Promise<unknown> }): Promise<AWSError> {
  try {
    await request.promise();
  } catch (error) {
    return error as AWSError;
  }
  throw new Error('the SDK call succeeded');
}

beforeAll(async () => {
  tls = await createSandboxCertificate();
  agent = new https.Agent({ ca: tls.cert });
  sim = await start({ seedJobs: 40, autopilot: true });
  ie = sdkFor(sim);
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  agent.destroy();
});

describe('aws-sdk v2 AWS.ImportExport against the simulator', () => {
  let jobId = '';

  it('creates a job and gets its signature file', async () => {
    const out = await ie
      .createJob({
        JobType: 'Import',
        Manifest: importManifest(sim.credentials.accessKeyId, 'SDK-1'),
        ValidateOnly: false,
      })
      .promise();
    expect(out.JobId).toMatch(/^[A-Z0-9]{5}$/);
    expect(out.JobType).toBe('Import');
    expect(out.SignatureFileContents).toBe(
      `version:2.0\nsigningMethod:HmacSHA1\njobId:${out.JobId}\nsignature:${out.Signature}\n`,
    );
    expect(out.ArtifactList).toEqual([]);
    expect(out.$response.requestId).toMatch(/^[0-9a-f-]{36}$/);
    jobId = out.JobId!;
  });

  it('lists it first (newest first) and pages with MaxJobs and Marker', async () => {
    const ids: string[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 50; page++) {
      const out = await ie.listJobs({ MaxJobs: 7, ...(marker ? { Marker: marker } : {}) }).promise();
      expect(out.Jobs!.length).toBeLessThanOrEqual(7);
      ids.push(...out.Jobs!.map((j) => j.JobId!));
      if (!out.IsTruncated) break;
      marker = out.Jobs!.at(-1)!.JobId;
    }
    expect(ids[0]).toBe(jobId);
    expect(ids).toHaveLength(41);
    expect(new Set(ids).size).toBe(41);
    const first = (await ie.listJobs({}).promise()).Jobs![0]!;
    expect(first).toMatchObject({ JobId: jobId, IsCanceled: false, JobType: 'Import' });
    expect(first.CreationDate).toBeInstanceOf(Date);
  });

  it('returns the status with every member the SDK knows', async () => {
    const out = await ie.getStatus({ JobId: jobId }).promise();
    expect(out).toMatchObject({
      JobId: jobId,
      JobType: 'Import',
      LocationCode: 'NotReceived',
      LocationMessage: 'AWS has not received your device.',
      ProgressCode: 'Pending',
      ProgressMessage: 'The specified job has not started.',
      ErrorCount: 0,
      ArtifactList: [],
    });
    expect(out.CreationDate).toBeInstanceOf(Date);
    expect(out.CurrentManifest).toContain('deviceId: SDK-1');
  });

  it('replaces the manifest with UpdateJob', async () => {
    const out = await ie
      .updateJob({
        JobId: jobId,
        JobType: 'Import',
        Manifest: importManifest(sim.credentials.accessKeyId, 'SDK-1B'),
        ValidateOnly: false,
      })
      .promise();
    expect(out.Success).toBe(true);
    expect((await ie.getStatus({ JobId: jobId }).promise()).CurrentManifest).toContain('deviceId: SDK-1B');
  });

  it('serves the shipping label it returns on loopback', async () => {
    const out = await ie
      .getShippingLabel({
        jobIds: [jobId],
        name: 'Jane Roe',
        street1: '123 Any Street',
        city: 'Anytown',
        country: 'USA',
      })
      .promise();
    expect(out.ShippingLabelURL).toMatch(
      new RegExp(`^${sim.account.endpoint}/shipping-labels/${jobId}-[0-9a-f]{8}\\.pdf$`),
    );
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      https
        .get(out.ShippingLabelURL!, { agent }, (r) => {
          let body = '';
          r.on('data', (c: Buffer) => {
            body += c.toString();
          });
          r.on('end', () => resolve({ status: r.statusCode ?? 0, type: String(r.headers['content-type']), body }));
        })
        .on('error', reject);
    });
    expect(res).toMatchObject({ status: 200, type: 'application/pdf' });
    expect(res.body.startsWith('%PDF-')).toBe(true);
    const status = await ie.getStatus({ JobId: jobId }).promise();
    expect(status.ArtifactList).toEqual([{ Description: 'Shipping label', URL: out.ShippingLabelURL }]);
  });

  it('cancels it; the listing flags it and a second cancel is refused', async () => {
    expect((await ie.cancelJob({ JobId: jobId }).promise()).Success).toBe(true);
    expect((await ie.getStatus({ JobId: jobId }).promise()).ProgressCode).toBe('Canceled');
    expect((await ie.listJobs({}).promise()).Jobs![0]).toMatchObject({ JobId: jobId, IsCanceled: true });
    expect(await sdkError(ie.cancelJob({ JobId: jobId }))).toMatchObject({
      code: 'CanceledJobIdException',
      statusCode: 400,
    });
  });

  it('runs a job through the location and progress codes to Complete/Returned', async () => {
    const created = await ie
      .createJob({
        JobType: 'Import',
        Manifest: importManifest(sim.credentials.accessKeyId, 'SDK-2'),
        ValidateOnly: false,
      })
      .promise();
    const seen: string[] = [];
    let status = await ie.getStatus({ JobId: created.JobId! }).promise();
    for (let i = 0; i < 60 && status.LocationCode !== 'Returned'; i++) {
      const state = `${status.ProgressCode}/${status.LocationCode}`;
      if (seen.at(-1) !== state) seen.push(state);
      if (status.ProgressCode === 'InProgress') {
        expect(await sdkError(ie.cancelJob({ JobId: created.JobId! }))).toMatchObject({
          code: 'UnableToCancelJobIdException',
        });
        expect(
          await sdkError(
            ie.updateJob({
              JobId: created.JobId!,
              JobType: 'Import',
              Manifest: importManifest(sim.credentials.accessKeyId, 'X'),
              ValidateOnly: false,
            }),
          ),
        ).toMatchObject({ code: 'UnableToUpdateJobIdException' });
      }
      sim.step();
      status = await ie.getStatus({ JobId: created.JobId! }).promise();
    }
    expect(seen).toEqual(['Pending/NotReceived', 'Pending/AtAWS', 'InProgress/AtAWS', 'Complete/AtAWS']);
    expect(status).toMatchObject({
      ProgressCode: 'Complete',
      LocationCode: 'Returned',
      Carrier: 'UPS',
      TrackingNumber: expect.stringMatching(/^1Z/),
      LogBucket: 'sdk-bucket',
      LogKey: `import-log-${created.JobId}`,
    });
  });

  it('moves the seeded jobs through every kind of outcome, deterministically for the seed', async () => {
    for (let i = 0; i < 10; i++) sim.step();
    const outcomes = new Set<string>();
    for (const job of (await ie.listJobs({ MaxJobs: 1000 }).promise()).Jobs!) {
      try {
        const s = await ie.getStatus({ JobId: job.JobId! }).promise();
        outcomes.add(`${s.ProgressCode}/${s.LocationCode}`);
      } catch (error) {
        outcomes.add((error as AWSError).code);
      }
    }
    const list = [...outcomes];
    expect(list).toContain('Complete/Returned');
    expect(list).toContain('SuccessWithErrors/Returned');
    expect(list).toContain('CanceledJobIdException');
    expect(list.some((o) => /^(Expired\/|ExpiredJobIdException)/.test(o))).toBe(true);
    expect(list.some((o) => /^(DeviceError|InvalidSignature|Missing\w+|Unsupported\w+)\//.test(o))).toBe(true);
  });
});

describe('error codes as the SDK reports them', () => {
  const key = () => sim.credentials.accessKeyId;
  const create = (manifest: string, jobType = 'Import') =>
    ie.createJob({ JobType: jobType, Manifest: manifest, ValidateOnly: true });

  it.each([
    ['an unknown job', () => ie.getStatus({ JobId: 'NOPE1' }), 'InvalidJobIdException', 400],
    [
      'a wrong secret',
      () => sdkFor(sim, { secretAccessKey: 'not-the-secret' }).listJobs({}),
      'SignatureDoesNotMatch',
      403,
    ],
    [
      'an unknown key',
      () => sdkFor(sim, { accessKeyId: 'AKIAUNKNOWN000000000' }).listJobs({}),
      'InvalidClientTokenIdException',
      403,
    ],
    ['malformed YAML', () => create('manifestVersion: 2.0\n  bucket: [x'), 'MalformedManifestException', 400],
    [
      'a missing field',
      () => create(importManifest(key(), 'E').replace('bucket: sdk-bucket\n', '')),
      'MissingManifestFieldException',
      400,
    ],
    [
      'another key in the manifest',
      () => create(importManifest('AKIAOTHER00000000000', 'E')),
      'InvalidAccessKeyIdException',
      400,
    ],
    [
      'a bad address',
      () => create(importManifest(key(), 'E').replace('  city: Anytown\n', '')),
      'InvalidAddressException',
      400,
    ],
    [
      'a bucket that does not exist',
      () => create(importManifest(key(), 'E').replace('sdk-bucket', 'no-such-bucket')),
      'NoSuchBucketException',
      400,
    ],
    [
      'an invalid field',
      () => create(importManifest(key(), 'E', '\nacl: everyone')),
      'InvalidManifestFieldException',
      400,
    ],
    [
      'an export file system',
      () =>
        create(
          `manifestVersion: 2.0\naccessKeyId: ${key()}\ndeviceId: E\nfileSystem: HFS\nlogBucket: logs\noperations:\n  - exportBucket: data\nreturnAddress:\n  name: J\n  street1: S\n  city: C\n  phoneNumber: P\n  country: USA\n`,
          'Export',
        ),
      'InvalidFileSystemException',
      400,
    ],
    [
      'a job type the model does not list',
      () => create(importManifest(key(), 'E'), 'Bogus'),
      'InvalidParameterException',
      400,
    ],
    ['an unknown marker', () => ie.listJobs({ Marker: 'NOPE1' }), 'InvalidParameterException', 400],
    [
      'a missing ValidateOnly (SDK validation off)',
      () =>
        sdkFor(sim, { paramValidation: false }).createJob({
          JobType: 'Import',
          Manifest: importManifest(key(), 'E'),
        } as ImportExport.CreateJobInput),
      'MissingParameterException',
      400,
    ],
  ])('%s → %s', async (_case, request, code, status) => {
    const error = await sdkError(request());
    expect(error).toMatchObject({ code, statusCode: status, retryable: false });
    expect(error.requestId).toBeTruthy();
  });

  it('throttling is retryable for the SDK', async () => {
    sim.inject({ status: 400, code: 'Throttling', retryAfterSeconds: 1 });
    expect(await sdkError(ie.listJobs({}))).toMatchObject({ code: 'Throttling', retryable: true });
  });

  it('the daily create quota', async () => {
    const limited = await start({ seedJobs: 0, autopilot: false, dailyCreateQuota: 1 });
    const sdk = sdkFor(limited);
    const manifest = importManifest(limited.credentials.accessKeyId, 'Q');
    await sdk.createJob({ JobType: 'Import', Manifest: manifest, ValidateOnly: false }).promise();
    // A dry run does not count against the quota.
    await sdk.createJob({ JobType: 'Import', Manifest: manifest, ValidateOnly: true }).promise();
    expect(await sdkError(sdk.createJob({ JobType: 'Import', Manifest: manifest, ValidateOnly: false }))).toMatchObject(
      { code: 'CreateJobQuotaExceededException', statusCode: 400 },
    );
  });
});
