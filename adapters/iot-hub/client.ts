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
  createOutcomeUnknown,
  ErrorCode,
  type HttpClient,
  isOutcomeUnknown,
  type JobRef,
  type JobSnapshot,
  jobNotFound,
  NOT_FOUND,
  type NotFound,
  ProviderError,
  parseJsonBody,
  providerFailure,
  unreadableAnswer,
  withoutCredentials,
} from '../../src/sdk/index.js';
import {
  connectionStringProblemText,
  createServiceToken,
  type HubConnection,
  parseConnectionString,
  TOKEN_LIFETIME_SECONDS,
} from './auth.js';
import { type AccountConfig, KIND } from './config.js';
import { snapshotFromIotJob } from './map.js';
import {
  API_VERSION,
  type CreateJobRequest,
  ERROR_CODE_HEADER,
  errorCodeOf,
  FAILURE_CODES,
  IotErrorCode,
  JOB_ID_SHAPE,
  type JobProperties,
  jobPropertiesSchema,
} from './wire.js';

export const capabilities: Capabilities = {
  listIncludesSnapshots: true,
  create: true,
  dryRun: false,
  // enqueued/queued/scheduled (CREATING) and running (TRANSFERRING) can be cancelled; IoT Hub has no update.
  actions: { CANCEL: ['CREATING', 'TRANSFERRING'] },
};

/** Turns an IoT Hub error answer into a ProviderError whose message is built from the code only. */
function providerErrorFromResponse(
  account: string,
  operation: string,
  res: { status: number; headers: Record<string, string | undefined>; text: string },
  now = Date.now(),
): ProviderError {
  const providerCode = errorCodeOf(res.text, res.headers[ERROR_CODE_HEADER]);
  const named = providerCode ? ` (${providerCode})` : '';
  return providerFailure(
    {
      account,
      provider: KIND,
      providerCode,
      status: res.status,
      headers: res.headers,
      message: ({ code }) => {
        // Not RATE_LIMITED: waiting a few seconds does not help (an import can run for hours) and clients that
        // retry RATE_LIMITED automatically would hammer the hub. The fix is to finish or cancel the active job.
        if (providerCode === IotErrorCode.JobQuotaExceeded) {
          return 'IoT Hub runs one import/export job per hub at a time (JobQuotaExceeded): wait until the active job ends or cancel it';
        }
        switch (code) {
          case ErrorCode.PROVIDER_AUTH_FAILED:
            return `IoT Hub refused the shared access signature${named}: check the connection string's policy and key`;
          case ErrorCode.NOT_FOUND:
            return `IoT Hub does not know the job${named}`;
          case ErrorCode.BAD_USER_INPUT:
            return `IoT Hub rejected ${operation}${named}${
              providerCode === IotErrorCode.BlobContainerValidationError
                ? ': IoT Hub could not use a blob container; check the container URIs and their SAS permissions'
                : ''
            }`;
          case ErrorCode.RATE_LIMITED:
            return `IoT Hub is throttling ${operation}${named}`;
          case ErrorCode.PROVIDER_UNAVAILABLE:
            return `IoT Hub failed ${operation} with HTTP ${res.status}${named}`;
          default:
            return `IoT Hub refused ${operation} with HTTP ${res.status}${named}`;
        }
      },
    },
    FAILURE_CODES,
    now,
  );
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
class IotHubJobsApi {
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
    return unreadableAnswer({
      account: this.opts.account,
      provider: KIND,
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
    if (res.status >= 300) throw providerErrorFromResponse(this.opts.account, operation, res, now());
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

export function connect(config: AccountConfig, ctx: AdapterContext): AccountClient {
  const hub = parseConnectionString(config.connectionString);
  if (typeof hub === 'string') throw new Error(`connectionString ${connectionStringProblemText[hub]}`);
  const http = createHttpClient({ account: ctx.account, provider: KIND, timeoutMs: ctx.timeoutMs, ca: ctx.ca });
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
      provider: KIND,
      code: ErrorCode.NOT_FOUND,
      message: 'the IoT Hub job is not an import/export job',
    });
  const snapshotOf = (job: JobProperties): JobSnapshot => {
    const snapshot = snapshotFromIotJob(job);
    if (!snapshot) throw notImportExport();
    return snapshot;
  };
  const getOne = async (jobId: string, signal: AbortSignal): Promise<JobSnapshot | NotFound> => {
    if (!JOB_ID_SHAPE.test(jobId)) return NOT_FOUND;
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
      const wellFormed = nativeIds.filter((id) => JOB_ID_SHAPE.test(id));
      if (wellFormed.length <= 1) return Promise.all(nativeIds.map((id) => getOne(id, signal)));
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
        if (!isOutcomeUnknown(error) || opts.signal.aborted) throw error;
        // Undefined: the listing worked and holds no such job; null: the listing failed too.
        const found = await reconcile(request, beganAt, opts.signal).catch(() => null);
        if (found) {
          ctx.logger.info({ jobId: found.jobId }, 'iot-hub create got no answer; found the job it created');
          return { job: snapshotOf(found), warnings: [] };
        }
        throw createOutcomeUnknown(
          error as ProviderError,
          `IoT Hub did not confirm the create and ${found === null ? 'its jobs could not be listed to look for it' : 'no job it could have created was found'}; list the jobs before trying again`,
        );
      }
    },

    async findCreatedJob(input: unknown, since: number, { signal }) {
      const found = findCreatedJob(await api.list(signal), input as CreateJobRequest, since);
      return found ? snapshotOf(found) : null;
    },

    async cancelJob(nativeId, { signal }) {
      if (!JOB_ID_SHAPE.test(nativeId)) throw jobNotFound(ctx.account, KIND, IotErrorCode.JobNotFound, 'cancel');
      // 200 with the job, or 204: then ask for the job (SDK_WIRE.md §3.3).
      const answered = await api.cancel(nativeId, signal);
      return snapshotOf(answered ?? (await api.get(nativeId, signal)));
    },

    dispose: () => http.dispose(),
  };
}
