/** AWS Import/Export (API 2010-06-01): Query protocol, Signature Version 2, XML. */
import { readFileSync } from 'node:fs';
import { defineAdapter } from '../../src/sdk/index.js';
import { type AwsAccountConfig, configSchema, connectAccount } from './account.js';
import { PROVIDER } from './client.js';
import { parseCreate, parseUpdate } from './validate.js';

export const awsImportExport = defineAdapter<AwsAccountConfig>({
  kind: PROVIDER,
  displayName: 'AWS Import/Export',
  notFoundCode: 'InvalidJobIdException',
  configSchema,
  secretFields: ['secretAccessKey', 'sessionToken'],
  connect: connectAccount,
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  mutations: { inputField: 'awsImportExport', parseCreate, parseUpdate },
});

export default awsImportExport;
