/**
 * AWS Import/Export (API 2010-06-01) as an AccountClient: a small Query-protocol client over the SDK's HTTP
 * client (Signature Version 2, XML answers), listings that are only references, GetStatus per job with
 * bounded concurrency, and a create that is never repeated blindly (the service has no client token, so a
 * create whose answer was lost is looked for first).
 *
 * The wire client is ours because no maintained SDK covers this service: aws-sdk v2 (the last SDK with it) is
 * end-of-life and serves only as a devDependency for conformance tests, and aws-sdk v3 never shipped an
 * Import/Export client.
 */
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import {
  type AccountClient,
  type AdapterContext,
  type CallOptions,
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
  type Page,
  ProviderError,
  providerFailure,
  unreadableAnswer,
} from '../../src/sdk/index.js';
import { formBody, type SigV2Credentials, signV2 } from './auth.js';
import { type AccountConfig, KIND } from './config.js';
import { refFromListEntry, snapshotForGoneJob, snapshotFromCreate, snapshotFromStatus } from './map.js';
import {
  type AwsCreateJobInput,
  type AwsUpdatePatch,
  type ManifestFields,
  parseManifest,
  renderManifest,
  sameManifest,
  withAccessKeyId,
} from './validate.js';
import {
  API_VERSION,
  type AwsJobType,
  type CancelJobOutput,
  type CreateJobOutput,
  decodeResult,
  ERROR_DOCS,
  FORM_CONTENT_TYPE,
  failureCodesFor,
  type GetStatusOutput,
  isGoneCode,
  JOB_ID_SHAPE,
  type ListJobsEntry,
  type ListJobsOutput,
  type Operation,
  type OutputOf,
  parseErrorEnvelope,
  type UpdateJobOutput,
} from './wire.js';

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
      throw providerFailure(
        {
          account: this.opts.account,
          provider: KIND,
          // Built from the code and the job id only: AWS messages may quote manifest values.
          message: `${subject}: ${code}${code in ERROR_DOCS ? ` (${ERROR_DOCS[code as keyof typeof ERROR_DOCS]})` : ''}`,
          providerCode: code,
          status: res.status,
          headers: res.headers,
        },
        failureCodesFor(operation),
        this.opts.now(),
      );
    }
    const result = decodeResult(operation, res.text);
    if (!result) {
      throw unreadableAnswer({
        account: this.opts.account,
        provider: KIND,
        message: `${subject}: the answer is not a ${operation}Result the client understands`,
        status: res.status,
      });
    }
    return result;
  }
}

// --- the account ---

/** ListJobs page size: large pages keep the walk short; the guide allows up to 1000. */
const LIST_PAGE_SIZE = 100;

export const capabilities: Capabilities = {
  listIncludesSnapshots: false,
  create: true,
  dryRun: true,
  // UpdateJob: "after a CreateJob request but before the data transfer starts"; CancelJob fails "if the job
  // has already started": both while ProgressCode is Pending, before and after the device arrived.
  actions: { UPDATE: ['CREATING', 'RECEIVED'], CANCEL: ['CREATING', 'RECEIVED'] },
};

/** How far the provider's clock may be behind ours when looking for a job created by a lost request. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** Jobs whose manifest is compared before giving up the search for a lost create. */
const MAX_RECONCILE_CANDIDATES = 25;
/** Listing facts remembered per account (type, creation date, cancelled never change for a job id). */
const MAX_REMEMBERED_REFS = 100_000;

export function connect(config: AccountConfig, ctx: AdapterContext): AccountClient {
  return new AwsAccountClient(config, ctx);
}

class AwsAccountClient implements AccountClient {
  readonly capabilities = capabilities;
  private readonly http;
  private readonly api: ImportExportClient;
  private readonly refs = new Map<string, JobRef>();
  private listingWalk: Promise<void> | undefined;

  constructor(
    private readonly config: AccountConfig,
    private readonly ctx: AdapterContext,
  ) {
    this.http = createHttpClient({
      account: ctx.account,
      provider: KIND,
      timeoutMs: ctx.timeoutMs,
      ca: ctx.ca,
    });
    this.api = new ImportExportClient({
      account: ctx.account,
      endpoint: config.endpoint,
      credentials: {
        accessKeyId: config.accessKeyId,
        secretAccessKey: config.secretAccessKey,
        sessionToken: config.sessionToken,
      },
      http: this.http,
      now: ctx.now,
      logger: ctx.logger,
    });
  }

  async listJobs(opts: CallOptions & { pageToken?: string | undefined }): Promise<Page<JobRef>> {
    const out = await this.api.listJobs({ maxJobs: LIST_PAGE_SIZE, marker: opts.pageToken }, opts.signal);
    const items = out.Jobs.map(refFromListEntry);
    for (const ref of items) this.remember(ref);
    const last = items.at(-1)?.nativeId;
    return { items, nextPageToken: out.IsTruncated && last && last !== opts.pageToken ? last : undefined };
  }

