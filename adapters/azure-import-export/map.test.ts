/** The mapping, with the provider's own example payloads (fixtures/ are copies of the spec's examples). */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../src/sdk/index.js';
import { nothingKnown } from '../../test/helpers/snapshots.js';
import { driveStateFromAzure, jobSnapshotFromAzure, jobStateFromAzure, resourceGroupFromId } from './map.js';
import type { ArmJobResponse, ArmListJobsResponse } from './wire.js';

const example = <T>(file: string, status = '200'): T =>
  (
    JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')) as {
      responses: Record<string, { body: T }>;
    }
  ).responses[status]!.body;

const getJob = () => example<ArmJobResponse>('GetJob.json');
const withState = (state: string, job = getJob()): ArmJobResponse => ({
  ...job,
  properties: { ...job.properties, state },
});

describe('job states (REFERENCE.md D1)', () => {
  it.each([
    ['Creating', 'CREATING'],
    ['Shipping', 'SHIPPING'],
    ['Received', 'RECEIVED'],
    ['Transferring', 'TRANSFERRING'],
    ['Packaging', 'PACKAGING'],
    ['Completed', 'COMPLETED'],
    ['Closed', 'COMPLETED_WITH_ERRORS'],
    ['Canceled', 'CANCELLED'],
    ['Cancelled', 'CANCELLED'],
    ['transferring', 'TRANSFERRING'],
  ])('%s → %s, keeping the provider word', (word, normalized) => {
    const snapshot = jobSnapshotFromAzure(withState(word));
    expect(snapshot.state).toBe(normalized);
    expect(snapshot.providerState).toBe(word);
  });

  it('keeps an unknown word as providerState with state null', () => {
    const snapshot = jobSnapshotFromAzure(withState('Quarantined'));
    expect(snapshot.state).toBeNull();
    expect(snapshot.providerState).toBe('Quarantined');
    expect(jobStateFromAzure('Quarantined')).toBeNull();
    expect([jobStateFromAzure(undefined), jobStateFromAzure(null), jobStateFromAzure('')]).toEqual([
      'CREATING',
      'CREATING',
      'CREATING',
    ]);
  });

  it('reads a missing state as the spec default, Creating', () => {
    const job = getJob();
    delete job.properties!.state;
    expect(jobSnapshotFromAzure(job)).toMatchObject({ state: 'CREATING', providerState: 'Creating' });
  });

  it('flags a cancel that is requested but not finished', () => {
    const job = withState('Creating');
    job.properties!.cancelRequested = true;
    expect(jobSnapshotFromAzure(job).cancelRequested).toBe(true);
    const done = withState('Canceled');
    done.properties!.cancelRequested = true;
    expect(jobSnapshotFromAzure(done).cancelRequested).toBe(false);
  });
});

describe('drive states (REFERENCE.md D2)', () => {
  it.each([
    ['Specified', 'SPECIFIED'],
    ['Received', 'RECEIVED'],
    ['NeverReceived', 'NEVER_RECEIVED'],
    ['Transferring', 'TRANSFERRING'],
    ['Completed', 'COMPLETED'],
    ['CompletedMoreInfo', 'COMPLETED_MORE_INFO'],
    ['ShippedBack', 'SHIPPED_BACK'],
  ])('%s → %s', (word, normalized) => {
    expect(driveStateFromAzure(word)).toBe(normalized);
  });

  it('leaves an unknown or missing drive state null', () => {
    expect(driveStateFromAzure('Lost')).toBeNull();
    expect(driveStateFromAzure(undefined)).toBeNull();
  });
});

