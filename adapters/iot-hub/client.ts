/**
 * Client for the IoT Hub data-plane import/export jobs API (api-version 2021-04-12): create, get, list and
 * cancel, authenticated with service SAS tokens derived from the hub connection string.
 *
 * Decision: the official azure-iothub `Registry` is not used at run time. It dials HostName:443 only, has no
 * CA option, and reaching any other endpoint (the sandbox, a proxy, a private link name) would mean patching
 * its private `_restApiClient`. This small client speaks the same wire protocol over the shared HTTP client
 * (timeouts, CA trust, per-account pool) to `endpoint` (default `https://<HostName>`). azure-iothub stays a
 * devDependency: the conformance test drives it against our simulator to prove the wire protocols agree.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  type AccountClient,
  type AdapterContext,
  type Capabilities,
  type CreateOptions,
  type CreateResult,
  createHttpClient,
  ErrorCode,
  type HttpClient,
  type JobRef,
  type JobSnapshot,
  NOT_FOUND,
  type NotFound,
  ProviderError,
  parseJsonBody,
  parseRetryAfter,
  withoutCredentials,
} from '../../src/sdk/index.js';
import { snapshotFromIotJob } from './map.js';
import {
  connectionStringProblemText,
  createServiceToken,
  type HubConnection,
  parseConnectionString,
  TOKEN_LIFETIME_SECONDS,
} from './sas.js';
import {
  API_VERSION,
  type CreateJobRequest,
  ERROR_CODE_HEADER,
  errorCodeOf,
  IotErrorCode,
  type JobProperties,
  jobPropertiesSchema,
} from './wire.js';

export const IOT_HUB_KIND = 'iot-hub';

export const configSchema = z
  .object({
    kind: z.literal(IOT_HUB_KIND),
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
export type IotHubConfig = z.infer<typeof configSchema>;

export const capabilities: Capabilities = {
  listIncludesSnapshots: true,
  create: true,
  dryRun: false,
  // enqueued/queued/scheduled (CREATING) and running (TRANSFERRING) can be cancelled; IoT Hub has no update.
  actions: { CANCEL: ['CREATING', 'TRANSFERRING'] },
};

const PROVIDER = IOT_HUB_KIND;

/** Turns an IoT Hub error answer into a ProviderError whose message is built from the code only. */
export function providerErrorFromResponse(
  account: string,
  operation: string,
  res: { status: number; headers: Record<string, string | undefined>; text: string },
): ProviderError {
  const providerCode = errorCodeOf(res.text, res.headers[ERROR_CODE_HEADER]);
  const base = { account, provider: PROVIDER, providerCode, status: res.status };
  const named = providerCode ? ` (${providerCode})` : '';
  if (res.status === 401) {
    return new ProviderError({
      ...base,
      code: ErrorCode.PROVIDER_AUTH_FAILED,
      message: `IoT Hub refused the shared access signature${named}: check the connection string's policy and key`,
    });
  }
  if (res.status === 403 && providerCode === IotErrorCode.JobQuotaExceeded) {
    // Not RATE_LIMITED: waiting a few seconds does not help (an import can run for hours) and clients that
    // retry RATE_LIMITED automatically would hammer the hub. The fix is to finish or cancel the active job.
    return new ProviderError({
      ...base,
      code: ErrorCode.PROVIDER_ERROR,
      message:
        'IoT Hub runs one import/export job per hub at a time (JobQuotaExceeded): wait until the active job ends or cancel it',
    });
  }
  if (res.status === 403) {
    // IoT Hub's 403xxx codes are quotas and suspension (IotHubQuotaExceeded, IotHubSuspended), not permissions.
    return new ProviderError({
      ...base,
      code: ErrorCode.PROVIDER_ERROR,
      message: `IoT Hub refused ${operation}${named}`,
    });
  }
  if (res.status === 404) {
    return new ProviderError({ ...base, code: ErrorCode.NOT_FOUND, message: `IoT Hub does not know the job${named}` });
  }
  if (res.status === 400) {
    const hint =
      providerCode === IotErrorCode.BlobContainerValidationError
        ? ': IoT Hub could not use a blob container; check the container URIs and their SAS permissions'
        : '';
    return new ProviderError({
      ...base,
      code: ErrorCode.BAD_USER_INPUT,
      message: `IoT Hub rejected ${operation}${named}${hint}`,
    });
  }
  if (res.status === 429) {
    return new ProviderError({
      ...base,
      code: ErrorCode.RATE_LIMITED,
      message: `IoT Hub is throttling ${operation}${named}`,
      retryable: true,
      retryAfterSeconds: parseRetryAfter(res.headers['retry-after']),
    });
  }
  if (res.status >= 500) {
    return new ProviderError({
      ...base,
      code: ErrorCode.PROVIDER_UNAVAILABLE,
      message: `IoT Hub failed ${operation} with HTTP ${res.status}${named}`,
      retryable: true,
      retryAfterSeconds: parseRetryAfter(res.headers['retry-after']),
    });
  }
  return new ProviderError({
    ...base,
    code: ErrorCode.PROVIDER_ERROR,
    message: `IoT Hub answered ${operation} with HTTP ${res.status}${named}`,
  });
}