  /** One GetStatus per distinct id, at most `statusConcurrency` at once; the first failure stops the rest. */
  async getJobs(nativeIds: readonly string[], opts: CallOptions): Promise<(JobSnapshot | NotFound)[]> {
    // An id that is not AWS's shape is no job of the account: answered without a request.
    const unique = [...new Set(nativeIds)].filter((id) => JOB_ID_SHAPE.test(id));
    const limit = pLimit(this.config.statusConcurrency);
    const stop = new AbortController();
    const signal = AbortSignal.any([opts.signal, stop.signal]);
    const fetched = await Promise.all(
      unique.map((id) =>
        limit(async () => {
          signal.throwIfAborted();
          try {
            return await this.status(id, signal);
          } catch (error) {
            // A throttled or failing provider gets no more calls from this batch.
            stop.abort(error);
            limit.clearQueue();
            throw error;
          }
        }),
      ),
    );
    const byId = new Map<string, JobSnapshot | NotFound>(unique.map((id, i) => [id, fetched[i] ?? NOT_FOUND]));
    return nativeIds.map((id) => byId.get(id) ?? NOT_FOUND);
  }

  async createJob(input: unknown, opts: CreateOptions): Promise<CreateResult> {
    const job = input as AwsCreateJobInput;
    const manifest = withAccessKeyId(job.manifest, this.config.accessKeyId);
    const startedAt = this.ctx.now();
    let out: Awaited<ReturnType<ImportExportClient['createJob']>>;
    try {
      out = await this.api.createJob(
        {
          jobType: job.jobType,
          manifest: renderManifest(manifest),
          manifestAddendum: job.manifestAddendum,
          validateOnly: opts.dryRun,
        },
        opts.signal,
      );
    } catch (error) {
      if (opts.dryRun || opts.signal.aborted || !isOutcomeUnknown(error)) throw error;
      // Undefined: the listing holds no such job; null: it could not be searched.
      const found = await this.lookForCreatedJob(job, manifest, startedAt, opts.signal).catch(() => null);
      if (!found) {
        throw createOutcomeUnknown(
          error as ProviderError,
          `CreateJob: the answer was lost and ${found === null ? 'the jobs could not be searched for it' : 'no job with its manifest was found'}; retry with the same idempotencyKey to be safe`,
        );
      }
      this.ctx.logger.warn({ jobId: found.nativeId }, 'CreateJob answer lost; found the job it created');
      return {
        job: found,
        warnings: ["The provider's answer to CreateJob was lost; the job was found by its manifest."],
      };
    }
    const warnings = out.WarningMessage ? [out.WarningMessage] : [];
    if (opts.dryRun || !out.JobId) return { job: null, warnings };
    const jobId = out.JobId;
    this.remember({ nativeId: jobId, createdAt: new Date(startedAt).toISOString(), type: null });
    // The job exists now: a failing GetStatus must not turn the create into an error the caller retries.
    const status = await this.status(jobId, opts.signal).catch((): NotFound => NOT_FOUND);
    return {
      job: status === NOT_FOUND ? snapshotFromCreate(out, job.jobType, manifest, startedAt) : status,
      warnings,
    };
  }

  async findCreatedJob(input: unknown, since: number, opts: CallOptions): Promise<JobSnapshot | null> {
    const job = input as AwsCreateJobInput;
    return (
      (await this.lookForCreatedJob(job, withAccessKeyId(job.manifest, this.config.accessKeyId), since, opts.signal)) ??
      null
    );
  }

  async updateJob(nativeId: string, patch: unknown, opts: CallOptions): Promise<JobSnapshot> {
    this.requireJobId(nativeId, 'UpdateJob');
    const { jobType, manifest } = patch as AwsUpdatePatch;
    const out = await this.api.updateJob(
      {
        jobId: nativeId,
        jobType,
        manifest: renderManifest(withAccessKeyId(manifest, this.config.accessKeyId)),
        validateOnly: false,
      },
      opts.signal,
    );
    if (!out.Success) throw this.refused('UpdateJob', nativeId);
    if (out.WarningMessage) this.ctx.logger.warn({ jobId: nativeId }, 'UpdateJob answered with a warning');
    return this.statusOrNotFound(nativeId, opts.signal);
  }

  async cancelJob(nativeId: string, opts: CallOptions): Promise<JobSnapshot> {
    this.requireJobId(nativeId, 'CancelJob');
    const out = await this.api.cancelJob(nativeId, opts.signal);
    if (!out.Success) throw this.refused('CancelJob', nativeId);
    const ref = this.refs.get(nativeId);
    if (ref) this.remember({ ...ref, cancelled: true });
    return this.statusOrNotFound(nativeId, opts.signal);
  }

