/** Azure Import/Export (ARM Microsoft.ImportExport) as a crossdock adapter. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { defineAdapter } from '../../src/sdk/index.js';
import { type AzureAccountConfig, connectAzureImportExport, DEFAULT_ENDPOINT, KIND } from './client.js';
import { parseCreate, parseUpdate } from './validate.js';

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const configSchema = z
  .object({
    kind: z.literal(KIND),
    account: nonEmpty,
    subscriptionId: nonEmpty,
    /** Without it the account covers every resource group of the subscription. */
    resourceGroup: nonEmpty.optional(),
    /** A static bearer token (the sandbox prints one); real accounts use `credential`. */
    token: nonEmpty.optional(),
    credential: z
      .union([
        z.literal('default'),
        z.object({ tenantId: nonEmpty, clientId: nonEmpty, clientSecret: nonEmpty }).strict(),
      ])
      .optional(),
    endpoint: z
      .url({ protocol: /^https$/, error: 'must be an https URL (Azure refuses bearer tokens over http)' })
      .default(DEFAULT_ENDPOINT),
    caCertificate: z.string().optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if ((config.token === undefined) === (config.credential === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'set exactly one of token and credential ({tenantId, clientId, clientSecret} or "default")',
      });
    }
  });

export const azureImportExport = defineAdapter<AzureAccountConfig>({
  kind: KIND,
  displayName: 'Azure Import/Export',
  notFoundCode: 'ResourceNotFound',
  configSchema: configSchema as z.ZodType<AzureAccountConfig>,
  secretFields: ['token', 'clientSecret'],
  connect: connectAzureImportExport,
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  mutations: { inputField: 'azureImportExport', parseCreate, parseUpdate },
});

export default azureImportExport;
