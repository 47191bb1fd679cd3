/** The shared adapter contract against the IoT Hub simulator. */
import { runAdapterContract } from '../../test/adapter-contract.js';
import { adapter } from './index.js';
import { simulator } from './simulator.js';
import { sampleCreateInput } from './test-inputs.js';

/** A well-formed key like the portal's (base64 of 32 bytes) that the simulator never issued. */
const WRONG_KEY = Buffer.alloc(32, 7).toString('base64');

runAdapterContract(adapter, {
  simulator,
  withWrongCredentials: (account) => ({
    ...account,
    connectionString: String(account.connectionString).replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${WRONG_KEY}`),
  }),
  unknownId: '00000000-0000-4000-a000-000000000000',
  sampleCreateInput,
  createOperation: 'Jobs_CreateImportExportJob',
  throttlingCode: 'ThrottlingException',
  malformedIds: (known) => [`jobs/${known}`, `-${known}`, `${known}:cancel`],
  // enqueued → running → completed | failed | cancelled.
  lifecycles: [
    ['CREATING', 'TRANSFERRING', 'COMPLETED'],
    ['CREATING', 'TRANSFERRING', 'FAILED'],
    ['CREATING', 'TRANSFERRING', 'CANCELLED'],
    ['CREATING', 'CANCELLED'],
  ],
});