export interface JobsApiOptions {
  account: string;
  hub: HubConnection;
  endpoint: string;
  http: HttpClient;
  now: () => number;
  logger: Logger;
}

/** The four wire operations, one HTTP request each, with a fresh SAS token per request. */
export class IotHubJobsApi {
  constructor(private readonly opts: JobsApiOptions) {}

  async create(body: CreateJobRequest, signal: AbortSignal): Promise<JobProperties> {
    const res = await this.call('create', 'POST', '/jobs/create', signal, JSON.stringify(body));
    return this.job('create', res.text);
  }

  async get(jobId: string, signal: AbortSignal): Promise<JobProperties> {
    const res = await this.call('get', 'GET', `/jobs/${encodeURIComponent(jobId)}`, signal);
    return this.job('get', res.text);
  }

  async list(signal: AbortSignal): Promise<JobProperties[]> {
    const res = await this.call('list', 'GET', '/jobs', signal);
    const parsed = z.array(jobPropertiesSchema).safeParse(parseJsonBody(res.text));
    if (!parsed.success) throw this.malformed('list');
    return parsed.data;
  }

  /** The job as the DELETE answered it (200), or null when it answered 204 or without a job. */
  async cancel(jobId: string, signal: AbortSignal): Promise<JobProperties | null> {
    const res = await this.call('cancel', 'DELETE', `/jobs/${encodeURIComponent(jobId)}`, signal);
    if (res.status === 204 || !res.text.trim()) return null;
    const parsed = jobPropertiesSchema.safeParse(parseJsonBody(res.text));
    return parsed.success ? parsed.data : null;
  }

  private job(operation: string, text: string): JobProperties {
    const parsed = jobPropertiesSchema.safeParse(parseJsonBody(text));
    if (!parsed.success) throw this.malformed(operation);
    return parsed.data;
  }

  private malformed(operation: string): ProviderError {
    return new ProviderError({
      account: this.opts.account,
      provider: PROVIDER,
      code: ErrorCode.PROVIDER_ERROR,
      message: `IoT Hub answered ${operation} with a body that is not what the jobs API returns`,
    });
  }

