/** An IoT hub in the config file (`kind: iot-hub`). */
import { z } from 'zod';
import { connectionStringProblemText, parseConnectionString } from './auth.js';

export const KIND = 'iot-hub';

export const configSchema = z
  .object({
    kind: z.literal(KIND),
    account: z.string().min(1),
    /** `HostName=<hub>.azure-devices.net;SharedAccessKeyName=<policy>;SharedAccessKey=<key>` (a secret). */
    connectionString: z.string().superRefine((value, issues) => {
      const parsed = parseConnectionString(value);
      if (typeof parsed === 'string') issues.addIssue({ code: 'custom', message: connectionStringProblemText[parsed] });
    }),
    /** Where requests go; default `https://<HostName>`. The sandbox prints `https://127.0.0.1:PORT`. */
    endpoint: z
      .url({ protocol: /^https$/, error: 'must be an https URL' })
      .refine((url) => !url.includes('?') && !url.includes('#'), 'must not contain a query or fragment')
      .optional(),
    /** PEM to trust for this account in addition to the system store. */
    caCertificate: z.string().optional(),
  })
  .strict();
export type AccountConfig = z.infer<typeof configSchema>;
