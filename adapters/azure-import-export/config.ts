/** An Azure Import/Export account in the config file (`kind: azure-import-export`). */
import { z } from 'zod';

export const KIND = 'azure-import-export';
export const DEFAULT_ENDPOINT = 'https://management.azure.com';

export interface AccountConfig {
  kind: typeof KIND;
  account: string;
  subscriptionId: string;
  resourceGroup?: string | undefined;
  token?: string | undefined;
  credential?: 'default' | { tenantId: string; clientId: string; clientSecret: string } | undefined;
  endpoint: string;
  caCertificate?: string | undefined;
}

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const schema = z
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

export const configSchema = schema as z.ZodType<AccountConfig>;
