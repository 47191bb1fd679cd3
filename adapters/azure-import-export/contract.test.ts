/** The shared adapter contract, run against the Azure Import/Export simulator. */
import { runAdapterContract } from '../../test/adapter-contract.js';
import { azureImportExport } from './index.js';
import { azureImportExportSimulator } from './simulator.js';
import { sampleCreateInput } from './test-inputs.js';

runAdapterContract(azureImportExport, {
  simulator: azureImportExportSimulator,
  withWrongCredentials: (account) => ({ ...account, token: 'not-the-sandbox-token' }),
  unknownId: 'no-such-job',
  sampleCreateInput,
  createMethod: 'PUT',
  createOperation: 'Jobs_Create',
});
