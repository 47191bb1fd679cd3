/**
 * A small Azure Resource Manager client for Microsoft.ImportExport (api-version 2021-01-01).
 *
 * Why not the official @azure/arm-storageimportexport at run time: the gateway needs every provider call
 * to go through the SDK's HTTP client ( one timeout per call, the sandbox CA added
 * to the system store, failures turned into ProviderError per account) and one retry policy owned by the
 * gateway's poller. The SDK brings its own pipeline with three retries and backoff that would stack on
 * ours, and its own error type. The official client is used in conformance.test.ts to prove that the
 * simulator is faithful to what Azure's own SDK sends and accepts.
 */
import { createHash, randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
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
  type HttpRequest,
  type HttpResponse,
  InvalidInputError,
  type JobRef,
  type JobSnapshot,
  jobNotFound,
  NOT_FOUND,
  type NotFound,
  type Page,
  ProviderError,
  parseJsonBody,
  providerFailure,
  unreadableAnswer,
} from '../../src/sdk/index.js';
import { tokenSourceFor } from './auth.js';
import { type AccountConfig, KIND } from './config.js';
import { jobSnapshotFromAzure, jobTypeFromAzure, resourceGroupFromId } from './map.js';
import type { AzureCreateRequest, AzureUpdatePatch } from './validate.js';
import {
  API_VERSION,
  ArmCode,
  type ArmErrorBody,
  type ArmJobResponse,
  type ArmListJobsResponse,
  CREATE_TOKEN_TAG,
  FAILURE_CODES,
  JOB_NAME_SHAPE,
  MAX_PAGE_SIZE,
  PROVIDER_PATH,
  RESOURCE_GROUP_NAME,
} from './wire.js';

/**
 * Where the provider allows each action (docs and spec, see README): ship and cancel only before the
 * package ships; delete only in Creating or Completed; the other properties until the drives are packed.
 */
export const capabilities: Capabilities = {
  listIncludesSnapshots: true,
  listingOmits: ['drives'],
  create: true,
  dryRun: false,
  actions: {
    UPDATE: ['CREATING', 'SHIPPING', 'RECEIVED', 'TRANSFERRING'],
    SHIP: ['CREATING'],
    CANCEL: ['CREATING'],
    DELETE: ['CREATING', 'COMPLETED'],
  },
};

/** Lookups in flight at once per account: ARM allows 12000 reads an hour; a burst of GETs must stay polite. */
const GET_CONCURRENCY = 8;

const NOT_FOUND_CODES: ReadonlySet<string | undefined> = new Set([
  ArmCode.ResourceNotFound,
  ArmCode.ResourceGroupNotFound,
  undefined,
]);

/** Only property-like targets are repeated: a target could in principle quote a value. */
const SAFE_TARGET = /^[A-Za-z0-9_.[\]]{1,100}$/;

interface CallContext {
  /** ARM operation id, for messages. */
  operation: string;
  jobName?: string | undefined;
}

function armError(account: string, response: HttpResponse, call: CallContext, now = Date.now()): ProviderError {
  const body = parseJsonBody<ArmErrorBody>(response.text);
  const armCode = body?.error?.code ?? body?.code;
  const target = body?.error?.target;
  const subject = call.jobName ? `${call.operation} of job "${call.jobName}"` : call.operation;
  const detail = target && SAFE_TARGET.test(target) ? ` (field ${target})` : '';
  return providerFailure(
    {
      account,
      provider: KIND,
      providerCode: armCode,
      status: response.status,
      headers: response.headers,
      message:
        armCode === ArmCode.ActiveJobLimitExceeded
          ? `${subject} refused: the subscription already has the most active import/export jobs Azure allows (20); wait for one to finish or delete one still in Creating`
          : `${subject} refused by Azure: ${response.status} ${armCode ?? 'without an error code'}${detail}`,
    },
    FAILURE_CODES,
    now,
  );
}

