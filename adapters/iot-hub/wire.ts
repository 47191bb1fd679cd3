/**
 * The IoT Hub data-plane jobs API as it is on the wire (providers/iot-hub/NOTES.md, SDK_WIRE.md §3): the
 * JobProperties document and the error envelope. Shared by the client (which reads them) and the simulator
 * (which writes them), so both agree on one spelling.
 */
import { z } from 'zod';
import { ErrorCode, type ProviderCodeTable, parseJsonBody } from '../../src/sdk/index.js';

/** What azure-iothub 1.16.6 sends for /jobs (src/version.ts) and what the MS Learn create page documents. */
export const API_VERSION = '2021-04-12';
/** Every api-version seen for these operations; the simulator accepts any of them. */
export const KNOWN_API_VERSIONS = ['2021-04-12', '2020-09-30', '2020-05-31-preview', '2020-03-13'] as const;

/**
 * A job id as lookups accept it: the hub's GUIDs, and the letters, digits, hyphens, underscores and periods
 * of other job ids, at most 128. Nothing else reaches the `/jobs/{id}` path (no separator, no dot segment).
 */
export const JOB_ID_SHAPE = /^[A-Za-z0-9][\w.-]{0,127}$/;

/** Swagger `JobProperties` (2020-09-30) plus `identity` (2021-04-12). Loose: the service adds fields over time. */
export const jobPropertiesSchema = z
  .object({
    jobId: z.string().min(1),
    startTimeUtc: z.string().nullish(),
    endTimeUtc: z.string().nullish(),
    type: z.string().nullish(),
    status: z.string().nullish(),
    // seed 002 documents progress as a string; the Swagger as int32.
    progress: z.union([z.number(), z.string()]).nullish(),
    inputBlobContainerUri: z.string().nullish(),
    inputBlobName: z.string().nullish(),
    outputBlobContainerUri: z.string().nullish(),
    outputBlobName: z.string().nullish(),
    // seed 002 shows it quoted ("{excludeKeysInExport}"); the Swagger as boolean.
    excludeKeysInExport: z.union([z.boolean(), z.string()]).nullish(),
    storageAuthenticationType: z.string().nullish(),
    failureReason: z.string().nullish(),
    includeConfigurations: z.union([z.boolean(), z.string()]).nullish(),
    configurationsBlobName: z.string().nullish(),
    identity: z.object({ userAssignedIdentity: z.string().nullish() }).loose().nullish(),
  })
  .loose();
export type JobProperties = z.infer<typeof jobPropertiesSchema>;

/** The body of POST /jobs/create, as the SDK and crossdock send it. */
export interface CreateJobRequest {
  type: 'import' | 'export';
  inputBlobContainerUri?: string;
  inputBlobName?: string;
  outputBlobContainerUri: string;
  outputBlobName?: string;
  excludeKeysInExport?: boolean;
  storageAuthenticationType: 'keyBased' | 'identityBased';
  includeConfigurations?: boolean;
  configurationsBlobName?: string;
  identity?: { userAssignedIdentity: string };
}

/** IoT Hub error codes crossdock reads or writes (C# SDK ErrorCode enum, IoT Hub troubleshooting page). */
export const IotErrorCode = {
  Unauthorized: 'IotHubUnauthorizedAccess',
  JobQuotaExceeded: 'JobQuotaExceeded',
  JobNotFound: 'JobNotFound',
  ArgumentInvalid: 'ArgumentInvalid',
  BlobContainerValidationError: 'BlobContainerValidationError',
  Throttling: 'ThrottlingException',
  ServerError: 'ServerError',
  ServiceUnavailable: 'ServiceUnavailable',
} as const;

export const ERROR_CODE_HEADER = 'iothub-errorcode';

/** What IoT Hub's codes mean (the classification in the SDK does the rest). */
export const FAILURE_CODES: ProviderCodeTable = {
  throttling: [IotErrorCode.Throttling],
  auth: [IotErrorCode.Unauthorized],
  notFound: [IotErrorCode.JobNotFound],
  input: [IotErrorCode.ArgumentInvalid, IotErrorCode.BlobContainerValidationError],
  // One active import/export job per hub: waiting seconds does not lift it (RATE_LIMITED would invite retries).
  configuration: [IotErrorCode.JobQuotaExceeded],
  // IoT Hub's 403xxx codes are quotas and suspension (IotHubQuotaExceeded, IotHubSuspended), not permissions.
  statuses: { 403: ErrorCode.PROVIDER_ERROR },
};

/** `{"Message":"ErrorCode:<Code>;<text>","ExceptionMessage":"Tracking ID:…"}`: the shape the SDK splits. */
export function errorBody(code: string, text: string, trackingId: string, at: Date): string {
  return JSON.stringify({
    Message: `ErrorCode:${code};${text}`,
    ExceptionMessage: `Tracking ID:${trackingId}-G:0-TimeStamp:${trackingTimestamp(at)}`,
  });
}

/** MM/dd/yyyy HH:mm:ss in UTC, as real Tracking IDs carry it. */
function trackingTimestamp(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(at.getUTCMonth() + 1)}/${two(at.getUTCDate())}/${at.getUTCFullYear()} ` +
    `${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())}`
  );
}

/**
 * The provider's error code: the `iothub-errorcode` header, else the `ErrorCode:<Code>;` prefix of `Message`
 * (how the Node SDK parses it). The free text is deliberately not returned: it may quote a container URI.
 */
export function errorCodeOf(text: string, header: string | undefined): string | undefined {
  if (header?.trim()) return header.trim();
  const message = parseJsonBody<{ Message?: unknown }>(text)?.Message;
  return typeof message === 'string' ? /^ErrorCode:([A-Za-z0-9_]+);/.exec(message)?.[1] : undefined;
}
