/** AWS Import/Export (API 2010-06-01): Query protocol, Signature Version 2, XML. */
import { readFileSync } from 'node:fs';
import { defineAdapter } from '../../src/sdk/index.js';
import { connect } from './client.js';
import { type AccountConfig, configSchema, KIND } from './config.js';
import { parseCreate, parseUpdate } from './validate.js';

export const adapter = defineAdapter<AccountConfig>({
  kind: KIND,
  displayName: 'AWS Import/Export',
  notFoundCode: 'InvalidJobIdException',
  configSchema,
  secretFields: ['secretAccessKey', 'sessionToken'],
  connect,
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  mutations: { inputField: 'awsImportExport', parseCreate, parseUpdate },
});

export default adapter;