export interface AzureImportExportClient extends AccountClient {
  createJob(input: unknown, opts: CreateOptions): Promise<CreateResult>;
  updateJob(nativeId: string, patch: unknown, opts: CallOptions): Promise<JobSnapshot>;
  cancelJob(nativeId: string, opts: CallOptions): Promise<JobSnapshot>;
  deleteJob(nativeId: string, opts: CallOptions): Promise<void>;
}

/** The value of the create-token tag: the same for a retry with the same idempotency key, unique otherwise. */
/** Whether `job` is the one a create with this token made (Azure keeps the token as a tag on the job). */
const createdBy = (job: ArmJobResponse | NotFound, token: string): job is ArmJobResponse =>
  job !== NOT_FOUND && job.tags?.[CREATE_TOKEN_TAG] === token;

export function createToken(account: string, name: string, idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return randomUUID();
  return createHash('sha256').update(`${account}\n${name}\n${idempotencyKey}`).digest('hex').slice(0, 32);
}

export function connect(config: AccountConfig, ctx: AdapterContext): AzureImportExportClient {
  const account = config.account;
  const origin = new URL(config.endpoint).origin;
  const http = createHttpClient({
    account,
    provider: KIND,
    timeoutMs: ctx.timeoutMs,
    ca: ctx.ca,
  });
  const tokens = tokenSourceFor(config, ctx.now, ctx.timeoutMs);
  const limit = pLimit(GET_CONCURRENCY);
  const subscriptionPath = `/subscriptions/${encodeURIComponent(config.subscriptionId)}`;
  const scopePath = config.resourceGroup
    ? `${subscriptionPath}/resourceGroups/${encodeURIComponent(config.resourceGroup)}`
    : subscriptionPath;

  const url = (path: string, query: Record<string, string> = {}) => {
    const params = new URLSearchParams({ 'api-version': API_VERSION, ...query });
    return `${origin}${path}?${params.toString().replaceAll('%24', '$')}`;
  };

  /** Job names are unique per resource group; an account without one names its jobs `group/name`. */
  const nativeIdOf = (job: ArmJobResponse): string => {
    const name = job.name ?? '';
    if (config.resourceGroup) return name;
    return `${resourceGroupFromId(job.id) ?? ''}/${name}`;
  };
  /**
   * Where a native id points, or undefined when it is not one of this account's ids: a job name, or
   * `resourceGroup/name` for an account without a resource group. Nothing else reaches a URL path (no other
   * resource group, no extra segment, no dot segment that would lead to another ARM route).
   */
  const locate = (nativeId: string): { resourceGroup: string; name: string } | undefined => {
    const parts = nativeId.split('/');
    if (config.resourceGroup) {
      return parts.length === 1 && JOB_NAME_SHAPE.test(nativeId)
        ? { resourceGroup: config.resourceGroup, name: nativeId }
        : undefined;
    }
    const [resourceGroup = '', name = ''] = parts;
    return parts.length === 2 && RESOURCE_GROUP_NAME.test(resourceGroup) && JOB_NAME_SHAPE.test(name)
      ? { resourceGroup, name }
      : undefined;
  };
  const jobPath = (resourceGroup: string, name: string) =>
    `${subscriptionPath}/resourceGroups/${encodeURIComponent(resourceGroup)}${PROVIDER_PATH}/jobs/${encodeURIComponent(name)}`;

  async function send(
    req: Omit<HttpRequest, 'headers'> & { headers?: Record<string, string> },
    call: CallContext,
  ): Promise<HttpResponse> {
    const token = await tokens.token(req.signal);
    const response = await http.send({
      ...req,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${token}`,
        'x-ms-client-request-id': randomUUID(),
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...req.headers,
      },
    });
    if (response.status >= 400) throw armError(account, response, call, ctx.now());
    return response;
  }

  const jobFromResponse = (response: HttpResponse, call: CallContext): ArmJobResponse => {
    const job = parseJsonBody<ArmJobResponse>(response.text);
    if (!job || typeof job !== 'object') {
      throw unreadableAnswer({
        account,
        provider: KIND,
        message: `${call.operation} of job "${call.jobName ?? '?'}": Azure answered ${response.status} without a job`,
        status: response.status,
      });
    }
    return job;
  };

  const snapshot = (job: ArmJobResponse) => jobSnapshotFromAzure(job, nativeIdOf(job));

  async function getRaw(resourceGroup: string, name: string, signal: AbortSignal): Promise<ArmJobResponse | NotFound> {
    const call = { operation: 'Jobs_Get', jobName: name };
    try {
      return jobFromResponse(await send({ method: 'GET', url: url(jobPath(resourceGroup, name)), signal }, call), call);
    } catch (error) {
      if (error instanceof ProviderError && error.status === 404 && NOT_FOUND_CODES.has(error.providerCode)) {
        return NOT_FOUND;
      }
      throw error;
    }
  }

  /** A read that may be repeated once when Azure did not answer: it changes nothing. */
  async function getRawPatiently(resourceGroup: string, name: string, signal: AbortSignal) {
    try {
      return await getRaw(resourceGroup, name, signal);
    } catch (error) {
      if (error instanceof ProviderError && error.code === ErrorCode.PROVIDER_UNAVAILABLE && !signal.aborted) {
        return getRaw(resourceGroup, name, signal);
      }
      throw error;
    }
  }

  const requireJob = (nativeId: string, operation: string) => {
    const where = locate(nativeId);
    if (!where) throw jobNotFound(account, KIND, ArmCode.ResourceNotFound, operation);
    return where;
  };

  async function patch(nativeId: string, body: AzureUpdatePatch, operation: string, signal: AbortSignal) {
    const where = requireJob(nativeId, operation);
    const call = { operation, jobName: where.name };
    const response = await send(
      { method: 'PATCH', url: url(jobPath(where.resourceGroup, where.name)), body: JSON.stringify(body), signal },
      call,
    );
    return snapshot(jobFromResponse(response, call));
  }

  const nameTaken = () =>
    new InvalidInputError([
      { field: 'name', message: 'a job with this name already exists in the resource group; choose another name' },
    ]);

  return {
    capabilities,

    async listJobs({ pageToken, signal }): Promise<Page<JobRef>> {
      const pageUrl = pageToken ?? url(`${scopePath}${PROVIDER_PATH}/jobs`, { $top: String(MAX_PAGE_SIZE) });
      let response: HttpResponse;
      try {
        response = await send({ method: 'GET', url: pageUrl, signal }, { operation: 'Jobs_List' });
      } catch (error) {
        // Not finding the account's own resource group is a configuration problem, not a missing job.
        if (error instanceof ProviderError && error.code === ErrorCode.NOT_FOUND) {
          throw new ProviderError({
            account,
            provider: KIND,
            code: ErrorCode.PROVIDER_ERROR,
            message: `Jobs_List refused by Azure: ${error.status} ${error.providerCode ?? 'not found'} (check subscriptionId and resourceGroup)`,
            providerCode: error.providerCode,
            status: error.status,
          });
        }
        throw error;
      }
      const body = parseJsonBody<ArmListJobsResponse>(response.text);
      if (!body || !Array.isArray(body.value)) {
        throw unreadableAnswer({
          account,
          provider: KIND,
          message: `Jobs_List: Azure answered ${response.status} without a job list`,
          status: response.status,
        });
      }
      const items = body.value.map((job): JobRef => {
        const snap = snapshot(job);
        return { nativeId: snap.nativeId, createdAt: snap.createdAt, type: jobTypeFromAzure(job), snapshot: snap };
      });
      let nextPageToken: string | undefined;
      if (body.nextLink) {
        // Followed verbatim, but only on the account's own endpoint: the bearer token goes with it.
        const next = new URL(body.nextLink, origin);
        if (next.origin !== origin) {
          throw new ProviderError({
            account,
            provider: KIND,
            code: ErrorCode.PROVIDER_ERROR,
            message: `Jobs_List: Azure's nextLink points to another host (${next.host}); not followed`,
          });
        }
        nextPageToken = next.href;
      }
      return { items, nextPageToken };
    },

    getJobs(nativeIds, { signal }) {
      return Promise.all(
        nativeIds.map((nativeId) =>
          limit(async (): Promise<JobSnapshot | NotFound> => {
            const where = locate(nativeId);
            if (!where) return NOT_FOUND;
            const job = await getRaw(where.resourceGroup, where.name, signal);
            return job === NOT_FOUND ? NOT_FOUND : snapshot(job);
          }),
        ),
      );
    },

    /**
     * PUT creates or silently overwrites a job of the same name, so: look first and refuse a name in use;
     * send `If-None-Match: *` so a service that honours it refuses too; and tag the job with a token
     * (derived from the idempotency key when there is one). When the PUT gets no answer, a GET by name
     * finds out whether it happened: a job carrying our token is ours, and is returned.
     */
    /** A lost create made the job iff a job of that name carries the token derived from the same key. */
    async findCreatedJob(input, _since, opts): Promise<JobSnapshot | null> {
      const request = input as AzureCreateRequest;
      const resourceGroup = request.resourceGroup ?? config.resourceGroup;
      if (!resourceGroup) return null;
      const found = await getRawPatiently(resourceGroup, request.name, opts.signal);
      return createdBy(found, createToken(account, request.name, opts.idempotencyKey)) ? snapshot(found) : null;
    },

    async createJob(input, opts): Promise<CreateResult> {
      const request = input as AzureCreateRequest;
      const resourceGroup = request.resourceGroup ?? config.resourceGroup;
      if (!resourceGroup) {
        throw new InvalidInputError([
          { field: 'resourceGroup', message: 'is required: this account spans the whole subscription' },
        ]);
      }
      // The account sees one resource group: a job made elsewhere could never be read back through it.
      if (config.resourceGroup && resourceGroup.toLowerCase() !== config.resourceGroup.toLowerCase()) {
        throw new InvalidInputError([
          { field: 'resourceGroup', message: "must be left out or be the account's own resource group" },
        ]);
      }
      const token = createToken(account, request.name, opts.idempotencyKey);
      const ours = (job: ArmJobResponse | NotFound): job is ArmJobResponse => createdBy(job, token);

      const existing = await getRawPatiently(resourceGroup, request.name, opts.signal);
      if (existing !== NOT_FOUND) {
        if (ours(existing)) return { job: snapshot(existing), warnings: [] };
        throw nameTaken();
      }
      const body = { ...request.body, tags: { ...request.body.tags, [CREATE_TOKEN_TAG]: token } };
      const call = { operation: 'Jobs_Create', jobName: request.name };
      try {
        const response = await send(
          {
            method: 'PUT',
            url: url(jobPath(resourceGroup, request.name)),
            headers: { 'if-none-match': '*' },
            body: JSON.stringify(body),
            signal: opts.signal,
          },
          call,
        );
        return { job: snapshot(jobFromResponse(response, call)), warnings: [] };
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        if (error.status === 412) throw nameTaken();
        if (!error.outcomeUnknown || opts.signal.aborted) throw error;
        // No answer, or a failure on Azure's side: the job may exist. Never PUT again blindly.
        const found = await getRawPatiently(resourceGroup, request.name, opts.signal).catch((): NotFound => NOT_FOUND);
        if (ours(found)) return { job: snapshot(found), warnings: [] };
        throw createOutcomeUnknown(
          error,
          `${call.operation} of job "${request.name}": Azure did not confirm the create and the job is not visible; retry with the same idempotencyKey to be safe`,
        );
      }
    },

    updateJob(nativeId, body, { signal }) {
      return patch(nativeId, body as AzureUpdatePatch, 'Jobs_Update', signal);
    },

    cancelJob(nativeId, { signal }) {
      return patch(nativeId, { properties: { cancelRequested: true } }, 'Jobs_Cancel', signal);
    },

    async deleteJob(nativeId, { signal }) {
      const where = requireJob(nativeId, 'Jobs_Delete');
      await send(
        { method: 'DELETE', url: url(jobPath(where.resourceGroup, where.name)), signal },
        { operation: 'Jobs_Delete', jobName: where.name },
      );
    },

    dispose: () => http.dispose(),
  };
}
