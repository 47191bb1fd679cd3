/**
 * Valid `azureImportExport` create inputs as a GraphQL client sends them, built from the provider's own
 * example (fixtures/CreateJob.json, CreateExportJob.json): tests change one field at a time.
 */
let counter = 0;

export const EXAMPLE_BITLOCKER_KEY = '238810-662376-448998-450120-652806-203390-606320-483076';
export const EXAMPLE_CARRIER_ACCOUNT = '989ffff';

export function sampleCreateInput(): Record<string, unknown> {
  counter += 1;
  return {
    name: `crossdock-test-${process.pid}-${counter}`,
    location: 'West US',
    type: 'IMPORT',
    storageAccountId:
      '/subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx/resourceGroups/myResourceGroup/providers/Microsoft.ClassicStorage/storageAccounts/test',
    returnAddress: {
      recipientName: 'Test',
      streetAddress1: 'Street1',
      streetAddress2: 'street2',
      city: 'Redmond',
      stateOrProvince: 'wa',
      postalCode: '98007',
      countryOrRegion: 'USA',
      phone: '4250000000',
      email: 'Test@contoso.com',
    },
    returnShipping: { carrierName: 'FedEx', carrierAccountNumber: EXAMPLE_CARRIER_ACCOUNT },
    diagnosticsPath: 'waimportexport',
    logLevel: 'VERBOSE',
    backupDriveManifest: true,
    driveList: [
      {
        driveId: '9CA995BB',
        bitLockerKey: EXAMPLE_BITLOCKER_KEY,
        manifestFile: '\\8a0c23f7-14b7-470a-9633-fcd46590a1bc.manifest',
        manifestHash: '4228EC5D8E048CB9B515338C789314BE8D0B2FDBC7C7A0308E1C826242CDE74E',
      },
    ],
  };
}

export function sampleExportInput(): Record<string, unknown> {
  const { driveList: _drives, ...rest } = sampleCreateInput();
  return { ...rest, type: 'EXPORT', export: { blobList: { blobPathPrefix: ['/'] } } };
}
