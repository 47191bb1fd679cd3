/**
 * A small client for AWS Import/Export (API 2010-06-01): Query protocol over the shared HTTP client,
 * Signature Version 2, XML answers. It is ours because no maintained SDK covers this service: aws-sdk v2
 * (the last SDK with it) is end-of-life and serves only as a devDependency for conformance tests, and
 * aws-sdk v3 never shipped an Import/Export client.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import { ErrorCode, type HttpClient, ProviderError, parseRetryAfter } from '../../src/sdk/index.js';
import {
  API_VERSION,
  ERROR_DOCS,
  FORM_CONTENT_TYPE,
  type Operation,
  parseErrorEnvelope,
  parseXml,
  resultElement,
} from './protocol.js';
import { formBody, type SigV2Credentials, signV2 } from './sigv2.js';

export const PROVIDER = 'aws-import-export';

export type AwsJobType = 'Import' | 'Export';

// --- response shapes (service-2.json output shapes; element names are the model's member names) ---

/** Absent and empty elements (`<Carrier/>`) both mean "no value". */
const text = z
  .string()
  .optional()
  .transform((v) => (v ? v : null));
const integer = text.transform((v) => (v === null || !/^-?\d+$/.test(v) ? null : Number(v)));
const bool = text.transform((v) => v === 'true');
const members = <T extends z.ZodType>(item: T) =>
  z
    .union([z.object({ member: z.array(item) }), z.literal('')])
    .optional()
    .transform((v): z.output<T>[] => (typeof v === 'object' ? v.member : []));

const artifact = z.object({ Description: text, URL: text });
export type Artifact = z.output<typeof artifact>;

const listJobsOutput = z.object({
  Jobs: members(z.object({ JobId: z.string(), CreationDate: text, IsCanceled: bool, JobType: text })),
  IsTruncated: bool,
});
export type ListJobsOutput = z.output<typeof listJobsOutput>;
export type ListJobsEntry = ListJobsOutput['Jobs'][number];

const getStatusOutput = z.object({
  JobId: z.string(),
  JobType: text,
  LocationCode: text,
  LocationMessage: text,
  ProgressCode: text,
  ProgressMessage: text,
  Carrier: text,
  TrackingNumber: text,
  LogBucket: text,
  LogKey: text,
  ErrorCount: integer,
  Signature: text,
  SignatureFileContents: text,
  CurrentManifest: text,
  CreationDate: text,
  ArtifactList: members(artifact),
});
export type GetStatusOutput = z.output<typeof getStatusOutput>;

const createJobOutput = z.object({
  JobId: text,
  JobType: text,
  Signature: text,
  SignatureFileContents: text,
  WarningMessage: text,
  ArtifactList: members(artifact),
});
export type CreateJobOutput = z.output<typeof createJobOutput>;

const updateJobOutput = z.object({ Success: bool, WarningMessage: text, ArtifactList: members(artifact) });
export type UpdateJobOutput = z.output<typeof updateJobOutput>;

const cancelJobOutput = z.object({ Success: bool });
export type CancelJobOutput = z.output<typeof cancelJobOutput>;

const getShippingLabelOutput = z.object({ ShippingLabelURL: text, Warning: text });
export type GetShippingLabelOutput = z.output<typeof getShippingLabelOutput>;

const OUTPUTS = {
  ListJobs: listJobsOutput,
  GetStatus: getStatusOutput,
  CreateJob: createJobOutput,
  UpdateJob: updateJobOutput,
  CancelJob: cancelJobOutput,
  GetShippingLabel: getShippingLabelOutput,
} as const satisfies Record<Operation, z.ZodType>;
export type OutputOf<O extends Operation> = z.output<(typeof OUTPUTS)[O]>;

/** A successful answer's `<{Op}Result>`, typed; undefined when the body is not one. */
export function decodeResult<O extends Operation>(operation: O, body: string): OutputOf<O> | undefined {
  const doc = parseXml(body);
  const parsed = doc ? OUTPUTS[operation].safeParse(resultElement(doc, operation)) : undefined;
  return parsed?.success ? (parsed.data as OutputOf<O>) : undefined;
}

// --- errors ---

