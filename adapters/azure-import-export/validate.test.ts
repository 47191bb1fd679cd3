/** Every validation rule names its field, and no message repeats the value it refused. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type InputProblem, InvalidInputError } from '../../src/sdk/index.js';
import { thrown } from '../../test/helpers/thrown.js';
import { EXAMPLE_BITLOCKER_KEY, sampleCreateInput, sampleExportInput } from './test-inputs.js';
import { blobPrefixProblem, isBitLockerRecoveryPassword, parseCreate, parseUpdate } from './validate.js';
import type { ArmPutJobParameters } from './wire.js';

const requestBody = (file: string): ArmPutJobParameters =>
  (
    JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')) as {
      parameters: { body: ArmPutJobParameters };
    }
  ).parameters.body;

const problemsOf = (run: () => unknown): InputProblem[] => thrown(run, InvalidInputError).problems;

const createProblems = (input: Record<string, unknown>) => problemsOf(() => parseCreate(input));
const fields = (problems: InputProblem[]) => problems.map((p) => p.field);

type Input = Record<string, unknown>;
const withDrive = (change: Input, input = sampleCreateInput()): Input => ({
  ...input,
  driveList: [{ ...(input.driveList as Input[])[0], ...change }],
});
const withExport = (spec: unknown): Input => ({ ...sampleExportInput(), export: spec });

describe('parseCreate: valid input becomes the ARM request of the provider examples', () => {
  it('builds the CreateJob example body (import)', () => {
    const body = requestBody('CreateJob.json');
    const drive = body.properties.driveList![0]!;
    const parsed = parseCreate({
      ...sampleCreateInput(),
      name: 'myJob',
      driveList: [{ ...drive }],
    });
    expect(parsed.name).toBe('myJob');
    expect(parsed.resourceGroup).toBeUndefined();
    expect(parsed.body).toEqual(body);
  });

  it('builds the CreateExportJob example body (export)', () => {
    expect(parseCreate({ ...sampleExportInput(), name: 'myExportJob' }).body).toEqual(
      requestBody('CreateExportJob.json'),
    );
  });

  it('keeps an explicit resource group and a customer-managed key', () => {
    const parsed = parseCreate({
      ...sampleCreateInput(),
      resourceGroup: 'rg.(prod)-1',
      encryptionKey: {
        kekType: 'CUSTOMER_MANAGED',
        kekUrl: 'https://contoso.vault.azure.net/keys/ie/0123',
        kekVaultResourceId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/contoso',
      },
    });
    expect(parsed.resourceGroup).toBe('rg.(prod)-1');
    expect(parsed.body.properties.encryptionKey).toEqual({
      kekType: 'CustomerManaged',
      kekUrl: 'https://contoso.vault.azure.net/keys/ie/0123',
      kekVaultResourceID: '/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/contoso',
    });
  });

  it('reads null as absent, as GraphQL clients send it', () => {
    const parsed = parseCreate({ ...sampleCreateInput(), resourceGroup: null, returnShipping: null, export: null });
    expect(parsed.resourceGroup).toBeUndefined();
    expect(parsed.body.properties.returnShipping).toBeUndefined();
    expect(fields(createProblems({ ...sampleCreateInput(), name: null }))).toEqual(['name']);
    expect(parseUpdate({ ship: null, logLevel: 'ERROR', deliveryPackage: null }).action).toBe('UPDATE');
  });

  it('accepts every valid prefix example of the Put Job reference', () => {
    for (const prefix of ['/', '/picturecontainer', '/bob', '/bob/', '/picturecontainer/image', '/$root/', '/book']) {
      expect(blobPrefixProblem(prefix), prefix).toBeNull();
    }
    expect(() =>
      parseCreate(
        withExport({ blobList: { blobPath: ['$root/logo.bmp', 'videos/story.mp4'], blobPathPrefix: ['/music/love'] } }),
      ),
    ).not.toThrow();
    expect(() => parseCreate(withExport({ blobListBlobPath: 'lists/export.xml' }))).not.toThrow();
  });
});

describe('parseCreate: each rule names its field', () => {
  it('lists every missing required field at once', () => {
    expect(fields(createProblems({}))).toEqual(
      expect.arrayContaining(['name', 'location', 'type', 'storageAccountId', 'returnAddress']),
    );
  });

  it.each([
    ['starts with a digit', '1job'],
    ['is one character', 'j'],
    ['has an underscore', 'my_job'],
    ['has a space', 'my job'],
    ['is 65 characters', `j${'a'.repeat(64)}`],
  ])('job name that %s', (_, name) => {
    expect(fields(createProblems({ ...sampleCreateInput(), name }))).toEqual(['name']);
  });

  it('import vs export', () => {
    expect(fields(createProblems({ ...sampleCreateInput(), type: 'BOTH' }))).toContain('type');
    expect(fields(createProblems({ ...sampleCreateInput(), driveList: [] }))).toEqual(['driveList']);
    expect(fields(createProblems({ ...sampleCreateInput(), driveList: undefined }))).toEqual(['driveList']);
    expect(
      fields(createProblems({ ...sampleCreateInput(), export: { blobListBlobPath: 'lists/export.xml' } })),
    ).toEqual(['export']);
    expect(fields(createProblems({ ...sampleExportInput(), export: undefined }))).toEqual(['export']);
    expect(fields(createProblems({ ...sampleExportInput(), driveList: sampleCreateInput().driveList }))).toEqual([
      'driveList',
    ]);
  });

  it('at most 10 drives, each id once', () => {
    const drive = (sampleCreateInput().driveList as Input[])[0]!;
    const eleven = Array.from({ length: 11 }, (_, i) => ({ ...drive, driveId: `DRIVE${i}` }));
    expect(fields(createProblems({ ...sampleCreateInput(), driveList: eleven }))).toEqual(['driveList']);
    const twice = [drive, { ...drive, driveId: '9ca995bb' }];
    expect(fields(createProblems({ ...sampleCreateInput(), driveList: twice }))).toEqual(['driveList[1].driveId']);
  });

  it.each([
    ['driveId', 'WD 1234'],
    ['driveId', ''],
    ['manifestFile', 'C:\\DriveManifest.xml'],
    ['manifestFile', ''],
    ['manifestHash', '109B21108597EF36D5785F08303F363'],
    ['manifestHash', 'Z09B21108597EF36D5785F08303F3638'],
    ['bitLockerKey', '238810-662376-448998-450120-652806-203390-606320'],
    ['bitLockerKey', '238811-662376-448998-450120-652806-203390-606320-483076'],
    ['bitLockerKey', '720896-662376-448998-450120-652806-203390-606320-483076'],
    ['bitLockerKey', 'not-a-key'],
  ])('drive %s = %j', (field, value) => {
    const problems = createProblems(withDrive({ [field]: value }));
    expect(fields(problems)).toEqual([`driveList[0].${field}`]);
    if (value.length > 3) for (const p of problems) expect(p.message).not.toContain(value);
  });

  it('recognises BitLocker recovery passwords by their checksum', () => {
    expect(isBitLockerRecoveryPassword(EXAMPLE_BITLOCKER_KEY)).toBe(true);
    expect(isBitLockerRecoveryPassword('000000-000000-111111-222222-333333-444444-555555-666666')).toBe(true);
    expect(isBitLockerRecoveryPassword('259358-100188-581471-154165-090552-296406-410091-426844')).toBe(true);
    expect(isBitLockerRecoveryPassword('259358-100188-581471-154165-090552-296406-410091-426845')).toBe(false);
  });

  it.each([
    [{ blobList: { blobPath: ['/videos/story.mp4'] } }, 'export.blobList.blobPath[0]'],
    [{ blobList: { blobPath: ['videos'] } }, 'export.blobList.blobPath[0]'],
    [{ blobList: { blobPath: ['Bad_Container/x'] } }, 'export.blobList.blobPath[0]'],
    [{ blobList: { blobPathPrefix: ['/', 'music/'] } }, 'export.blobList.blobPathPrefix[1]'],
    [{ blobList: { blobPathPrefix: ['/Music/'] } }, 'export.blobList.blobPathPrefix[0]'],
    [{ blobList: { blobPathPrefix: ['/a_b'] } }, 'export.blobList.blobPathPrefix[0]'],
    [{ blobListBlobPath: '/lists/export.xml' }, 'export.blobListBlobPath'],
    [{ blobList: {} }, 'export.blobList'],
    [{ blobList: { blobPathPrefix: ['/'] }, blobListBlobPath: 'lists/export.xml' }, 'export'],
    [{}, 'export'],
  ])('export %j → %s', (spec, field) => {
    expect(fields(createProblems(withExport(spec)))).toEqual([field]);
  });

  it('a blob list over 32 KB must be given as a blob instead', () => {
    const blobPath = Array.from({ length: 700 }, (_, i) => `container/some/long/path/to/blob-number-${i}.bin`);
    const problems = createProblems(withExport({ blobList: { blobPath } }));
    expect(fields(problems)).toEqual(['export.blobList']);
    expect(problems[0]!.message).toContain('blobListBlobPath');
  });

  it.each([
    ['email', undefined, 'returnAddress.email'],
    ['email', 'not-an-email', 'returnAddress.email'],
    ['phone', 'call me', 'returnAddress.phone'],
    ['city', '   ', 'returnAddress.city'],
    ['recipientName', 'x'.repeat(300), 'returnAddress.recipientName'],
  ])('return address %s = %j', (field, value, expected) => {
    const input = sampleCreateInput();
    const returnAddress = { ...(input.returnAddress as Input), [field]: value };
    expect(fields(createProblems({ ...input, returnAddress }))).toEqual([expected]);
  });

  it('return shipping needs the carrier and the account number, and the message keeps the number to itself', () => {
    const problems = createProblems({ ...sampleCreateInput(), returnShipping: { carrierName: 'FedEx' } });
    expect(fields(problems)).toEqual(['returnShipping.carrierAccountNumber']);
    expect(
      fields(createProblems({ ...sampleCreateInput(), returnShipping: { carrierAccountNumber: '12345' } })),
    ).toEqual(['returnShipping.carrierName']);
  });

  it('storage is one storage account id; account keys and SASes have no field at all', () => {
    expect(fields(createProblems({ ...sampleCreateInput(), storageAccountId: 'mystorage' }))).toEqual([
      'storageAccountId',
    ]);
    expect(
      fields(
        createProblems({
          ...sampleCreateInput(),
          storageAccountId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm',
        }),
      ),
    ).toEqual(['storageAccountId']);
    const problems = createProblems({
      ...sampleCreateInput(),
      storageAccountKey: 'SaXzhgVbqJ32nhPSibJAO5pe8z6G2rPhrsFGZW52kA==',
    });
    expect(problems).toEqual([{ field: 'storageAccountKey', message: 'is not a known field' }]);
  });

  it('customer-managed keys need the key URL and the vault; Microsoft-managed ones take neither', () => {
    expect(fields(createProblems({ ...sampleCreateInput(), encryptionKey: { kekType: 'CUSTOMER_MANAGED' } }))).toEqual([
      'encryptionKey.kekUrl',
      'encryptionKey.kekVaultResourceId',
    ]);
    expect(
      fields(
        createProblems({
          ...sampleCreateInput(),
          encryptionKey: { kekType: 'MICROSOFT_MANAGED', kekUrl: 'https://v.vault.azure.net/keys/k' },
        }),
      ),
    ).toEqual(['encryptionKey.kekUrl']);
  });

  it('checks the resource group name, the location, the log level and the diagnostics path', () => {
    expect(fields(createProblems({ ...sampleCreateInput(), resourceGroup: 'bad/rg' }))).toEqual(['resourceGroup']);
    expect(fields(createProblems({ ...sampleCreateInput(), resourceGroup: 'ends.' }))).toEqual(['resourceGroup']);
    expect(fields(createProblems({ ...sampleCreateInput(), location: '' }))).toEqual(['location']);
    expect(fields(createProblems({ ...sampleCreateInput(), logLevel: 'DEBUG' }))).toEqual(['logLevel']);
    expect(fields(createProblems({ ...sampleCreateInput(), diagnosticsPath: 'Not A Container' }))).toEqual([
      'diagnosticsPath',
    ]);
  });

  it('reports field and cross-field problems together, and never echoes a secret', () => {
    const secret = '111111-222222-333333-444444-555555-666666-777777-888889';
    const problems = createProblems({
      ...withDrive({ bitLockerKey: secret, driveId: 'A B' }),
      name: '9',
      export: { blobList: { blobPathPrefix: ['/'] } },
      returnShipping: { carrierName: 'FedEx', carrierAccountNumber: 42 },
    });
    expect(fields(problems)).toEqual(
      expect.arrayContaining([
        'name',
        'driveList[0].driveId',
        'driveList[0].bitLockerKey',
        'returnShipping.carrierAccountNumber',
        'export',
      ]),
    );
    const text = JSON.stringify(problems);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('42');
  });
});

describe('parseUpdate', () => {
  const pkg = { carrierName: 'FedEx', trackingNumber: '992016102507', driveCount: 1, shipDate: '8/11/2017 9:05:00 PM' };

  it('a delivery package ships the job', () => {
    expect(parseUpdate({ deliveryPackage: pkg })).toEqual({
      action: 'SHIP',
      patch: { properties: { state: 'Shipping', deliveryPackage: pkg } },
    });
  });

  it('ship: true alone ships with the package reported earlier', () => {
    expect(parseUpdate({ ship: true })).toEqual({ action: 'SHIP', patch: { properties: { state: 'Shipping' } } });
  });

  it('a delivery package with ship: false only corrects it', () => {
    expect(parseUpdate({ deliveryPackage: pkg, ship: false })).toEqual({
      action: 'UPDATE',
      patch: { properties: { deliveryPackage: pkg } },
    });
  });

  it('return address, return shipping and log settings are updates', () => {
    const returnAddress = sampleCreateInput().returnAddress;
    expect(
      parseUpdate({
        returnAddress,
        returnShipping: { carrierName: 'DHL', carrierAccountNumber: '123' },
        logLevel: 'VERBOSE',
        backupDriveManifest: false,
      }),
    ).toEqual({
      action: 'UPDATE',
      patch: {
        properties: {
          returnAddress,
          returnShipping: { carrierName: 'DHL', carrierAccountNumber: '123' },
          logLevel: 'Verbose',
          backupDriveManifest: false,
        },
      },
    });
  });

  it('names the bad fields', () => {
    expect(fields(problemsOf(() => parseUpdate({})))).toEqual(['deliveryPackage']);
    expect(fields(problemsOf(() => parseUpdate({ ship: false })))).toEqual(['deliveryPackage']);
    expect(fields(problemsOf(() => parseUpdate({ deliveryPackage: { carrierName: 'FedEx' } })))).toEqual([
      'deliveryPackage.trackingNumber',
    ]);
    expect(fields(problemsOf(() => parseUpdate({ deliveryPackage: { ...pkg, driveCount: 11 } })))).toEqual([
      'deliveryPackage.driveCount',
    ]);
    expect(fields(problemsOf(() => parseUpdate({ state: 'Completed' })))).toEqual(['state']);
    expect(fields(problemsOf(() => parseUpdate({ returnAddress: { city: 'Redmond' } })))).toEqual(
      expect.arrayContaining(['returnAddress.recipientName', 'returnAddress.email']),
    );
  });
});
