import { runAdapterContract } from '../../test/adapter-contract.js';
import { adapter } from './index.js';
import { simulator } from './simulator.js';
import { sampleCreateInput } from './test-inputs.js';

runAdapterContract(adapter, {
  simulator,
  // A secret that is not the account's: the simulator answers SignatureDoesNotMatch, as AWS does.
  withWrongCredentials: (account) => ({ ...account, secretAccessKey: 'd3JvbmcgYnV0IHdlbGwtZm9ybWVkIHNlY3JldA==' }),
  unknownId: 'ZZZZZ',
  sampleCreateInput,
  createOperation: 'CreateJob',
  throttlingCode: 'Throttling',
  // Job ids are letters and digits only: a dash, an underscore or a space is no AWS id.
  malformedIds: (known) => [`${known}-1`, `${known}_1`, `${known} `],
  // ProgressCode × LocationCode (map.ts): the device is never seen shipping; it is RECEIVED once AtAWS.
  lifecycles: [
    ['CREATING', 'RECEIVED', 'TRANSFERRING', 'PACKAGING', 'COMPLETED'],
    ['CREATING', 'RECEIVED', 'TRANSFERRING', 'COMPLETED_WITH_ERRORS'],
    ['CREATING', 'RECEIVED', 'FAILED'], // the device could not be read (DeviceError, MissingSignature, ...)
    ['CREATING', 'FAILED'], // Expired: never shipped
    ['CREATING', 'CANCELLED'],
  ],
});
