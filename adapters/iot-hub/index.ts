/** Azure IoT Hub device identity import/export jobs: `kind: iot-hub`. */
import { readFileSync } from 'node:fs';
import { defineAdapter } from '../../src/sdk/index.js';
import { configSchema, connectIotHub, IOT_HUB_KIND, type IotHubConfig } from './client.js';
import { parseCreate } from './validate.js';

export const iotHubAdapter = defineAdapter<IotHubConfig>({
  kind: IOT_HUB_KIND,
  displayName: 'Azure IoT Hub import/export',
  notFoundCode: 'JobNotFound',
  configSchema,
  secretFields: ['connectionString'],
  connect: connectIotHub,
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  // No parseUpdate: IoT Hub has no operation that changes a job.
  mutations: { inputField: 'iotHub', parseCreate },
});

export default iotHubAdapter;