describe('the GetJob example (import, Creating)', () => {
  // Mapped in a hook, not while the suite is collected: a mapping that throws fails these tests (and a mutant
  // that makes it throw is seen as killed).
  let snapshot: JobSnapshot;
  beforeAll(() => {
    snapshot = jobSnapshotFromAzure(getJob());
  });

  it('maps identity, type, times and location', () => {
    expect(snapshot).toMatchObject({
      nativeId: 'myJob',
      name: 'myJob',
      type: 'IMPORT',
      state: 'CREATING',
      providerState: 'Creating',
      cancelRequested: false,
      progress: { percent: null, bytesTransferred: null, itemsProcessed: null, message: null },
      createdAt: '2020-02-03T01:01:01.1075056Z',
      updatedAt: '2020-02-04T02:03:01.1974346Z',
      location: 'West US',
      failureReason: null,
      errors: [],
    });
  });

  it('maps the drive', () => {
    expect(snapshot.drives).toEqual([
      {
        driveId: '9CA995BB',
        state: 'SPECIFIED',
        providerState: 'Specified',
        percentComplete: null,
        bytesSucceeded: null,
        copyStatus: null,
        manifestFile: '\\DriveManifest.xml',
        manifestHash: '109B21108597EF36D5785F08303F3638',
        manifestUri: null,
        verboseLogUri: null,
        errorLogUri: null,
        errorCount: null,
      },
    ]);
  });

  it('maps the datacenter address, the return address and the return carrier, not its account number', () => {
    expect(snapshot.shipping).toEqual({
      deliverTo: {
        recipientName: 'Microsoft Azure Import/Export Service',
        company: null,
        streetLines: ['2045 Lafayette Street'],
        city: 'Santa Clara',
        stateOrProvince: 'CA',
        postalCode: '95050',
        countryOrRegion: 'USA',
        phone: '408 0000 0000',
        email: null,
      },
      deliveryPackage: null,
      returnPackage: null,
      returnAddress: {
        recipientName: 'Test',
        company: null,
        streetLines: ['Street1', 'street2'],
        city: 'Redmond',
        stateOrProvince: 'wa',
        postalCode: '98007',
        countryOrRegion: 'USA',
        phone: '4250000000',
        email: 'Test@contoso.com',
      },
      returnCarrier: 'FedEx',
    });
    expect(JSON.stringify(snapshot)).not.toContain('989ffff');
  });

  it('lists the diagnostics directory as a log artifact and keeps non-secret details', () => {
    expect(snapshot.artifacts).toEqual([
      {
        kind: 'LOG',
        description: 'Blob virtual directory of the copy logs and manifest backups',
        url: 'waimportexport',
      },
    ]);
    expect(snapshot.details).toStrictEqual({
      resourceGroup: 'myResourceGroup',
      storageAccountId:
        '/subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx/resourceGroups/myResourceGroup/providers/Microsoft.ClassicStorage/storageAccounts/test',
      logLevel: 'Verbose',
      backupDriveManifest: true,
      provisioningState: 'Succeeded',
      encryptionKeyType: 'MicrosoftManaged',
      identityType: 'None',
    });
  });
});

describe('the ListJobsInSubscription example', () => {
  const list = example<ArmListJobsResponse>('ListJobsInSubscription.json');
  let received: JobSnapshot | undefined;
  let transferring: JobSnapshot | undefined;
  beforeAll(() => {
    [received, transferring] = list.value!.map((job) => jobSnapshotFromAzure(job));
  });

  it('maps a received job with its delivery package (free-form ship date kept as is)', () => {
    expect(received).toMatchObject({ state: 'RECEIVED', location: 'East US 2', type: 'IMPORT' });
    expect(received!.shipping!.deliveryPackage).toEqual({
      carrier: 'FedEx',
      trackingNumber: '992016102507',
      driveCount: 1,
      shipDate: '8/11/2017 9:05:00 PM',
    });
    expect(received!.drives[0]!.state).toBe('RECEIVED');
  });

  it('maps percent complete, copy status, drive problems and the drive log blobs as artifacts', () => {
    expect(transferring).toMatchObject({ state: 'TRANSFERRING', progress: { percent: 6, bytesTransferred: null } });
    expect(transferring!.drives[0]).toMatchObject({
      driveId: 'KV6H86XP',
      state: 'COMPLETED_MORE_INFO',
      copyStatus: 'InProgress',
      verboseLogUri:
        'https://foo.blob.core.windows.net/waimportexport/waies/test-bn1-import-cpu100-02_KV6H86XP_20170813-194618-350_verbose.xml',
    });
    expect(transferring!.artifacts.map((a) => a.kind)).toEqual(['VERBOSE_LOG', 'ERROR_LOG', 'MANIFEST', 'LOG']);
    expect(transferring!.errors).toEqual([{ code: 'CompletedMoreInfo', message: expect.stringContaining('KV6H86XP') }]);
    // The second entry has no returnShipping at all: no carrier, and no crash.
    expect(transferring!.shipping!.returnCarrier).toBeNull();
  });

  it('ignores the stray systemData inside properties', () => {
    expect(transferring!.createdAt).toBe('2020-02-03T01:01:01.1075056Z');
  });
});

