import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  jobStateFromAws,
  refFromListEntry,
  snapshotForGoneJob,
  snapshotFromCreate,
  snapshotFromStatus,
} from './map.js';
import { decodeResult, parseErrorEnvelope } from './wire.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const status = (name: string) => {
  const out = decodeResult('GetStatus', fixture(name));
  if (!out) throw new Error(`${name} is not a GetStatusResult`);
  return out;
};

describe('GetStatus → snapshot', () => {
  it('maps the AWS CLI get-status example (job EX1ID) and keeps its secrets out', () => {
    const snapshot = snapshotFromStatus(status('get-status-cli-example.xml'));
    expect(snapshot).toMatchObject({
      nativeId: 'EX1ID',
      name: 'EX1ID',
      type: 'IMPORT',
      state: 'CREATING',
      providerState: 'Pending/NotReceived',
      cancelRequested: false,
      createdAt: '2015-05-27T18:58:21.000Z',
      location: 'NotReceived',
      progress: { percent: null, message: 'The specified job has not started.' },
      artifacts: [],
      errors: [],
      failureReason: null,
    });
    expect(snapshot.shipping).toEqual({
      deliverTo: null,
      deliveryPackage: null,
      returnPackage: null,
      returnCarrier: null,
      returnAddress: {
        recipientName: 'Jane Roe',
        company: 'Example Corp.',
        streetLines: ['123 Any Street'],
        city: 'Anytown',
        stateOrProvince: 'WA',
        postalCode: '91011-1111',
        countryOrRegion: 'USA',
        phone: '206-555-1111',
        email: null,
      },
    });
    expect(snapshot.details).toEqual({
      manifestVersion: '2.0',
      generator: 'Text editor',
      bucket: 'amzn-s3-demo-bucket',
      deviceId: '49382',
      eraseDevice: 'yes',
      notificationEmail: 'john.doe@example.com;jane.roe@example.com',
      acl: 'private',
      serviceLevel: 'standard',
      progressCode: 'Pending',
      locationCode: 'NotReceived',
      locationMessage: 'AWS has not received your device.',
      errorCount: 0,
    });
    const json = JSON.stringify(snapshot);
    expect(json).not.toContain('password123'); // trueCryptPassword
    expect(json).not.toContain('ktKDXpdbEXAMPLEyGFJmQO744UHw='); // the device signature
  });

  it('reads empty elements of the minimal answer aws-sdk accepts as absent values', () => {
    const snapshot = snapshotFromStatus(status('get-status-sdk-minimal.xml'));
    expect(snapshot.state).toBe('CREATING');
    expect(snapshot.createdAt).toBe('2010-03-28T20:27:35.000Z');
    expect(snapshot.shipping).toBeNull();
    expect(snapshot.progress.message).toBeNull();
    expect(snapshot.details).toEqual({
      progressCode: 'Pending',
      locationCode: 'NotReceived',
      locationMessage: null,
      errorCount: 0,
    });
  });

  it('maps a returned export with errors: log and label artifacts without signed parameters, return package', () => {
    const snapshot = snapshotFromStatus(status('get-status-returned-with-errors.xml'));
    expect(snapshot).toMatchObject({
      nativeId: 'WXSPP',
      type: 'EXPORT',
      state: 'COMPLETED_WITH_ERRORS',
      providerState: 'SuccessWithErrors/Returned',
      createdAt: '2010-03-28T20:27:35.123Z',
      location: 'Returned',
    });
    expect(snapshot.artifacts).toEqual([
      {
        kind: 'SHIPPING_LABEL',
        description: 'Shipping label',
        url: 'https://importexport-labels.s3.amazonaws.com/WXSPP.pdf',
      },
      { kind: 'LOG', description: 'Export log', url: 's3://mybucket/logs/export-log-WXSPP' },
    ]);
    expect(snapshot.errors).toEqual([
      { code: 'ErrorCount', message: '3 errors during the data load; see s3://mybucket/logs/export-log-WXSPP' },
    ]);
    expect(snapshot.shipping?.returnPackage).toEqual({
      carrier: 'UPS',
      trackingNumber: '1Z9999W99999999999',
      driveCount: 1,
      shipDate: null,
    });
    expect(snapshot.shipping?.returnCarrier).toBe('UPS');
    expect(snapshot.shipping?.returnAddress?.streetLines).toEqual(['Your Street', 'Optional 2nd Line for Street']);
    expect(snapshot.details).toMatchObject({
      fileSystem: 'NTFS',
      logBucket: 'mybucket',
      logPrefix: 'logs/',
      exportBuckets: 'mybucket',
      errorCount: 3,
    });
    const json = JSON.stringify(snapshot);
    for (const secret of ['AKIAIOSFODNN7EXAMPLE', 'Signature=', 'jLbLVp54vBa/vuh/XW1MOMdZUxw=']) {
      expect(json).not.toContain(secret);
    }
  });

  it('keeps IsCanceled from the listing over the progress code (a job is never un-cancelled)', () => {
    const listed = { nativeId: 'EX1ID', createdAt: null, type: 'IMPORT' as const, cancelled: true };
    expect(snapshotFromStatus(status('get-status-cli-example.xml'), listed).state).toBe('CANCELLED');
  });

  it('names the abort reason of failed jobs', () => {
    const failed = { ...status('get-status-cli-example.xml'), ProgressCode: 'MissingSignature', LocationCode: 'AtAWS' };
    failed.ProgressMessage = 'The job was aborted. The SIGNATURE file was missing.';
    const snapshot = snapshotFromStatus(failed);
    expect(snapshot.state).toBe('FAILED');
    expect(snapshot.failureReason).toBe('MissingSignature: The job was aborted. The SIGNATURE file was missing.');
    expect(snapshot.errors).toEqual([
      { code: 'MissingSignature', message: 'The job was aborted. The SIGNATURE file was missing.' },
    ]);
  });
});

