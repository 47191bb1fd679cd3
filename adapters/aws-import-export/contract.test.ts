import { runAdapterContract } from '../../test/adapter-contract.js';
import { awsImportExport } from './index.js';

let device = 0;

runAdapterContract(awsImportExport, {
  // A secret that is not the account's: the simulator answers SignatureDoesNotMatch, as AWS does.
  withWrongCredentials: (account) => ({ ...account, secretAccessKey: 'd3JvbmcgYnV0IHdlbGwtZm9ybWVkIHNlY3JldA==' }),
  unknownId: 'ZZZZZ',
  sampleCreateInput: () => ({
    jobType: 'IMPORT',
    // No accessKeyId: the adapter fills in the account's own. The device id makes every manifest unique.
    manifest: [
      'manifestVersion: 2.0',
      'bucket: contract-bucket',
      `deviceId: CONTRACT-${++device}`,
      'eraseDevice: no',
      'returnAddress:',
      '  name: Jane Roe',
      '  street1: 123 Any Street',
      '  city: Anytown',
      '  stateOrProvince: WA',
      '  postalCode: 91011-1111',
      '  phoneNumber: 206-555-1111',
      '  country: USA',
      '',
    ].join('\n'),
  }),
});
