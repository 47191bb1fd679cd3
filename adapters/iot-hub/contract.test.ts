/** The shared adapter contract against the IoT Hub simulator. */
import { runAdapterContract } from '../../test/adapter-contract.js';
import { iotHubAdapter } from './index.js';

/** A well-formed key like the portal's (base64 of 32 bytes) that the simulator never issued. */
const WRONG_KEY = Buffer.alloc(32, 7).toString('base64');

let container = 0;
runAdapterContract(iotHubAdapter, {
  withWrongCredentials: (account) => ({
    ...account,
    connectionString: String(account.connectionString).replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${WRONG_KEY}`),
  }),
  unknownId: '00000000-0000-4000-a000-000000000000',
  // Export jobs one after another; distinct containers so each create is told apart from the previous one.
  sampleCreateInput: () => ({
    type: 'EXPORT',
    outputBlobContainerUri: `https://contractstore.blob.core.windows.net/export-${++container}?sv=2021-08-06&sp=rwdl&sig=c2lnbmF0dXJl`,
    excludeKeysInExport: true,
  }),
});