describe('ProgressCode × LocationCode → state (REFERENCE.md D3)', () => {
  it.each([
    ['Pending', 'NotReceived', 'CREATING'],
    ['Pending', 'AtAWS', 'RECEIVED'],
    ['InProgress', 'AtAWS', 'TRANSFERRING'],
    ['Complete', 'AtAWS', 'PACKAGING'],
    ['Complete', 'Returned', 'COMPLETED'],
    ['Success', 'Returned', 'COMPLETED'],
    ['SuccessWithErrors', 'AtAWS', 'COMPLETED_WITH_ERRORS'],
    ['SuccessWithErrors', 'Returned', 'COMPLETED_WITH_ERRORS'],
    ['DeviceError', 'AtAWS', 'FAILED'],
    ['InvalidSignature', 'Returned', 'FAILED'],
    ['MissingDevice', 'AtAWS', 'FAILED'],
    ['MissingSignature', 'AtAWS', 'FAILED'],
    ['UnsupportedDeviceType', 'AtAWS', 'FAILED'],
    ['UnsupportedFileFormat', 'AtAWS', 'FAILED'],
    ['UnsupportedPowerSupply', 'AtAWS', 'FAILED'],
    ['Expired', 'NotReceived', 'FAILED'],
    ['Canceled', 'NotReceived', 'CANCELLED'],
    ['Started', 'AtAWS', null],
    ['Pending', 'Returned', null],
  ])('%s + %s → %s', (progress, location, state) => {
    expect(jobStateFromAws(progress, location)).toBe(state);
  });
});

describe('other answers', () => {
  it('turns ListJobs members into references, cancelled ones flagged', () => {
    const out = decodeResult('ListJobs', fixture('list-jobs.xml'));
    expect(out?.IsTruncated).toBe(true);
    expect(out?.Jobs.map(refFromListEntry)).toEqual([
      { nativeId: 'ABCDE', createdAt: '2010-03-28T20:27:35.000Z', type: 'IMPORT' },
      { nativeId: 'FGHIJ', createdAt: '2010-02-05T10:00:00.000Z', type: 'EXPORT', cancelled: true },
    ]);
  });

  it('reads the Developer Guide CreateJob sample and builds a CREATING job without its signature', () => {
    const out = decodeResult('CreateJob', fixture('create-job-guide-sample.xml'));
    expect(out).toMatchObject({ JobId: 'TEST1', Signature: 'O3qG7xnI46ZEm9gi+eOy9dnSS9k=', JobType: null });
    const snapshot = snapshotFromCreate(
      out!,
      'Import',
      { manifestVersion: '2.0', deviceId: 'D1' },
      Date.UTC(2010, 0, 1),
    );
    expect(snapshot).toMatchObject({
      nativeId: 'TEST1',
      type: 'IMPORT',
      state: 'CREATING',
      createdAt: '2010-01-01T00:00:00.000Z',
    });
    expect(snapshot.details).toMatchObject({ deviceId: 'D1' });
    expect(JSON.stringify(snapshot)).not.toContain('O3qG7xnI46ZEm9gi');
  });

  it('turns CanceledJobIdException and ExpiredJobIdException into states', () => {
    const listed = { nativeId: 'ABCDE', createdAt: '2010-03-28T20:27:35.000Z', type: 'EXPORT' as const };
    expect(snapshotForGoneJob('ABCDE', 'CanceledJobIdException', listed)).toMatchObject({
      state: 'CANCELLED',
      providerState: 'CanceledJobIdException',
      type: 'EXPORT',
      createdAt: listed.createdAt,
    });
    expect(snapshotForGoneJob('ABCDE', 'ExpiredJobIdException', listed)).toMatchObject({
      state: 'FAILED',
      failureReason: expect.stringContaining('Expired'),
    });
  });

  it('reads the error envelope the real service sent', () => {
    expect(parseErrorEnvelope(fixture('error-signature-does-not-match.xml'))).toMatchObject({
      code: 'SignatureDoesNotMatch',
      type: 'Sender',
    });
    expect(parseErrorEnvelope('not xml <<<')).toBeUndefined();
  });
});

describe('numbers outside their range (a hostile or broken answer)', () => {
  it.each([
    ['-3', null],
    ['99999999999', null],
    ['12', 12],
  ])('drops an ErrorCount of %s that cannot be a count', (count, expected) => {
    const answer = decodeResult(
      'GetStatus',
      fixture('get-status-returned-with-errors.xml').replace(
        '<ErrorCount>3</ErrorCount>',
        `<ErrorCount>${count}</ErrorCount>`,
      ),
    )!;
    const snapshot = snapshotFromStatus(answer);
    expect(snapshot.details.errorCount).toBe(expected);
    expect(snapshot.errors.filter((e) => e.code === 'ErrorCount')).toHaveLength(expected === null ? 0 : 1);
  });
});
