/**
 * The adapter registry: the only place the core names providers. Adding a provider is adding its folder
 * under adapters/ and one line in each list here. Simulators are loaded on demand (the sandbox), never by a
 * gateway serving real accounts.
 */
import { adapter as awsImportExport } from '../adapters/aws-import-export/index.js';
import { adapter as azureImportExport } from '../adapters/azure-import-export/index.js';
import { adapter as iotHub } from '../adapters/iot-hub/index.js';
import type { AdapterRegistry } from './sdk/index.js';

export const registry: AdapterRegistry = {
  adapters: [azureImportExport, awsImportExport, iotHub],
  simulators: {
    [azureImportExport.kind]: async () => (await import('../adapters/azure-import-export/simulator.js')).simulator,
    [awsImportExport.kind]: async () => (await import('../adapters/aws-import-export/simulator.js')).simulator,
    [iotHub.kind]: async () => (await import('../adapters/iot-hub/simulator.js')).simulator,
  },
};
