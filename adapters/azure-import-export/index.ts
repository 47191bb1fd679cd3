/** Azure Import/Export (ARM Microsoft.ImportExport) as a crossdock adapter. */
import { readFileSync } from 'node:fs';
import { defineAdapter } from '../../src/sdk/index.js';
import { connect } from './client.js';
import { type AccountConfig, configSchema, KIND } from './config.js';
import { parseCreate, parseUpdate } from './validate.js';

export const adapter = defineAdapter<AccountConfig>({
  kind: KIND,
  displayName: 'Azure Import/Export',
  notFoundCode: 'ResourceNotFound',
  configSchema,
  secretFields: ['token', 'clientSecret'],
  connect,
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  mutations: { inputField: 'azureImportExport', parseCreate, parseUpdate },
});

export default adapter;
