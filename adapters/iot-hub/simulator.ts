/**
 * A simulated IoT hub speaking the data-plane jobs API as azure-iothub's Registry needs it (SDK_WIRE.md §3):
 * HTTPS with the sandbox certificate, `Content-Type: application/json` on every JSON answer, a bare array
 * for the listing, the IoT error envelope with `iothub-errorcode`, SAS tokens checked against the hub name
 * and policy key, one active import/export job per hub (403 JobQuotaExceeded), and a time-compressed
 * lifecycle: enqueued → running (progress over several steps) → completed, some failed.
 */
import { randomBytes } from 'node:crypto';
import type { RunningSimulator, SimulatorFactory, SimulatorFault, SimulatorOptions } from '../../src/sdk/index.js';
import { createCredentialRng, createRng, type Rng } from '../utils/rng.js';
import {
  createStateJournal,
  type SimHandled,
  type SimRequest,
  type SimResponse,
  startLifecycleTimer,
  startSimulatorServer,
} from '../utils/simulator-server.js';
import { verifyServiceToken } from './auth.js';
import { KIND } from './config.js';
import { ERROR_CODE_HEADER, errorBody, IotErrorCode, type JobProperties, KNOWN_API_VERSIONS } from './wire.js';

const POLICY_NAME = 'iothubowner';
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
/** Jobs kept per hub; the oldest finished ones are forgotten first (real retention is unverified). */
const MAX_JOBS = 1_000;
/** Chance per lifecycle step that the autopilot customer starts a job when none is active. */
const AUTOPILOT_START_CHANCE = 0.25;
const FAILURE_CHANCE = 0.15;

const FAILURE_REASONS = [
  'The input blob devices.txt was not found in the input container.',
  'Could not write to the output blob container: the storage account denied access.',
  'The import file contains a malformed device entry.',
  'The device identity quota of the hub was exceeded during the import.',
];

interface SimJob {
  props: JobProperties & { jobId: string; status: string; type: string; progress: number };
  /** Progress at which this job fails; null = it completes. */
  failAt: number | null;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** A host-name label from an account name (`sandbox-iot-hub` → `sandbox-iot-hub.azure-devices.net`). */
function hubHostName(account: string): string {
  const label =
    account
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 50) || 'sandbox-hub';
  return `${label}.azure-devices.net`;
}

function guid(rng: Rng): string {
  const hex = rng.hex(32).toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A container URI with a SAS like the portal generates; the signature is random per container. */
function sasContainerUri(rng: Rng, container: string, permissions: string): string {
  const sig = Buffer.from(Array.from({ length: 32 }, () => rng.int(0, 255))).toString('base64');
  return (
    `https://crossdocksandbox.blob.core.windows.net/${container}?sv=2021-08-06&ss=b&srt=co&sp=${permissions}` +
    `&se=2030-01-01T00%3A00%3A00Z&spr=https&sig=${encodeURIComponent(sig)}`
  );
}

function plainContainerUri(container: string): string {
  return `https://crossdocksandbox.blob.core.windows.net/${container}`;
}

/** A customer's job request as the SDK would send it (random type, storage auth and options). */
function customerRequest(rng: Rng): Record<string, unknown> {
  const type = rng.pick(['import', 'export'] as const);
  const identityBased = rng.chance(0.2);
  const container = (name: string, permissions: string) =>
    identityBased ? plainContainerUri(name) : sasContainerUri(rng, name, permissions);
  return {
    type,
    ...(type === 'import' ? { inputBlobContainerUri: container('devices-in', 'rl') } : {}),
    outputBlobContainerUri: container(type === 'import' ? 'import-results' : 'devices-out', 'rwdl'),
    ...(type === 'export' ? { excludeKeysInExport: rng.chance(0.5) } : {}),
    storageAuthenticationType: identityBased ? 'identityBased' : 'keyBased',
    ...(rng.chance(0.2) ? { includeConfigurations: true, configurationsBlobName: 'configurations.txt' } : {}),
    ...(identityBased && rng.chance(0.5)
      ? {
          identity: {
            userAssignedIdentity:
              '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sandbox/providers/Microsoft.ManagedIdentity/userAssignedIdentities/iot-export',
          },
        }
      : {}),
  };
}

/** The fields a create request sets on the job. */
type RequestedFields = { type: string } & Pick<
  JobProperties,
  | 'inputBlobContainerUri'
  | 'inputBlobName'
  | 'outputBlobContainerUri'
  | 'outputBlobName'
  | 'excludeKeysInExport'
  | 'storageAuthenticationType'
  | 'includeConfigurations'
  | 'configurationsBlobName'
  | 'identity'
>;
type CreateCheck = { ok: true; props: RequestedFields } | { ok: false; code: string; text: string };

/** What IoT Hub checks in a create body (container URIs are only checked for shape and SAS presence). */
function checkCreate(body: unknown): CreateCheck {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, code: IotErrorCode.ArgumentInvalid, text: 'The job properties are missing or not JSON.' };
  }
  const b = body as Record<string, unknown>;
  const type = typeof b.type === 'string' ? b.type.toLowerCase() : '';
  if (type !== 'import' && type !== 'export') {
    return { ok: false, code: IotErrorCode.ArgumentInvalid, text: 'Job type must be import or export.' };
  }
  const auth = typeof b.storageAuthenticationType === 'string' ? b.storageAuthenticationType.toLowerCase() : 'keybased';
  if (auth !== 'keybased' && auth !== 'identitybased') {
    return { ok: false, code: IotErrorCode.ArgumentInvalid, text: 'Unknown storageAuthenticationType.' };
  }
  const containers =
    type === 'import' ? ['inputBlobContainerUri', 'outputBlobContainerUri'] : ['outputBlobContainerUri'];
  for (const field of containers) {
    const value = b[field];
    if (typeof value !== 'string' || !value) {
      return { ok: false, code: IotErrorCode.ArgumentInvalid, text: `${field} is required for ${type} jobs.` };
    }
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (url?.protocol !== 'https:' || (auth === 'keybased' && !url.searchParams.get('sig'))) {
      return {
        ok: false,
        code: IotErrorCode.BlobContainerValidationError,
        text: `The blob container specified in ${field} isn't valid.`,
      };
    }
  }
  const str = (key: string) => (typeof b[key] === 'string' ? { [key]: b[key] as string } : {});
  const bool = (key: string) => (typeof b[key] === 'boolean' ? { [key]: b[key] as boolean } : {});
  const identity = b.identity as { userAssignedIdentity?: unknown } | undefined;
  return {
    ok: true,
    props: {
      type,
      ...(type === 'import' ? str('inputBlobContainerUri') : {}),
      ...str('inputBlobName'),
      ...str('outputBlobContainerUri'),
      ...str('outputBlobName'),
      excludeKeysInExport: b.excludeKeysInExport === true,
      storageAuthenticationType: auth === 'keybased' ? 'keyBased' : 'identityBased',
      ...bool('includeConfigurations'),
      ...str('configurationsBlobName'),
      ...(typeof identity?.userAssignedIdentity === 'string'
        ? { identity: { userAssignedIdentity: identity.userAssignedIdentity } }
        : {}),
    },
  };
}

