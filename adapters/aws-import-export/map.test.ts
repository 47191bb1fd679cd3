import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nothingKnown } from '../../test/helpers/snapshots.js';
import {
  jobStateFromAws,
  refFromListEntry,
  snapshotForGoneJob,
  snapshotFromCreate,
  snapshotFromStatus,
} from './map.js';
import type { ManifestFields } from './validate.js';
import { type CreateJobOutput, decodeResult, type GetStatusOutput, parseErrorEnvelope } from './wire.js';

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
    ['Pending', null, 'CREATING'], // no location yet: a new job
    [null, 'AtAWS', null],
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

describe('whole snapshots, field by field', () => {
  /** A GetStatus answer with nothing in it but the id: what a broken or minimal answer gives the mapping. */
  const blank = (extra: Partial<GetStatusOutput> = {}): GetStatusOutput => ({
    JobId: 'J1',
    JobType: null,
    LocationCode: null,
    LocationMessage: null,
    ProgressCode: null,
    ProgressMessage: null,
    Carrier: null,
    TrackingNumber: null,
    LogBucket: null,
    LogKey: null,
    ErrorCount: null,
    Signature: null,
    SignatureFileContents: null,
    CurrentManifest: null,
    CreationDate: null,
    ArtifactList: [],
    ...extra,
  });

  const createOut = (extra: Partial<CreateJobOutput>): CreateJobOutput => ({
    JobId: null,
    JobType: null,
    Signature: null,
    SignatureFileContents: null,
    WarningMessage: null,
    ArtifactList: [],
    ...extra,
  });

  it('maps an answer without codes, type or date from what the listing said', () => {
    const listed = { nativeId: 'J1', createdAt: '2026-01-02T03:04:05.000Z', type: 'EXPORT' as const };
    expect(snapshotFromStatus(blank(), listed)).toStrictEqual({
      ...nothingKnown('J1', 'EXPORT'),
      providerState: '/',
      createdAt: '2026-01-02T03:04:05.000Z',
      details: { progressCode: null, locationCode: null, locationMessage: null, errorCount: null },
    });
    // Nothing listed either: an import, of unknown age.
    expect(snapshotFromStatus(blank())).toMatchObject({ type: 'IMPORT', createdAt: null });
  });

  it('tells artifacts apart by their description', () => {
    const artifacts = [
      { Description: 'Shipping label', URL: 'https://s3.example/label.pdf?Signature=x' },
      { Description: 'Manifest file', URL: 'https://s3.example/manifest' },
      { Description: 'Import log', URL: 'https://s3.example/log' },
      { Description: 'Something else', URL: 'https://s3.example/other' },
      { Description: null, URL: null },
    ];
    expect(snapshotFromStatus(blank({ ArtifactList: artifacts })).artifacts).toEqual([
      { kind: 'SHIPPING_LABEL', description: 'Shipping label', url: 'https://s3.example/label.pdf' },
      { kind: 'MANIFEST', description: 'Manifest file', url: 'https://s3.example/manifest' },
      { kind: 'LOG', description: 'Import log', url: 'https://s3.example/log' },
      { kind: 'OTHER', description: 'Something else', url: 'https://s3.example/other' },
      { kind: 'OTHER', description: null, url: null },
    ]);
  });

  it('adds the data-load log only when both its bucket and key are known, and points errors at it', () => {
    const both = snapshotFromStatus(blank({ JobType: 'Import', LogBucket: 'b', LogKey: 'k', ErrorCount: 2 }));
    expect(both.artifacts).toEqual([{ kind: 'LOG', description: 'Import log', url: 's3://b/k' }]);
    const half = snapshotFromStatus(blank({ LogBucket: 'b', ErrorCount: 2 }));
    expect(half.artifacts).toEqual([]);
    expect(half.errors).toEqual([{ code: 'ErrorCount', message: '2 errors during the data load' }]);
    expect(snapshotFromStatus(blank({ LogKey: 'k' })).artifacts).toEqual([]);
  });

  it('has a return package as soon as a tracking number is known, even without a carrier', () => {
    expect(snapshotFromStatus(blank({ TrackingNumber: '1Z' })).shipping).toEqual({
      deliverTo: null,
      deliveryPackage: null,
      returnPackage: { carrier: null, trackingNumber: '1Z', driveCount: 1, shipDate: null },
      returnAddress: null,
      returnCarrier: null,
    });
  });

  it('names a failure by its code alone when AWS gave no message', () => {
    const failed = snapshotFromStatus(blank({ ProgressCode: 'DeviceError', LocationCode: 'AtAWS' }));
    expect([failed.state, failed.failureReason, failed.errors]).toEqual([
      'FAILED',
      'DeviceError',
      [{ code: 'DeviceError', message: 'DeviceError' }],
    ]);
  });

  it('builds a created job whole from the CreateJob answer and the manifest sent', () => {
    const manifest: ManifestFields = {
      manifestVersion: ' 2.0 ',
      deviceId: 'D1',
      trueCryptPassword: 'never-shown',
      // An empty YAML list item reads as null.
      operations: [
        { exportBucket: ' b1 ' },
        'junk',
        ['list'],
        null as never,
        { exportBucket: '  ' },
        { other: 'x' },
        { exportBucket: 'b2' },
      ],
      returnAddress: { name: 'Jane', street1: '1 Main', street2: ' ', city: 'Town', country: 'USA' },
    };
    const out = createOut({ JobId: 'NEW01', Signature: 'sig', SignatureFileContents: 'sig' });
    const artifacts = [{ Description: 'Shipping label', URL: 'https://s3.example/l?Signature=x' }];
    expect(
      snapshotFromCreate({ ...out, ArtifactList: artifacts }, 'Export', manifest, Date.UTC(2026, 0, 1)),
    ).toStrictEqual({
      nativeId: 'NEW01',
      name: 'NEW01',
      type: 'EXPORT',
      state: 'CREATING',
      providerState: 'Pending/NotReceived',
      cancelRequested: false,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: null,
      progress: { percent: null, bytesTransferred: null, itemsProcessed: null, message: null },
      drives: [],
      artifacts: [{ kind: 'SHIPPING_LABEL', description: 'Shipping label', url: 'https://s3.example/l' }],
      shipping: {
        deliverTo: null,
        deliveryPackage: null,
        returnPackage: null,
        returnAddress: {
          recipientName: 'Jane',
          company: null,
          streetLines: ['1 Main'],
          city: 'Town',
          stateOrProvince: null,
          postalCode: null,
          countryOrRegion: 'USA',
          phone: null,
          email: null,
        },
        returnCarrier: null,
      },
      location: 'NotReceived',
      errors: [],
      failureReason: null,
      details: {
        manifestVersion: '2.0',
        deviceId: 'D1',
        exportBuckets: 'b1, b2',
        progressCode: 'Pending',
        locationCode: 'NotReceived',
      },
    });
  });

  it('has no return address (and no shipping) for a manifest whose returnAddress is not a mapping', () => {
    for (const returnAddress of ['somewhere', ['a', 'b']]) {
      const created = snapshotFromCreate(createOut({ JobId: 'X' }), 'Import', { returnAddress }, 0);
      expect(created.shipping, JSON.stringify(returnAddress)).toBeNull();
    }
    // An answer without an id or type: an import, with an empty id.
    expect(snapshotFromCreate(createOut({}), 'Import', {}, 0)).toMatchObject({ nativeId: '', type: 'IMPORT' });
    // No export bucket named at all: no exportBuckets detail.
    expect(
      snapshotFromCreate(createOut({ JobId: 'X' }), 'Import', { operations: [{ other: 'x' }] }, 0).details,
    ).toEqual({
      progressCode: 'Pending',
      locationCode: 'NotReceived',
    });
  });

  it('takes a gone job for an import when the listing did not say', () => {
    const listed = { nativeId: 'GONE2', createdAt: null, type: null };
    expect(snapshotForGoneJob('GONE2', 'CanceledJobIdException', listed).type).toBe('IMPORT');
  });

  it('describes gone jobs whole: cancelled, or expired out of the system', () => {
    const listed = { nativeId: 'GONE1', createdAt: '2010-03-28T20:27:35.000Z', type: 'EXPORT' as const };
    const base = {
      nativeId: 'GONE1',
      name: 'GONE1',
      type: 'EXPORT',
      cancelRequested: false,
      createdAt: listed.createdAt,
      updatedAt: null,
      drives: [],
      artifacts: [],
      shipping: null,
      location: null,
    };
    expect(snapshotForGoneJob('GONE1', 'CanceledJobIdException', listed)).toStrictEqual({
      ...base,
      state: 'CANCELLED',
      providerState: 'CanceledJobIdException',
      progress: { percent: null, bytesTransferred: null, itemsProcessed: null, message: 'The job was canceled.' },
      errors: [],
      failureReason: null,
      details: { progressCode: 'Canceled' },
    });
    expect(snapshotForGoneJob('GONE1', 'ExpiredJobIdException', listed)).toStrictEqual({
      ...base,
      state: 'FAILED',
      providerState: 'ExpiredJobIdException',
      progress: { percent: null, bytesTransferred: null, itemsProcessed: null, message: 'The job expired.' },
      errors: [{ code: 'Expired', message: 'The job expired out of the system.' }],
      failureReason: 'Expired: the job expired out of the system.',
      details: { progressCode: 'Expired' },
    });
  });
});
