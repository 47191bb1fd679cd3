/** The shared adapter contract, run against the Azure Import/Export simulator. */
import { runAdapterContract } from '../../test/adapter-contract.js';
import { adapter } from './index.js';
import { simulator } from './simulator.js';
import { sampleCreateInput } from './test-inputs.js';

runAdapterContract(adapter, {
  simulator,
  withWrongCredentials: (account) => ({ ...account, token: 'not-the-sandbox-token' }),
  unknownId: 'no-such-job',
  sampleCreateInput,
  createMethod: 'PUT',
  createOperation: 'Jobs_Create',
  throttlingCode: 'TooManyRequests',
  // The account is scoped to one resource group: a job elsewhere is not one of its jobs, whatever its name.
  malformedIds: (known) => [`other-rg/${known}`, `crossdock-sandbox/${known}`, `-${known}`],
});