  dispose(): Promise<void> {
    return this.http.dispose();
  }

  /** GetStatus → snapshot; unknown ids are NOT_FOUND, cancelled and expired ids are states. */
  private async status(jobId: string, signal: AbortSignal): Promise<JobSnapshot | NotFound> {
    try {
      return snapshotFromStatus(await this.api.getStatus(jobId, signal), this.refs.get(jobId));
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.code === ErrorCode.NOT_FOUND) return NOT_FOUND;
      if (!isGoneCode(error.providerCode)) throw error;
      const listed = this.refs.get(jobId) ?? (await this.findListed(jobId, signal));
      return listed ? snapshotForGoneJob(jobId, error.providerCode, listed) : NOT_FOUND;
    }
  }

  private async statusOrNotFound(jobId: string, signal: AbortSignal): Promise<JobSnapshot> {
    const snapshot = await this.status(jobId, signal);
    if (snapshot !== NOT_FOUND) return snapshot;
    throw jobNotFound(this.ctx.account, KIND, 'InvalidJobIdException', `GetStatus ${jobId}`);
  }

  private requireJobId(jobId: string, operation: string): void {
    if (!JOB_ID_SHAPE.test(jobId)) throw jobNotFound(this.ctx.account, KIND, 'InvalidJobIdException', operation);
  }

  /**
   * A cancelled job GetStatus no longer describes: its type and creation date are in the listing. Lookups
   * that need it at the same time share one walk.
   */
  private async findListed(jobId: string, signal: AbortSignal): Promise<JobRef | undefined> {
    this.listingWalk ??= (async () => {
      for await (const entry of this.api.allJobs(signal, LIST_PAGE_SIZE)) this.remember(refFromListEntry(entry));
    })().finally(() => {
      this.listingWalk = undefined;
    });
    await this.listingWalk;
    return this.refs.get(jobId);
  }

  /**
   * After a CreateJob whose answer never came: the newest jobs created since the request started, of
   * the same type and not cancelled, whose current manifest is the one sent. Newest first, so a job
   * created twice by someone else earlier is not mistaken for this one.
   */
  private async lookForCreatedJob(
    job: AwsCreateJobInput,
    manifest: ManifestFields,
    startedAt: number,
    signal: AbortSignal,
  ): Promise<JobSnapshot | undefined> {
    let checked = 0;
    for await (const entry of this.api.allJobs(signal, LIST_PAGE_SIZE)) {
      const ref = refFromListEntry(entry);
      this.remember(ref);
      const created = ref.createdAt ? Date.parse(ref.createdAt) : Number.NaN;
      if (created < startedAt - CLOCK_SKEW_MS || checked >= MAX_RECONCILE_CANDIDATES) return undefined;
      if (ref.cancelled || entry.JobType !== job.jobType) continue;
      checked += 1;
      const status = await this.candidateStatus(ref.nativeId, signal);
      if (!status) continue;
      const current = status.CurrentManifest ? parseManifest(status.CurrentManifest) : undefined;
      if (current && 'fields' in current && sameManifest(current.fields, manifest)) {
        return snapshotFromStatus(status, ref);
      }
    }
    return undefined;
  }

  /**
   * GetStatus of a job that may be the lost create's; undefined when it cannot be: a job that expired, was
   * cancelled since the listing, or is gone (the lost create's job is none of these: it is minutes old).
   */
  private async candidateStatus(jobId: string, signal: AbortSignal): Promise<GetStatusOutput | undefined> {
    try {
      return await this.api.getStatus(jobId, signal);
    } catch (error) {
      if (error instanceof ProviderError && (isGoneCode(error.providerCode) || error.code === ErrorCode.NOT_FOUND)) {
        return undefined;
      }
      throw error;
    }
  }

  private remember(ref: JobRef): void {
    const known = this.refs.get(ref.nativeId);
    // Cancelled is sticky: an older listing cannot un-cancel a job.
    const merged: JobRef = {
      nativeId: ref.nativeId,
      createdAt: ref.createdAt ?? known?.createdAt ?? null,
      type: ref.type ?? known?.type ?? null,
      ...(ref.cancelled || known?.cancelled ? { cancelled: true } : {}),
    };
    this.refs.delete(ref.nativeId);
    this.refs.set(ref.nativeId, merged);
    if (this.refs.size > MAX_REMEMBERED_REFS) {
      const oldest = this.refs.keys().next().value;
      if (oldest !== undefined) this.refs.delete(oldest);
    }
  }

  private refused(operation: 'UpdateJob' | 'CancelJob', jobId: string): ProviderError {
    return new ProviderError({
      account: this.ctx.account,
      provider: KIND,
      code: ErrorCode.NOT_ALLOWED_IN_STATE,
      message: `${operation} ${jobId}: the provider answered Success=false`,
    });
  }
}
