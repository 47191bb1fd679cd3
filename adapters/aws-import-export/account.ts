/**
 * One AWS Import/Export account as the core sees it (AccountClient): listings that are only references,
 * GetStatus per job with bounded concurrency, and the mutations with a create that is never repeated
 * blindly (the service has no client token, so a create whose answer was lost is looked for first).
 */
import pLimit from 'p-limit';
import { z } from 'zod';
import {
  type AccountClient,
  type AdapterContext,
  type CallOptions,
  type Capabilities,
  type CreateOptions,
  type CreateResult,
  createHttpClient,
  ErrorCode,
  type JobRef,
  type JobSnapshot,
  NOT_FOUND,
  type NotFound,
  type Page,
  ProviderError,
} from '../../src/sdk/index.js';
import { ImportExportClient, PROVIDER } from './client.js';
import { isGoneCode, refFromListEntry, snapshotForGoneJob, snapshotFromCreate, snapshotFromStatus } from './map.js';
import { DEFAULT_ENDPOINT } from './protocol.js';
import {
  type AwsCreateJobInput,
  type AwsUpdatePatch,
  type ManifestFields,
  parseManifest,
  renderManifest,
  sameManifest,
  withAccessKeyId,
} from './validate.js';

export const configSchema = z
  .object({
    kind: z.literal('aws-import-export'),
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
export type AwsAccountConfig = z.output<typeof configSchema>;

/** ListJobs page size: large pages keep the walk short; the guide allows up to 1000. */
export const LIST_PAGE_SIZE = 100;

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

export function connectAccount(config: AwsAccountConfig, ctx: AdapterContext): AccountClient {
  return new AwsAccountClient(config, ctx);
}

class AwsAccountClient implements AccountClient {
  readonly capabilities = capabilities;
  private readonly http;
  private readonly api: ImportExportClient;
  private readonly refs = new Map<string, JobRef>();
  private listingWalk: Promise<void> | undefined;

  constructor(
    private readonly config: AwsAccountConfig,
    private readonly ctx: AdapterContext,
  ) {
    this.http = createHttpClient({
      account: ctx.account,
      provider: PROVIDER,
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
    const unique = [...new Set(nativeIds)];
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
      if (opts.dryRun || opts.signal.aborted || !answerLost(error)) throw error;
      const found = await this.lookForCreatedJob(job, manifest, startedAt, opts.signal).catch(() => undefined);
      if (!found) throw error;
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
    throw new ProviderError({
      account: this.ctx.account,
      provider: PROVIDER,
      code: ErrorCode.NOT_FOUND,
      message: `GetStatus ${jobId}: InvalidJobIdException`,
      providerCode: 'InvalidJobIdException',
    });
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
      const status = await this.api.getStatus(ref.nativeId, signal);
      const current = status.CurrentManifest ? parseManifest(status.CurrentManifest) : undefined;
      if (current && 'fields' in current && sameManifest(current.fields, manifest)) {
        return snapshotFromStatus(status, ref);
      }
    }
    return undefined;
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
      provider: PROVIDER,
      code: ErrorCode.NOT_ALLOWED_IN_STATE,
      message: `${operation} ${jobId}: the provider answered Success=false`,
    });
  }
}

/** No answer, or a server fault: the create may have happened. A 4xx answer means it did not. */
function answerLost(error: unknown): boolean {
  return (
    error instanceof ProviderError &&
    (error.status === undefined ? error.code === ErrorCode.PROVIDER_UNAVAILABLE : error.status >= 500)
  );
}
