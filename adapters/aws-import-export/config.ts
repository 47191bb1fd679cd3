/** An AWS Import/Export account in the config file (`kind: aws-import-export`). */
import { z } from 'zod';

export const KIND = 'aws-import-export';
export const DEFAULT_ENDPOINT = 'https://importexport.amazonaws.com';

export const configSchema = z
  .object({
    kind: z.literal(KIND),
    account: z.string().min(1),
    /** The service is global: one endpoint whatever the region. */
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default(DEFAULT_ENDPOINT),
    /** Not used by Signature Version 2; kept for the SDKs' config shape (SigV4 would sign for us-east-1). */
    region: z.string().min(1).default('us-east-1'),
    accessKeyId: z.string().min(1),
    secretAccessKey: z.string().min(1),
    /** For temporary credentials (sent as SecurityToken). */
    sessionToken: z.string().min(1).optional(),
    /** GetStatus calls in flight at once for this account (ListJobs returns no status). */
    statusConcurrency: z.number().int().min(1).max(64).default(4),
    /** PEM to trust for this account in addition to the system store (the sandbox certificate). */
    caCertificate: z.string().optional(),
  })
  .strict();
export type AccountConfig = z.output<typeof configSchema>;