  private async call(
    operation: string,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    signal: AbortSignal,
    body?: string,
  ) {
    const { hub, now } = this.opts;
    const headers: Record<string, string> = {
      authorization: createServiceToken(hub, now() / 1000 + TOKEN_LIFETIME_SECONDS),
      accept: 'application/json',
      'request-id': randomUUID(),
      'user-agent': 'crossdock',
    };
    if (body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
    const started = Date.now();
    const res = await this.opts.http.send({
      method,
      url: `${this.opts.endpoint}${path}?api-version=${API_VERSION}`,
      headers,
      ...(body !== undefined ? { body } : {}),
      signal,
    });
    // Operation, status and timing only: never the headers (the token) or the body (container SAS URIs).
    this.opts.logger.debug({ operation, status: res.status, ms: Date.now() - started }, 'iot-hub call');
    if (res.status >= 300) throw providerErrorFromResponse(this.opts.account, operation, res);
    return res;
  }
}

/** How far the hub's clock may be behind ours when matching a job to a create that timed out. */
const CLOCK_SKEW_MS = 30_000;
const RECONCILE_ATTEMPTS = 3;
const RECONCILE_PAUSE_MS = 1_000;
/** GETs in flight at once when a batch has ids the listing lacks. */
const GET_CONCURRENCY = 4;

const sameContainer = (a: string | null | undefined, b: string | null | undefined) =>
  (withoutCredentials(a) ?? '') === (withoutCredentials(b) ?? '');

/**
 * The job a create produced, found without a client token (IoT Hub has none): same type, same containers
 * (compared without their SAS), started after the request began; the newest such job.
 */
export function findCreatedJob(
  jobs: readonly JobProperties[],
  request: CreateJobRequest,
  beganAt: number,
): JobProperties | undefined {
  return jobs
    .filter(
      (job) =>
        job.type?.toLowerCase() === request.type &&
        sameContainer(job.inputBlobContainerUri, request.inputBlobContainerUri) &&
        sameContainer(job.outputBlobContainerUri, request.outputBlobContainerUri) &&
        Date.parse(job.startTimeUtc ?? '') >= beganAt - CLOCK_SKEW_MS,
    )
    .sort((a, b) => Date.parse(b.startTimeUtc ?? '') - Date.parse(a.startTimeUtc ?? ''))[0];
}

/** A failure after which the hub may or may not have created the job: no answer, or a server error. */
const outcomeUnknown = (error: unknown) =>
  error instanceof ProviderError && (error.status === undefined || error.status >= 500);

export function connectIotHub(config: IotHubConfig, ctx: AdapterContext): AccountClient {
  const hub = parseConnectionString(config.connectionString);
  if (typeof hub === 'string') throw new Error(`connectionString ${connectionStringProblemText[hub]}`);
  const http = createHttpClient({ account: ctx.account, provider: PROVIDER, timeoutMs: ctx.timeoutMs, ca: ctx.ca });
  const api = new IotHubJobsApi({
    account: ctx.account,
    hub,
    endpoint: (config.endpoint ?? `https://${hub.hostName}`).replace(/\/+$/, ''),
    http,
    now: ctx.now,
    logger: ctx.logger,
  });
  const notImportExport = () =>
    new ProviderError({
      account: ctx.account,
      provider: PROVIDER,
      code: ErrorCode.NOT_FOUND,
      message: 'the IoT Hub job is not an import/export job',
    });
  const snapshotOf = (job: JobProperties): JobSnapshot => {
    const snapshot = snapshotFromIotJob(job);
    if (!snapshot) throw notImportExport();
    return snapshot;
  };
  const getOne = async (jobId: string, signal: AbortSignal): Promise<JobSnapshot | NotFound> => {
    try {
      return snapshotFromIotJob(await api.get(jobId, signal)) ?? NOT_FOUND;
    } catch (error) {
      if (error instanceof ProviderError && error.code === ErrorCode.NOT_FOUND) return NOT_FOUND;
      throw error;
    }
  };

  const reconcile = async (request: CreateJobRequest, beganAt: number, signal: AbortSignal) => {
    for (let attempt = 1; attempt <= RECONCILE_ATTEMPTS; attempt++) {
      const found = findCreatedJob(await api.list(signal), request, beganAt);
      if (found) return found;
      if (attempt < RECONCILE_ATTEMPTS) await sleep(RECONCILE_PAUSE_MS, undefined, { signal });
    }
    return undefined;
  };

  return {
    capabilities,

    async listJobs({ signal }) {
      // A bare array of every job: one page, no token.
      const items: JobRef[] = [];
      for (const job of await api.list(signal)) {
        const snapshot = snapshotFromIotJob(job);
        if (snapshot)
          items.push({ nativeId: snapshot.nativeId, createdAt: snapshot.createdAt, type: snapshot.type, snapshot });
      }
      return { items };
    },

    async getJobs(nativeIds, { signal }) {
      if (nativeIds.length === 0) return [];
      if (nativeIds.length === 1) return [await getOne(nativeIds[0]!, signal)];
      // One listing answers a whole batch (IoT Hub throttles job operations per unit); a job missing from it
      // is asked for by id so that NOT_FOUND is the hub's answer, not an assumption.
      const listed = new Map<string, JobSnapshot>();
      for (const job of await api.list(signal)) {
        const snapshot = snapshotFromIotJob(job);
        if (snapshot) listed.set(snapshot.nativeId, snapshot);
      }
      const limit = pLimit(GET_CONCURRENCY);
      return Promise.all(nativeIds.map((id) => listed.get(id) ?? limit(() => getOne(id, signal))));
    },

    async createJob(input: unknown, opts: CreateOptions): Promise<CreateResult> {
      const request = input as CreateJobRequest;
      const beganAt = ctx.now();
      try {
        return { job: snapshotOf(await api.create(request, opts.signal)), warnings: [] };
      } catch (error) {
        // Create is not idempotent and IoT Hub has no client token: never retry it, look for its result.
        if (!outcomeUnknown(error) || opts.signal.aborted) throw error;
        // Undefined: the listing worked and holds no such job; null: the listing failed too.
        const found = await reconcile(request, beganAt, opts.signal).catch(() => null);
        if (found) {
          ctx.logger.info({ jobId: found.jobId }, 'iot-hub create got no answer; found the job it created');
          return { job: snapshotOf(found), warnings: [] };
        }
        throw new ProviderError({
          account: ctx.account,
          provider: PROVIDER,
          code: ErrorCode.PROVIDER_UNAVAILABLE,
          message: `IoT Hub did not confirm the create and ${found === null ? 'its jobs could not be listed to look for it' : 'no job it could have created was found'}; list the jobs before trying again`,
          status: (error as ProviderError).status,
          retryable: false,
          cause: error,
        });
      }
    },

    async findCreatedJob(input: unknown, since: number, { signal }) {
      const found = findCreatedJob(await api.list(signal), input as CreateJobRequest, since);
      return found ? snapshotOf(found) : null;
    },

    async cancelJob(nativeId, { signal }) {
      // 200 with the job, or 204: then ask for the job (SDK_WIRE.md §3.3).
      const answered = await api.cancel(nativeId, signal);
      return snapshotOf(answered ?? (await api.get(nativeId, signal)));
    },

    dispose: () => http.dispose(),
  };
}