const AUTH_CODES = new Set([
  'InvalidClientTokenId',
  'InvalidClientTokenIdException',
  'SignatureDoesNotMatch',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'AuthFailure',
  'ExpiredToken',
  'OptInRequired',
]);
/** The codes aws-sdk v2 itself treats as throttling (SDK_WIRE.md §1.6). */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);
/** Problems with the manifest or the request's values: the caller can fix them. */
const INPUT_CODES = new Set([
  'BucketPermissionException',
  'InvalidAddressException',
  'InvalidCustomsException',
  'InvalidFileSystemException',
  'InvalidManifestFieldException',
  'InvalidParameterException',
  'MalformedManifestException',
  'MissingCustomsException',
  'MissingManifestFieldException',
  'MissingParameterException',
  'MultipleRegionsException',
  'NoSuchBucketException',
]);
const GONE_CODES = new Set(['CanceledJobIdException', 'ExpiredJobIdException']);
const MANIFEST_OPERATIONS: readonly Operation[] = ['CreateJob', 'UpdateJob'];

/** The public code for an AWS error code, for the operation that received it. */
export function publicCodeFor(operation: Operation, code: string, status: number): ErrorCode {
  if (THROTTLING_CODES.has(code) || status === 429) return ErrorCode.RATE_LIMITED;
  // A daily quota: the same request works again tomorrow, so it is a rate limit, not bad input.
  if (code === 'CreateJobQuotaExceededException') return ErrorCode.RATE_LIMITED;
  // On CreateJob/UpdateJob this code means the manifest's accessKeyId is not the signing key (model docs);
  // anywhere else it can only be the credentials.
  if (code === 'InvalidAccessKeyIdException') {
    return MANIFEST_OPERATIONS.includes(operation) ? ErrorCode.BAD_USER_INPUT : ErrorCode.PROVIDER_AUTH_FAILED;
  }
  if (AUTH_CODES.has(code)) return ErrorCode.PROVIDER_AUTH_FAILED;
  if (code === 'InvalidJobIdException') return ErrorCode.NOT_FOUND;
  if (code === 'UnableToCancelJobIdException' || code === 'UnableToUpdateJobIdException') {
    return ErrorCode.NOT_ALLOWED_IN_STATE;
  }
  // A cancelled or expired job cannot be changed any more; on GetStatus the caller turns these into states.
  if (GONE_CODES.has(code)) return ErrorCode.NOT_ALLOWED_IN_STATE;
  if (INPUT_CODES.has(code)) return ErrorCode.BAD_USER_INPUT;
  if (status >= 500) return ErrorCode.PROVIDER_UNAVAILABLE;
  if (status === 401 || status === 403) return ErrorCode.PROVIDER_AUTH_FAILED;
  return ErrorCode.PROVIDER_ERROR;
}

// --- the client ---

export interface ImportExportClientOptions {
  account: string;
  endpoint: string;
  credentials: SigV2Credentials;
  http: HttpClient;
  now: () => number;
  /** Gets one debug line per call: operation, job id, status, AWS code, duration. Never parameters. */
  logger?: Pick<Logger, 'debug'> | undefined;
}

export interface CreateJobParams {
  jobType: AwsJobType;
  manifest: string;
  manifestAddendum?: string | null | undefined;
  validateOnly: boolean;
}

export interface UpdateJobParams {
  jobId: string;
  jobType: AwsJobType;
  manifest: string;
  validateOnly: boolean;
}

export interface ShippingLabelParams {
  jobIds: readonly string[];
  name?: string;
  company?: string;
  phoneNumber?: string;
  country?: string;
  stateOrProvince?: string;
  city?: string;
  postalCode?: string;
  street1?: string;
  street2?: string;
  street3?: string;
}

/** Largest ListJobs page the Developer Guide allows. */
export const MAX_JOBS_LIMIT = 1000;

export class ImportExportClient {
  private readonly url: URL;

  constructor(private readonly opts: ImportExportClientOptions) {
    this.url = new URL(opts.endpoint);
  }

  listJobs(page: { maxJobs?: number; marker?: string | undefined }, signal: AbortSignal): Promise<ListJobsOutput> {
    const params: Record<string, string> = {};
    if (page.maxJobs !== undefined) params.MaxJobs = String(page.maxJobs);
    if (page.marker) params.Marker = page.marker;
    return this.call('ListJobs', params, signal);
  }