const DEFAULT_FAULT_CODES: Record<number, string> = {
  400: IotErrorCode.ArgumentInvalid,
  401: IotErrorCode.Unauthorized,
  403: IotErrorCode.JobQuotaExceeded,
  404: IotErrorCode.JobNotFound,
  429: IotErrorCode.Throttling,
  503: IotErrorCode.ServiceUnavailable,
};

function errorResponse(status: number, code: string, text: string): SimResponse {
  return {
    status,
    headers: { 'content-type': JSON_TYPE, [ERROR_CODE_HEADER]: code },
    // Tracking IDs are unique per answer, not part of the seeded replay.
    body: errorBody(code, text, randomBytes(16).toString('hex'), new Date()),
  };
}

export const simulator: SimulatorFactory = {
  async start(opts: SimulatorOptions): Promise<RunningSimulator> {
    const rng = createRng(opts.seed);
    const hostName = hubHostName(opts.account);
    const key = createCredentialRng(opts.seed).base64(32);
    const jobs: SimJob[] = [];
    const now = () => new Date();
    const active = () => jobs.find((j) => !TERMINAL.has(j.props.status));

    const newJob = (check: CreateCheck & { ok: true }, startedAt: Date): SimJob => ({
      props: {
        jobId: guid(rng),
        startTimeUtc: startedAt.toISOString(),
        status: 'enqueued',
        progress: 0,
        ...check.props,
      },
      failAt: rng.chance(FAILURE_CHANCE) ? rng.int(10, 90) : null,
    });
    const addJob = (check: CreateCheck & { ok: true }, startedAt: Date): SimJob => {
      const job = newJob(check, startedAt);
      jobs.push(job);
      if (jobs.length > MAX_JOBS) {
        const oldest = jobs.findIndex((j) => TERMINAL.has(j.props.status));
        if (oldest >= 0) jobs.splice(oldest, 1);
      }
      return job;
    };
    const finish = (job: SimJob, status: 'completed' | 'failed' | 'cancelled', at: Date) => {
      job.props.status = status;
      job.props.endTimeUtc = at.toISOString();
      if (status === 'completed') job.props.progress = 100;
      if (status === 'failed') job.props.failureReason = rng.pick(FAILURE_REASONS);
    };

    // History, newest first in time: all finished except the newest, which is still moving.
    let cursor = Date.now();
    const seeded: SimJob[] = [];
    for (let index = 0; index < opts.seedJobs; index++) {
      cursor -= rng.int(30, 600) * 60_000;
      const check = checkCreate(customerRequest(rng));
      if (!check.ok) throw new Error('simulator built an invalid seed job');
      const job = newJob(check, new Date(cursor));
      seeded.unshift(job);
      if (index === 0) {
        if (rng.chance(0.5)) {
          job.props.status = 'running';
          job.props.progress = rng.int(5, 60);
        }
        continue;
      }
      const outcome = rng.next();
      const endedAt = new Date(cursor + rng.int(1, 40) * 60_000);
      if (outcome < 0.7) finish(job, 'completed', endedAt);
      else if (outcome < 0.85) {
        job.props.progress = rng.int(0, 90);
        finish(job, 'failed', endedAt);
      } else {
        job.props.progress = rng.int(0, 80);
        finish(job, 'cancelled', endedAt);
      }
    }
    jobs.push(...seeded);
    const journal = createStateJournal(function* () {
      for (const job of jobs) yield [job.props.jobId, job.props.status] as const;
    });
    journal.scan();

    const step = () => {
      const at = now();
      for (const job of jobs) {
        if (job.props.status === 'enqueued') {
          job.props.status = 'running';
        } else if (job.props.status === 'running') {
          job.props.progress = Math.min(100, job.props.progress + rng.int(20, 45));
          if (job.failAt !== null && job.props.progress >= job.failAt) finish(job, 'failed', at);
          else if (job.props.progress >= 100) finish(job, 'completed', at);
        }
      }
      if (opts.autopilot && !active() && rng.chance(AUTOPILOT_START_CHANCE)) {
        const check = checkCreate(customerRequest(rng));
        if (check.ok) addJob(check, at);
      }
      journal.scan();
    };

    const json = (operation: string, status: number, value: unknown): SimHandled => ({
      operation,
      status,
      headers: { 'content-type': JSON_TYPE },
      body: JSON.stringify(value),
    });
    const fail = (operation: string, status: number, code: string, text: string): SimHandled => ({
      operation,
      ...errorResponse(status, code, text),
    });

    const handle = (req: SimRequest): SimHandled => {
      const match = /^\/jobs(?:\/([^/]+))?\/?$/.exec(req.path);
      const id = match?.[1] === undefined ? undefined : safeDecode(match[1]);
      let operation: string;
      if (req.method === 'POST' && id === 'create') operation = 'Jobs_CreateImportExportJob';
      else if (req.method === 'GET' && match && id === undefined) operation = 'Jobs_GetImportExportJobs';
      else if (req.method === 'GET' && id !== undefined) operation = 'Jobs_GetImportExportJob';
      else if (req.method === 'DELETE' && id !== undefined) operation = 'Jobs_CancelImportExportJob';
      else return fail('unknown', 404, 'NotFound', 'The requested resource does not exist.');

      const authorization = req.headers.authorization;
      const verdict = verifyServiceToken(Array.isArray(authorization) ? authorization[0] : authorization, {
        hostName,
        policyName: POLICY_NAME,
        key,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
      if (verdict !== 'ok') return fail(operation, 401, IotErrorCode.Unauthorized, 'Unauthorized');
      const apiVersion = req.query.get('api-version');
      if (!apiVersion || !(KNOWN_API_VERSIONS as readonly string[]).includes(apiVersion)) {
        return fail(
          operation,
          400,
          IotErrorCode.ArgumentInvalid,
          'The api-version query parameter is missing or unsupported.',
        );
      }

      switch (operation) {
        case 'Jobs_CreateImportExportJob': {
          let body: unknown;
          try {
            body = JSON.parse(req.body);
          } catch {
            body = undefined;
          }
          const check = checkCreate(body);
          if (!check.ok) return fail(operation, 400, check.code, check.text);
          if (active()) return fail(operation, 403, IotErrorCode.JobQuotaExceeded, 'Job quota has been exceeded');
          return json(operation, 200, addJob(check, now()).props);
        }
        case 'Jobs_GetImportExportJobs':
          return json(
            operation,
            200,
            jobs.map((j) => j.props),
          );
        default: {
          const job = jobs.find((j) => j.props.jobId === id);
          if (!job) return fail(operation, 404, IotErrorCode.JobNotFound, 'The job does not exist.');
          // Cancelling a finished job leaves it as it is (the real answer is unverified).
          if (operation === 'Jobs_CancelImportExportJob' && !TERMINAL.has(job.props.status)) {
            finish(job, 'cancelled', now());
          }
          return json(operation, 200, job.props);
        }
      }
    };

    const server = await startSimulatorServer({
      tls: opts.tls,
      host: opts.host,
      port: opts.port,
      handle: (req) => {
        const out = handle(req);
        if (req.method !== 'GET') journal.scan(); // creates and cancels
        return out;
      },
      renderFault: (fault: SimulatorFault) => {
        const code = fault.code ?? DEFAULT_FAULT_CODES[fault.status] ?? IotErrorCode.ServerError;
        return errorResponse(fault.status, code, fault.message ?? 'Injected failure.');
      },
    });
    const timer = startLifecycleTimer(opts.stepMs, step);

    return {
      account: {
        kind: KIND,
        account: opts.account,
        endpoint: server.endpoint,
        connectionString: `HostName=${hostName};SharedAccessKeyName=${POLICY_NAME};SharedAccessKey=${key}`,
      },
      requests: server.requests,
      stateChanges: journal.changes,
      step,
      inject: (fault) => server.inject(fault),
      clearFaults: () => server.clearFaults(),
      async close() {
        timer.stop();
        await server.close();
      },
    };
  },
};

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
