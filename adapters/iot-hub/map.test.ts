import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nothingKnown } from '../../test/helpers/snapshots.js';
import { iotTime, jobStateFromIot, jobTypeFromIot, snapshotFromIotJob } from './map.js';
import { type JobProperties, jobPropertiesSchema } from './wire.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const job = (name: string): JobProperties => jobPropertiesSchema.parse(fixture(name));
/** No `sig=` and none of the fixture's SAS signatures (raw or decoded) survive mapping. */
function expectNoSignatures(snapshot: unknown, name: string) {
  const text = JSON.stringify(snapshot);
  expect(text).not.toContain('sig=');
  for (const [, sig] of JSON.stringify(fixture(name)).matchAll(/sig=([^&"]+)/g)) {
    expect(text).not.toContain(sig);
    expect(text).not.toContain(decodeURIComponent(sig!));
  }
}

describe('IoT Hub status → normalized state (REFERENCE.md D4)', () => {
  it.each([
    ['enqueued', 'CREATING'],
    ['queued', 'CREATING'],
    ['scheduled', 'CREATING'],
    ['running', 'TRANSFERRING'],
    ['Running', 'TRANSFERRING'],
    ['completed', 'COMPLETED'],
    ['failed', 'FAILED'],
    ['cancelled', 'CANCELLED'],
    ['unknown', null],
    ['somethingNew', null],
    [undefined, null],
  ])('%s → %s', (status, state) => {
    expect(jobStateFromIot(status)).toBe(state);
  });

  it('knows only import and export as job types', () => {
    expect(jobTypeFromIot('import')).toBe('IMPORT');
    expect(jobTypeFromIot('export')).toBe('EXPORT');
    expect(jobTypeFromIot('scheduleUpdateTwin')).toBeNull();
    expect(snapshotFromIotJob({ jobId: 'x', type: 'backup', status: 'completed' })).toBeNull();
  });

  it('treats the .NET "not set" dates as no date', () => {
    expect(iotTime('9999-12-30T23:59:59.9999999Z')).toBeNull();
    expect(iotTime('0001-01-01T00:00:00')).toBeNull();
    expect(iotTime('not a date')).toBeNull();
    expect(iotTime('2015-01-28T16:24:48.789Z')).toBe('2015-01-28T16:24:48.789Z');
  });
});

describe('snapshotFromIotJob with the reference payloads', () => {
  it('maps the seed 002 job (failed export, string progress and flag) and strips every SAS', () => {
    const snapshot = snapshotFromIotJob(job('seed-002-get-job.json'))!;
    expect(snapshot).toMatchObject({
      nativeId: '237a8d76-8f1a-4771-8464-6f733e4879bf',
      name: '237a8d76-8f1a-4771-8464-6f733e4879bf',
      type: 'EXPORT',
      state: 'FAILED',
      providerState: 'failed',
      createdAt: '2015-01-28T16:24:48.789Z',
      updatedAt: '2015-01-28T16:31:02.114Z',
      progress: { percent: 40, bytesTransferred: null, itemsProcessed: null, message: null },
      drives: [],
      shipping: null,
      artifacts: [
        {
          kind: 'BLOB_OUTPUT',
          url: 'https://contosodevices.blob.core.windows.net/exports',
          description: 'Output blob container: devices written to "devices.txt"',
        },
      ],
      details: {
        startTimeUtc: '2015-01-28T16:24:48.789Z',
        endTimeUtc: '2015-01-28T16:31:02.114Z',
        excludeKeysInExport: true,
      },
    });
    expect(snapshot.failureReason).toBe(
      'Could not write to https://contosodevices.blob.core.windows.net/exports access denied',
    );
    expect(snapshot.errors).toEqual([{ code: null, message: snapshot.failureReason }]);
    expectNoSignatures(snapshot, 'seed-002-get-job.json');
  });

  it('maps every Swagger JobProperties field of a running identity-based import', () => {
    const snapshot = snapshotFromIotJob(job('service-json-job.json'))!;
    expect(snapshot).toMatchObject({
      type: 'IMPORT',
      state: 'TRANSFERRING',
      providerState: 'running',
      createdAt: '2021-06-01T08:00:00.000Z',
      // endTimeUtc 9999-12-30 means "not finished": the job was last changed when it started, as far as we know.
      updatedAt: '2021-06-01T08:00:00.000Z',
      progress: { percent: 42 },
      errors: [],
      failureReason: null,
    });
    expect(snapshot.artifacts).toEqual([
      {
        kind: 'BLOB_INPUT',
        url: 'https://contosodevices.blob.core.windows.net/devices-in',
        description: 'Input blob container: devices read from "fleet-2021.txt", configurations in "configs-2021.txt"',
      },
      {
        kind: 'BLOB_OUTPUT',
        url: 'https://contosodevices.blob.core.windows.net/import-results',
        description: 'Output blob container: the import writes its error log here',
      },
    ]);
    expect(snapshot.details).toEqual({
      startTimeUtc: '2021-06-01T08:00:00.000Z',
      storageAuthenticationType: 'identityBased',
      includeConfigurations: true,
      configurationsBlobName: 'configs-2021.txt',
      inputBlobName: 'fleet-2021.txt',
      outputBlobName: 'import-errors.log',
      userAssignedIdentity:
        '/subscriptions/6b1e1a4c-0000-4000-8000-3c2f0f6a9d10/resourceGroups/iot-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/hub-import',
    });
  });

  it('maps the SDK_WIRE minimal job (enqueued import with SAS containers)', () => {
    const snapshot = snapshotFromIotJob(job('sdk-wire-minimal-job.json'))!;
    expect(snapshot).toMatchObject({
      nativeId: 'job-1',
      type: 'IMPORT',
      state: 'CREATING',
      providerState: 'enqueued',
      createdAt: '2026-11-22T23:22:22.000Z',
      progress: { percent: 0 },
    });
    expect(snapshot.artifacts.map((a) => [a.kind, a.url])).toEqual([
      ['BLOB_INPUT', 'https://contosodevices.blob.core.windows.net/devices-in'],
      ['BLOB_OUTPUT', 'https://contosodevices.blob.core.windows.net/import-results'],
    ]);
    // excludeKeysInExport means nothing for an import: not shown.
    expect(snapshot.details).toEqual({
      startTimeUtc: '2026-11-22T23:22:22.000Z',
      storageAuthenticationType: 'keyBased',
    });
    expectNoSignatures(snapshot, 'sdk-wire-minimal-job.json');
  });

  it('reports a completed job as 100 % even when the service left progress at 0', () => {
    const snapshot = snapshotFromIotJob({ ...job('sdk-wire-minimal-job.json'), status: 'completed', progress: 0 })!;
    expect(snapshot.progress.percent).toBe(100);
  });

  it('keeps no query string of a container URI it cannot parse', () => {
    const snapshot = snapshotFromIotJob({
      jobId: 'j',
      type: 'export',
      status: 'enqueued',
      outputBlobContainerUri: 'not-a-url?sig=SECRET',
    })!;
    expect(snapshot.artifacts).toEqual([expect.objectContaining({ kind: 'BLOB_OUTPUT', url: 'not-a-url' })]);
    expect(JSON.stringify(snapshot)).not.toContain('SECRET');
  });
});

describe('numbers outside their range (a hostile or broken answer)', () => {
  it.each([
    [250, 100],
    [-7, 0],
    ['63', 63],
    ['1e999', null],
    ['NaN', null],
    ['half', null],
  ])('progress %o → percent %o', (progress, percent) => {
    const snapshot = snapshotFromIotJob(
      jobPropertiesSchema.parse({ ...(fixture('service-json-job.json') as object), status: 'running', progress }),
    );
    expect(snapshot?.progress.percent).toBe(percent);
  });
});

describe('whole snapshots, field by field', () => {
  it('maps a job that says only its id, type and status, by the documented defaults', () => {
    expect(snapshotFromIotJob({ jobId: 'j1', type: 'Export', status: '' })).toStrictEqual({
      ...nothingKnown('j1', 'EXPORT'),
      providerState: 'unknown',
    });
    expect(jobTypeFromIot(undefined)).toBeNull();
    expect(jobStateFromIot('canceled')).toBe('CANCELLED');
  });

  it('describes the blob containers with the documented default blob names, configurations included', () => {
    const uri = (name: string) => `https://store.blob.core.windows.net/${name}?sv=1&sig=abc`;
    const exported = snapshotFromIotJob({
      jobId: 'e',
      type: 'export',
      status: 'running',
      outputBlobContainerUri: uri('out'),
      includeConfigurations: ' TRUE ',
    })!;
    expect(exported.artifacts).toEqual([
      {
        kind: 'BLOB_OUTPUT',
        description: 'Output blob container: devices written to "devices.txt", configurations in "configurations.txt"',
        url: 'https://store.blob.core.windows.net/out',
      },
    ]);
    const imported = snapshotFromIotJob({
      jobId: 'i',
      type: 'import',
      status: 'running',
      inputBlobContainerUri: uri('in'),
      inputBlobName: 'my.txt',
      includeConfigurations: 'false',
      excludeKeysInExport: true,
    })!;
    expect(imported.artifacts).toEqual([
      {
        kind: 'BLOB_INPUT',
        description: 'Input blob container: devices read from "my.txt"',
        url: 'https://store.blob.core.windows.net/in',
      },
    ]);
    // An import has no output container here: no artifact for it. Flags: false is kept, unknown words are not.
    expect(imported.details).toStrictEqual({ includeConfigurations: false, inputBlobName: 'my.txt' });
    expect(
      snapshotFromIotJob({ jobId: 'f', type: 'export', status: 'running', includeConfigurations: ' FALSE ' })!.details,
    ).toStrictEqual({ includeConfigurations: false });
    // Empty names are no names.
    expect(
      snapshotFromIotJob({
        jobId: 'f',
        type: 'export',
        status: 'running',
        outputBlobName: '',
        configurationsBlobName: '',
      })!.details,
    ).toStrictEqual({});
    for (const word of ['yes', 'true-ish', 'xtrue', 'truex', 'xfalse', 'falsex']) {
      const flagged = snapshotFromIotJob({
        jobId: 'f',
        type: 'export',
        status: 'running',
        includeConfigurations: word,
      })!;
      expect(flagged.details, word).toStrictEqual({});
    }
  });

  it('trims a failure reason, drops an empty one, and redacts a URL in it', () => {
    const failed = snapshotFromIotJob({
      jobId: 'f',
      type: 'export',
      status: 'failed',
      failureReason: '  cannot write https://s.blob.core.windows.net/c?sig=abc  ',
    })!;
    const reason = 'cannot write https://s.blob.core.windows.net/c';
    expect([failed.failureReason, failed.errors]).toEqual([reason, [{ code: null, message: reason }]]);
    const blank = snapshotFromIotJob({ jobId: 'f', type: 'export', status: 'failed', failureReason: '   ' })!;
    expect([blank.failureReason, blank.errors]).toEqual([null, []]);
  });

  it('takes 1971 as the first real year, and the update time from the end, else the start', () => {
    expect(iotTime('1971-01-01T00:00:00.000Z')).toBe('1971-01-01T00:00:00.000Z');
    expect(iotTime('1970-12-31T23:59:59.000Z')).toBeNull();
    expect(iotTime('')).toBeNull();
    const running = snapshotFromIotJob({
      jobId: 'r',
      type: 'import',
      status: 'running',
      startTimeUtc: '2026-01-01T00:00:00Z',
      endTimeUtc: '9999-12-30T23:59:59Z',
    })!;
    expect([running.createdAt, running.updatedAt]).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
  });
});