  /** Every job, newest first, page by page (Marker = the last JobId) until IsTruncated is false. */
  async *allJobs(signal: AbortSignal, maxJobs: number, maxPages = 10_000): AsyncGenerator<ListJobsEntry> {
    let marker: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const out = await this.listJobs({ maxJobs, marker }, signal);
      yield* out.Jobs;
      const last = out.Jobs.at(-1)?.JobId;
      // A truncated page without jobs, or a marker that does not move, would page forever.
      if (!out.IsTruncated || !last || last === marker) return;
      marker = last;
    }
  }

  getStatus(jobId: string, signal: AbortSignal): Promise<GetStatusOutput> {
    return this.call('GetStatus', { JobId: jobId }, signal, jobId);
  }

  createJob(p: CreateJobParams, signal: AbortSignal): Promise<CreateJobOutput> {
    const params: Record<string, string> = {
      JobType: p.jobType,
      Manifest: p.manifest,
      ValidateOnly: String(p.validateOnly),
    };
    if (p.manifestAddendum) params.ManifestAddendum = p.manifestAddendum;
    return this.call('CreateJob', params, signal);
  }

  updateJob(p: UpdateJobParams, signal: AbortSignal): Promise<UpdateJobOutput> {
    const params = { JobId: p.jobId, JobType: p.jobType, Manifest: p.manifest, ValidateOnly: String(p.validateOnly) };
    return this.call('UpdateJob', params, signal, p.jobId);
  }

  cancelJob(jobId: string, signal: AbortSignal): Promise<CancelJobOutput> {
    return this.call('CancelJob', { JobId: jobId }, signal, jobId);
  }

  getShippingLabel(p: ShippingLabelParams, signal: AbortSignal): Promise<GetShippingLabelOutput> {
    const { jobIds, ...address } = p;
    const params: Record<string, string> = {};
    // Lists go on the wire as name.member.N (1-based); an empty list as the bare name.
    if (jobIds.length === 0) params.jobIds = '';
    jobIds.forEach((id, i) => {
      params[`jobIds.member.${i + 1}`] = id;
    });
    for (const [name, value] of Object.entries(address)) if (value !== undefined) params[name] = value;
    return this.call('GetShippingLabel', params, signal, jobIds.join(','));
  }

  private async call<O extends Operation>(
    operation: O,
    params: Record<string, string>,
    signal: AbortSignal,
    jobId?: string,
  ): Promise<OutputOf<O>> {
    const signed = signV2({
      method: 'POST',
      host: this.url.host,
      path: this.url.pathname || '/',
      params: { Action: operation, Version: API_VERSION, ...params },
      credentials: this.opts.credentials,
      now: this.opts.now(),
    });
    const started = Date.now();
    const res = await this.opts.http.send({
      method: 'POST',
      url: this.url.toString(),
      headers: { 'content-type': FORM_CONTENT_TYPE },
      body: formBody(signed),
      signal,
    });
    const subject = jobId ? `${operation} ${jobId}` : operation;
    const wire = res.status >= 300 ? parseErrorEnvelope(res.text) : undefined;
    this.opts.logger?.debug(
      { operation, jobId, status: res.status, awsCode: wire?.code, ms: Date.now() - started },
      'AWS Import/Export call',
    );
    if (res.status >= 300) {
      const code = wire?.code ?? `HTTP${res.status}`;
      const publicCode = publicCodeFor(operation, code, res.status);
      throw new ProviderError({
        account: this.opts.account,
        provider: PROVIDER,
        code: publicCode,
        // Built from the code and the job id only: AWS messages may quote manifest values.
        message: `${subject}: ${code}${code in ERROR_DOCS ? ` (${ERROR_DOCS[code as keyof typeof ERROR_DOCS]})` : ''}`,
        providerCode: code,
        status: res.status,
        retryable: res.status >= 500 || publicCode === ErrorCode.RATE_LIMITED,
        retryAfterSeconds: parseRetryAfter(res.headers['retry-after']),
      });
    }
    const result = decodeResult(operation, res.text);
    if (!result) {
      throw new ProviderError({
        account: this.opts.account,
        provider: PROVIDER,
        code: ErrorCode.PROVIDER_ERROR,
        message: `${subject}: the answer is not a ${operation}Result the client understands`,
        status: res.status,
      });
    }
    return result;
  }
}
