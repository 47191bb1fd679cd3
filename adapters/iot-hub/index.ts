/** Azure IoT Hub device identity import/export jobs: `kind: iot-hub`. */
import { readFileSync } from 'node:fs';
import { defineAdapter } from '../../src/sdk/index.js';
import { connect } from './client.js';
import { type AccountConfig, configSchema, KIND } from './config.js';
import { parseCreate } from './validate.js';

export const adapter = defineAdapter<AccountConfig>({
  kind: KIND,
  displayName: 'Azure IoT Hub import/export',
  notFoundCode: 'JobNotFound',
  configSchema,
  secretFields: ['connectionString'],
  connect,
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  // No parseUpdate: IoT Hub has no operation that changes a job.
  mutations: { inputField: 'iotHub', parseCreate },
});

export default adapter;