describe('export jobs (GetExportJob example)', () => {
  it('is an export with its blob selection summarised', () => {
    const snapshot = jobSnapshotFromAzure(example<ArmJobResponse>('GetExportJob.json'));
    expect(snapshot).toMatchObject({ type: 'EXPORT', drives: [] });
    expect(snapshot.details).toMatchObject({ exportBlobPaths: 0, exportBlobPathPrefixes: 1 });
  });

  it('recognises an export by its export property when jobType is missing', () => {
    const job = example<ArmJobResponse>('GetExportJob.json');
    delete job.properties!.jobType;
    expect(jobSnapshotFromAzure(job).type).toBe('EXPORT');
  });
});

describe('a finished job with secrets and signed URLs', () => {
  const job = withState('Closed');
  const sas = 'sv=2019-02-02&sr=b&sp=r&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D';
  job.properties = {
    ...job.properties,
    percentComplete: 100,
    incompleteBlobListUri: `https://foo.blob.core.windows.net/waimportexport/incomplete.xml?${sas}`,
    returnPackage: { carrierName: 'FedEx', trackingNumber: '1234', driveCount: 2, shipDate: '9/29/2017 10:28:35 PM' },
    encryptionKey: {
      kekType: 'CustomerManaged',
      kekUrl: 'https://vault.vault.azure.net/keys/k/1',
      kekVaultResourceID: '/subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/vault',
    },
    driveList: [
      {
        driveId: 'AAA',
        bitLockerKey: '238810-662376-448998-450120-652806-203390-606320-483076',
        state: 'ShippedBack',
        percentComplete: 100,
        bytesSucceeded: 2_000_000_000_000,
        errorLogUri: `https://foo.blob.core.windows.net/waimportexport/waies/a_error.xml?${sas}`,
      },
      { driveId: 'BBB', state: 'NeverReceived' },
      {
        driveId: 'CCC',
        state: 'CompletedMoreInfo',
        percentComplete: 100,
        bytesSucceeded: 500,
        manifestUri: `https://user:pw@foo.blob.core.windows.net/waimportexport/waies/c_manifest.xml?${sas}#frag`,
      },
    ],
  };
  let snapshot: JobSnapshot;
  let text: string;
  beforeAll(() => {
    snapshot = jobSnapshotFromAzure(job);
    text = JSON.stringify(snapshot);
  });

  it('sums the bytes of the drives and explains the Closed state from them', () => {
    expect(snapshot.state).toBe('COMPLETED_WITH_ERRORS');
    expect(snapshot.progress).toEqual({
      percent: 100,
      bytesTransferred: 2_000_000_000_500,
      itemsProcessed: null,
      message: null,
    });
    expect(snapshot.errors.map((e) => e.code)).toEqual(['NeverReceived', 'CompletedMoreInfo']);
    expect(snapshot.failureReason).toContain('BBB');
    expect(snapshot.shipping!.returnPackage).toMatchObject({ carrier: 'FedEx', trackingNumber: '1234', driveCount: 2 });
  });

  it('strips SAS query strings and user info from every URL', () => {
    expect(snapshot.drives[0]!.errorLogUri).toBe('https://foo.blob.core.windows.net/waimportexport/waies/a_error.xml');
    expect(snapshot.drives[2]!.manifestUri).toBe(
      'https://foo.blob.core.windows.net/waimportexport/waies/c_manifest.xml',
    );
    expect(snapshot.artifacts.find((a) => a.kind === 'INCOMPLETE_BLOB_LIST')!.url).toBe(
      'https://foo.blob.core.windows.net/waimportexport/incomplete.xml',
    );
    expect(text).not.toMatch(/sig=|sv=|user:pw|#frag/);
  });

  it('never carries BitLocker keys, carrier account numbers or Key Vault URLs', () => {
    expect(text).not.toContain('238810-662376');
    expect(text).not.toContain('989ffff');
    expect(text).not.toContain('vault.azure.net');
    expect(text).not.toContain('Microsoft.KeyVault');
    expect(snapshot.details.encryptionKeyType).toBe('CustomerManaged');
  });
});

describe('ids', () => {
  it('reads the resource group from an ARM id', () => {
    expect(resourceGroupFromId('/subscriptions/s/resourceGroups/my%20rg/providers/Microsoft.ImportExport/jobs/j')).toBe(
      'my rg',
    );
    expect(resourceGroupFromId(undefined)).toBeNull();
  });

  it('uses the native id it is given (resourceGroup/name for subscription-wide accounts)', () => {
    expect(jobSnapshotFromAzure(getJob(), 'myResourceGroup/myJob')).toMatchObject({
      nativeId: 'myResourceGroup/myJob',
      name: 'myJob',
    });
  });
});

describe('numbers outside their range (a hostile or broken answer)', () => {
  it('clamps percentages, drops impossible counts and bytes, and never passes Infinity or text through', () => {
    const base = getJob();
    // As the client reads it: JSON text parsed, so 1e999 arrives as Infinity.
    const job = JSON.parse(
      JSON.stringify({
        ...base,
        properties: {
          ...base.properties,
          percentComplete: 250,
          deliveryPackage: { carrierName: 'FedEx', trackingNumber: '1', driveCount: -2 },
          returnPackage: { carrierName: 'FedEx', trackingNumber: '2', driveCount: 2 ** 40 },
          driveList: [
            { driveId: 'A', state: 'Transferring', percentComplete: -5, bytesSucceeded: 'INFINITY' },
            { driveId: 'B', state: 'Transferring', percentComplete: '40', bytesSucceeded: -1 },
            { driveId: 'C', state: 'Transferring', percentComplete: 'lots', bytesSucceeded: 2 ** 53 },
            { driveId: 'D', state: 'Transferring', percentComplete: 99.5, bytesSucceeded: 1000 },
          ],
        },
      }).replace('"INFINITY"', '1e999'),
    ) as ArmJobResponse;
    const snapshot = jobSnapshotFromAzure(job);
    expect(snapshot.progress.percent).toBe(100);
    expect(snapshot.shipping?.deliveryPackage?.driveCount).toBeNull();
    expect(snapshot.shipping?.returnPackage?.driveCount).toBeNull();
    expect(snapshot.drives.map((d) => [d.driveId, d.percentComplete, d.bytesSucceeded])).toEqual([
      ['A', 0, null],
      ['B', 40, null],
      ['C', null, null],
      ['D', 99.5, 1000],
    ]);
    expect(snapshot.progress.bytesTransferred).toBe(1000);
  });
});

describe('whole snapshots, field by field', () => {
  it('maps a job that says nothing but its name by the spec defaults, without failing on absent parts', () => {
    expect(jobSnapshotFromAzure({ name: 'bare' })).toStrictEqual({
      ...nothingKnown('bare', 'IMPORT'),
      state: 'CREATING',
      providerState: 'Creating',
    });
    expect(jobSnapshotFromAzure({})).toMatchObject({ nativeId: '', name: '' });
    expect(jobSnapshotFromAzure({ properties: { state: '' } }, 'rg/x')).toMatchObject({
      nativeId: 'rg/x',
      name: 'rg/x',
      state: 'CREATING',
      providerState: 'Creating',
    });
  });

  it.each([
    ['EXPORT', undefined, 'EXPORT'],
    ['Import', { blobList: { blobPath: ['/a'] } }, 'IMPORT'],
    ['Other', { blobList: { blobPath: ['/a'] } }, 'EXPORT'],
    ['Other', undefined, 'IMPORT'],
  ])('reads jobType %s (export part %j) as %s', (jobType, exportPart, type) => {
    expect(jobSnapshotFromAzure({ name: 'j', properties: { jobType, export: exportPart } }).type).toBe(type);
  });

  const pkg = { carrierName: 'UPS', trackingNumber: '1Z', driveCount: 2, shipDate: '2026-11-25' };
  const mappedPkg = { carrier: 'UPS', trackingNumber: '1Z', driveCount: 2, shipDate: '2026-11-25' };
  const address = { recipientName: 'R', streetAddress1: 'S1', city: 'C', postalCode: 'P', countryOrRegion: 'USA' };
  const mappedAddress = {
    recipientName: 'R',
    company: null,
    streetLines: ['S1'],
    city: 'C',
    stateOrProvince: null,
    postalCode: 'P',
    countryOrRegion: 'USA',
    phone: null,
    email: null,
  };
  it.each([
    ['shippingInformation', address, { deliverTo: mappedAddress }],
    ['deliveryPackage', pkg, { deliveryPackage: mappedPkg }],
    ['returnPackage', pkg, { returnPackage: mappedPkg }],
    ['returnAddress', address, { returnAddress: mappedAddress }],
    ['returnShipping', { carrierName: 'UPS', carrierAccountNumber: '123' }, { returnCarrier: 'UPS' }],
  ])('has shipping when only %s is known, the rest null', (field, value, part) => {
    expect(jobSnapshotFromAzure({ name: 'j', properties: { [field]: value } }).shipping).toEqual({
      deliverTo: null,
      deliveryPackage: null,
      returnPackage: null,
      returnAddress: null,
      returnCarrier: null,
      ...part,
    });
  });

  it('lists every log of every drive, the incomplete-blob list and the diagnostics directory, each described', () => {
    const uri = (name: string) => `https://acct.blob.core.windows.net/logs/${name}?sv=1&sig=abc`;
    const job: ArmJobResponse = {
      name: 'j',
      properties: {
        diagnosticsPath: 'waies',
        incompleteBlobListUri: uri('incomplete.xml'),
        driveList: [
          { driveId: 'D1', verboseLogUri: uri('v1'), errorLogUri: uri('e1'), manifestUri: uri('m1') },
          { errorLogUri: uri('e2') },
        ],
      },
    };
    const bare = (name: string) => `https://acct.blob.core.windows.net/logs/${name}`;
    expect(jobSnapshotFromAzure(job).drives.map((d) => d.driveId)).toEqual(['D1', '']);
    expect(jobSnapshotFromAzure(job).artifacts).toEqual([
      { kind: 'VERBOSE_LOG', description: 'Verbose copy log of drive D1', url: bare('v1') },
      { kind: 'ERROR_LOG', description: 'Error log of drive D1', url: bare('e1') },
      { kind: 'MANIFEST', description: 'Manifest backup of drive D1', url: bare('m1') },
      { kind: 'ERROR_LOG', description: 'Error log of drive ?', url: bare('e2') },
      {
        kind: 'INCOMPLETE_BLOB_LIST',
        description: 'Blobs not exported because the drives ran out of space',
        url: bare('incomplete.xml'),
      },
      { kind: 'LOG', description: 'Blob virtual directory of the copy logs and manifest backups', url: 'waies' },
    ]);
  });

  it('keeps details that are set (false and 0 included), drops empty ones, and counts the export selection', () => {
    const job: ArmJobResponse = {
      name: 'j',
      properties: {
        storageAccountId: '',
        logLevel: 'Error',
        backupDriveManifest: false,
        export: { blobListBlobPath: 'lists/x.xml', blobList: { blobPath: ['/a', '/b'] } },
      },
    };
    expect(jobSnapshotFromAzure(job).details).toStrictEqual({
      logLevel: 'Error',
      backupDriveManifest: false,
      exportBlobListBlobPath: 'lists/x.xml',
      exportBlobPaths: 2,
      exportBlobPathPrefixes: 0,
    });
  });

  it('explains Closed by every drive problem, and only Closed', () => {
    const drives = [
      { driveId: 'A', state: 'NeverReceived' },
      { driveId: 'B', state: 'CompletedMoreInfo' },
      { driveId: 'C', state: 'ShippedBack' },
      { state: 'NeverReceived' },
      { state: 'CompletedMoreInfo' },
    ];
    const closed = jobSnapshotFromAzure({ name: 'j', properties: { state: 'Closed', driveList: drives } });
    const errors = [
      { code: 'NeverReceived', message: 'Drive A was never received.' },
      { code: 'CompletedMoreInfo', message: 'Drive B finished with errors, warnings or notices; see its error log.' },
      { code: 'NeverReceived', message: 'Drive ? was never received.' },
      { code: 'CompletedMoreInfo', message: 'Drive ? finished with errors, warnings or notices; see its error log.' },
    ];
    expect(closed.errors).toEqual(errors);
    expect(closed.failureReason).toBe(`Closed with drive problems: ${errors.map((e) => e.message).join(' ')}`);
    const completed = jobSnapshotFromAzure({ name: 'j', properties: { state: 'Completed', driveList: drives } });
    expect([completed.errors, completed.failureReason]).toEqual([errors, null]);
    const clean = jobSnapshotFromAzure({ name: 'j', properties: { state: 'Closed', driveList: [drives[2]!] } });
    expect([clean.errors, clean.failureReason]).toEqual([[], null]);
  });
});
