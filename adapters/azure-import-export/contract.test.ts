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
  // Closed (a drive never arrived or finished with errors) is COMPLETED_WITH_ERRORS.
  lifecycles: [
    ['CREATING', 'SHIPPING', 'RECEIVED', 'TRANSFERRING', 'PACKAGING', 'COMPLETED'],
    ['CREATING', 'SHIPPING', 'RECEIVED', 'TRANSFERRING', 'PACKAGING', 'COMPLETED_WITH_ERRORS'],
    ['CREATING', 'SHIPPING', 'RECEIVED', 'PACKAGING', 'COMPLETED_WITH_ERRORS'], // no drive arrived
    ['CREATING', 'CANCELLED'],
  ],
  // A job created through the API waits for its customer: setting the delivery package ships it.
  shipInput: () => ({
    deliveryPackage: { carrierName: 'FedEx', trackingNumber: '770012345678', driveCount: 1, shipDate: '2026-11-25' },
  }),
});
