/**
 * A simulator of the ARM Microsoft.ImportExport API on the shared scaffolding (HTTPS on loopback, request
 * log, fault injection, lifecycle timer): the same paths, api-version check, JSON shapes and ARM error
 * envelope, so that both this gateway's client and the official @azure/arm-storageimportexport work
 * against it unchanged. Provider semantics follow the spec text and the docs (seeds 000/001/004); where
 * the RP's real error codes are unknown (REFERENCE.md: unverified) the codes in wire.ts ArmCode are ours.
 */
import { randomUUID } from 'node:crypto';
import type { RunningSimulator, SimulatorFactory, SimulatorFault, SimulatorOptions } from '../../src/sdk/index.js';
import { createCredentialRng, createRng } from '../utils/rng.js';
import {
  createStateJournal,
  type SimHandled,
  type SimRequest,
  startLifecycleTimer,
  startSimulatorServer,
} from '../utils/simulator-server.js';
import {
  AZURE_JOB_STATES,
  type AzureJobState,
  bitLockerKey,
  type DriveFate,
  FINISHED_STATES,
  findLocation,
  type LifecycleDeps,
  LOCATIONS,
  publicJob,
  type SimJob,
  sandboxDeliveryPackage,
  sandboxReturnAddress,
  sandboxReturnShipping,
  stepJob,
} from './simulator-jobs.js';
import {
  ACCEPTED_API_VERSIONS,
  ACTIVE_JOB_LIMIT,
  ArmCode,
  type ArmDriveStatus,
  type ArmJobDetails,
  type ArmPutJobParameters,
  type ArmUpdateJobParameters,
  MAX_DRIVES,
  MAX_PAGE_SIZE,
} from './wire.js';

/** What a test asks for: a job that is (or, with autopilot, will be) in `state`, with drives ending as `fates`. */
export interface SimJobSpec {
  name?: string;
  type?: 'Import' | 'Export';
  state: AzureJobState;
  /** One per drive; import jobs get this many drives. Default: one drive, fine. */
  fates?: DriveFate[];
  /** For Transferring: extra progress steps once transferring (each adds 25-50 percent per drive). */
  progressSteps?: number;
  location?: string;
}

export interface AzureSimulator extends RunningSimulator {
  subscriptionId: string;
  resourceGroup: string;
  /** Creates a job directly in the store and drives it to `spec.state`; returns its name. */
  addJob(spec: SimJobSpec): string;
  /** The job as stored (secrets included): what Azure received. */
  storedJob(name: string, resourceGroup?: string): SimJob | undefined;
  /** Makes another resource group known (the subscription's own start with the account's). */
  addResourceGroup(name: string): void;
  /** The active-jobs limit per subscription (seed 004: 20). */
  activeJobLimit: number;
}

const DEFAULT_PAGE_SIZE = MAX_PAGE_SIZE;
const API_VERSION_FORMAT = /^\d{4}-\d{2}-\d{2}(-preview)?$/;
/** Autopilot starts new jobs only while the subscription has room to spare for the user's own. */
const AUTOPILOT_HEADROOM = 8;

class ArmFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
  ) {
    super(message);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function armBody(code: string, message: string, target?: string): string {
  return JSON.stringify({ error: { code, message, ...(target ? { target } : {}) } });
}

function faultCode(fault: SimulatorFault): string {
  if (fault.code) return fault.code;
  if (fault.status === 429) return ArmCode.TooManyRequests;
  if (fault.status === 503) return 'ServiceUnavailable';
  if (fault.status >= 500) return ArmCode.InternalServerError;
  return 'BadRequest';
}

export const simulator: SimulatorFactory = {
  async start(opts: SimulatorOptions): Promise<AzureSimulator> {
    const rng = createRng(opts.seed);
    const subscriptionId = [rng.hex(8), rng.hex(4), rng.hex(4), rng.hex(4), rng.hex(12)].join('-').toLowerCase();
    const resourceGroup = 'crossdock-sandbox';
    const token = `sandbox-${createCredentialRng(opts.seed).base64(24, 'base64url')}`;
    const resourceGroups = new Set([resourceGroup.toLowerCase()]);
    const jobs = new Map<string, SimJob>();
    let seq = 0;
    let autopilotCount = 0;
    let writesLeft = 1199;
    let readsLeft = 11999;
    const state = { activeJobLimit: ACTIVE_JOB_LIMIT };

    const keyOf = (rg: string, name: string) => `${rg.toLowerCase()}/${name.toLowerCase()}`;
    const ordered = () => [...jobs.values()].sort((a, b) => a.seq - b.seq);
    const active = () => [...jobs.values()].filter((j) => !FINISHED_STATES.includes(j.properties.state)).length;
    const deps: LifecycleDeps = {
      rng,
      now: Date.now,
      storageAccountName: (job) => job.properties.storageAccountId?.split('/').pop() || 'sandboxstorage',
    };

    function shipJob(job: SimJob, driveCount: number) {
      job.properties.deliveryPackage ??= sandboxDeliveryPackage(rng, driveCount, Date.now());
      job.properties.state = 'Shipping';
      job.lastModifiedAt = new Date().toISOString();
    }

    function newJob(init: {
      name: string;
      resourceGroup: string;
      location: string;
      tags?: Record<string, string>;
      properties: ArmJobDetails;
      createdAt: string;
      fates: DriveFate[];
      ownedByAutopilot: boolean;
    }): SimJob {
      const where = findLocation(init.location) ?? LOCATIONS[0]!;
      // Read-only properties are the service's to fill in, whatever a PUT body says.
      const {
        state: _state,
        percentComplete: _percent,
        returnPackage: _returned,
        incompleteBlobListUri: _incomplete,
        ...given
      } = init.properties;
      const job: SimJob = {
        seq: ++seq,
        resourceGroup: init.resourceGroup,
        name: init.name,
        location: init.location,
        tags: { ...init.tags },
        properties: {
          ...given,
          shippingInformation: {
            recipientName: where.properties.recipientName,
            streetAddress1: where.properties.streetAddress1,
            streetAddress2: where.properties.streetAddress2 ?? '',
            city: where.properties.city,
            stateOrProvince: where.properties.stateOrProvince,
            postalCode: where.properties.postalCode,
            countryOrRegion: where.properties.countryOrRegion,
            phone: where.properties.phone,
            additionalInformation: '',
          },
          diagnosticsPath: given.diagnosticsPath ?? 'waimportexport',
          logLevel: given.logLevel ?? 'Error',
          backupDriveManifest: given.backupDriveManifest ?? false,
          cancelRequested: false,
          state: 'Creating',
          driveList: (given.driveList ?? []).map((d) => ({
            driveId: d.driveId,
            bitLockerKey: d.bitLockerKey,
            manifestFile: d.manifestFile,
            manifestHash: d.manifestHash,
            ...(d.driveHeaderHash !== undefined ? { driveHeaderHash: d.driveHeaderHash } : {}),
            state: 'Specified',
          })),
          provisioningState: 'Succeeded',
          encryptionKey: given.encryptionKey ?? { kekType: 'MicrosoftManaged' },
        },
        createdAt: init.createdAt,
        lastModifiedAt: init.createdAt,
        createdBy: init.ownedByAutopilot ? 'sandbox-customer@contoso.example' : 'crossdock',
        fates: init.fates,
        ownedByAutopilot: init.ownedByAutopilot,
      };
      jobs.set(keyOf(job.resourceGroup, job.name), job);
      return job;
    }

    /** A job the simulator's customer makes: valid, deterministic for the seed. */
    function customerJob(spec: SimJobSpec, name: string, createdAt: string): SimJob {
      const type = spec.type ?? (rng.chance(0.75) ? 'Import' : 'Export');
      const fates = spec.fates ?? [
        rng.chance(0.1) ? 'never' : rng.chance(0.15) ? 'moreinfo' : 'ok',
        ...(rng.chance(0.5) ? (['ok'] as const) : []),
      ];
      const storage = `sandbox${rng.hex(6).toLowerCase()}`;
      const properties: ArmJobDetails = {
        storageAccountId: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Storage/storageAccounts/${storage}`,
        jobType: type,
        returnAddress: sandboxReturnAddress(rng),
        returnShipping: sandboxReturnShipping(rng),
        diagnosticsPath: 'waimportexport',
        logLevel: rng.chance(0.5) ? 'Verbose' : 'Error',
        backupDriveManifest: rng.chance(0.5),
        ...(type === 'Import'
          ? {
              driveList: fates.map(() => ({
                driveId: rng.hex(8),
                bitLockerKey: bitLockerKey(rng),
                manifestFile: '\\DriveManifest.xml',
                manifestHash: rng.hex(32),
              })),
            }
          : { export: { blobList: { blobPathPrefix: [rng.pick(['/', '/backups/', '/media/2024'])] } } }),
      };
      return newJob({
        name,
        resourceGroup,
        location: spec.location ?? rng.pick(LOCATIONS).name,
        properties,
        createdAt,
        fates,
        ownedByAutopilot: true,
      });
    }

    /** Drives a fresh customer job to the wanted state through the same steps the timer takes. */
    function driveTo(job: SimJob, target: AzureJobState, progressSteps: number) {
      if (target === 'Creating') return;
      if (target === 'Canceled') {
        job.properties.cancelRequested = true;
        stepJob(job, deps);
        return;
      }
      shipJob(job, job.fates.length);
      for (let i = 0; i < 40 && job.properties.state !== target; i++) {
        if (!stepJob(job, deps)) break;
        // The outcome decides Completed vs Closed; a plan that cannot reach the target stops at the other.
        if (FINISHED_STATES.includes(job.properties.state)) break;
      }
      if (target === 'Transferring') for (let i = 0; i < progressSteps; i++) stepOnce(job);
    }

    /** One step that must not finish a transfer early (tests ask for "still transferring"). */
    function stepOnce(job: SimJob) {
      const before = structuredClone(job.properties);
      stepJob(job, deps);
      if (job.properties.state !== 'Transferring') job.properties = before;
    }

    function addJob(spec: SimJobSpec): string {
      const fates =
        spec.fates ??
        (spec.state === 'Closed'
          ? (['ok', 'moreinfo'] as DriveFate[])
          : spec.state === 'Completed'
            ? ['ok']
            : undefined);
      const name =
        spec.name ??
        `${(spec.type ?? 'job').toLowerCase()}-${String(seq + 1).padStart(4, '0')}-${rng.hex(4).toLowerCase()}`;
      const job = customerJob(
        { ...spec, ...(fates ? { fates } : {}) },
        name,
        new Date(Date.now() - 1000).toISOString(),
      );
      driveTo(job, spec.state, spec.progressSteps ?? 0);
      journal.scan();
      return name;
    }

    // Seed: every job state in turn, oldest first, an hour apart.
    const seedOrder = AZURE_JOB_STATES;
    const startedAt = Date.now();
    for (let i = 0; i < opts.seedJobs; i++) {
      const target = seedOrder[i % seedOrder.length]!;
      const createdAt = new Date(startedAt - (opts.seedJobs - i) * 3600_000).toISOString();
      const type = rng.chance(0.75) ? 'Import' : 'Export';
      const fates: DriveFate[] | undefined =
        target === 'Closed'
          ? ['ok', rng.chance(0.5) ? 'never' : 'moreinfo']
          : target === 'Completed'
            ? ['ok']
            : undefined;
      const job = customerJob(
        { type, state: target, ...(fates ? { fates } : {}) },
        `${type.toLowerCase()}-${String(i + 1).padStart(4, '0')}-${rng.hex(4).toLowerCase()}`,
        createdAt,
      );
      driveTo(job, target, rng.int(0, 1));
    }

    // The job name is the native id of an account scoped to the sandbox's resource group.
    const journal = createStateJournal(function* () {
      for (const job of jobs.values()) yield [job.name, job.properties.state] as const;
    });
    journal.scan();

    function step() {
      for (const job of ordered()) {
        if (job.properties.state === 'Creating' && !job.properties.cancelRequested) {
          if (opts.autopilot && job.ownedByAutopilot && rng.chance(0.5)) shipJob(job, job.fates.length);
          continue;
        }
        stepJob(job, deps);
      }
      if (opts.autopilot && rng.chance(0.2) && active() < state.activeJobLimit - AUTOPILOT_HEADROOM) {
        autopilotCount += 1;
        customerJob(
          { state: 'Creating' },
          `autopilot-${String(autopilotCount).padStart(4, '0')}-${rng.hex(4).toLowerCase()}`,
          new Date().toISOString(),
        );
      }
      journal.scan();
    }

    // ---- ARM request handling ------------------------------------------------------------------------

    const jobsPath =
      /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?\/providers\/Microsoft\.ImportExport\/jobs\/?$/i;
    const jobPath =
      /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ImportExport\/jobs\/([^/]+)(\/listBitLockerKeys)?\/?$/i;
    const locationsPath = /^\/providers\/Microsoft\.ImportExport\/locations(?:\/([^/]+))?\/?$/i;
    const operationsPath = /^\/providers\/Microsoft\.ImportExport\/operations\/?$/i;

    function route(req: SimRequest): { operation: string; run: () => SimHandledBody } | undefined {
      const method = req.method.toUpperCase();
      let m = jobPath.exec(req.path);
      if (m) {
        const [, sub, rg, rawName, bitlocker] = m;
        const name = decodeURIComponent(rawName!);
        const where = { sub: decodeURIComponent(sub!), rg: decodeURIComponent(rg!), name };
        if (bitlocker)
          return method === 'POST' ? { operation: 'BitLockerKeys_List', run: () => listKeys(where) } : undefined;
        if (method === 'GET') return { operation: 'Jobs_Get', run: () => getJob(where) };
        if (method === 'PUT') return { operation: 'Jobs_Create', run: () => putJob(where, req) };
        if (method === 'PATCH') return { operation: 'Jobs_Update', run: () => patchJob(where, req) };
        if (method === 'DELETE') return { operation: 'Jobs_Delete', run: () => deleteJob(where) };
        return undefined;
      }
      m = jobsPath.exec(req.path);
      if (m && method === 'GET') {
        const sub = decodeURIComponent(m[1]!);
        const rg = m[2] ? decodeURIComponent(m[2]) : undefined;
        return {
          operation: rg ? 'Jobs_ListByResourceGroup' : 'Jobs_ListBySubscription',
          run: () => listJobs(sub, rg, req),
        };
      }
      m = locationsPath.exec(req.path);
      if (m && method === 'GET') {
        const wanted = m[1] ? decodeURIComponent(m[1]) : undefined;
        return wanted
          ? { operation: 'Locations_Get', run: () => getLocation(wanted) }
          : { operation: 'Locations_List', run: () => ({ status: 200, body: { value: LOCATIONS } }) };
      }
      if (operationsPath.test(req.path) && method === 'GET') {
        return { operation: 'Operations_List', run: () => ({ status: 200, body: { value: OPERATIONS } }) };
      }
      return undefined;
    }

    function checkSubscription(sub: string) {
      if (sub.toLowerCase() !== subscriptionId) {
        throw new ArmFailure(404, ArmCode.SubscriptionNotFound, `The subscription '${sub}' could not be found.`);
      }
    }

    function checkResourceGroup(rg: string) {
      if (!resourceGroups.has(rg.toLowerCase())) {
        throw new ArmFailure(404, ArmCode.ResourceGroupNotFound, `Resource group '${rg}' could not be found.`);
      }
    }

    function findJob(where: { sub: string; rg: string; name: string }): SimJob {
      checkSubscription(where.sub);
      checkResourceGroup(where.rg);
      const job = jobs.get(keyOf(where.rg, where.name));
      if (!job) {
        throw new ArmFailure(
          404,
          ArmCode.ResourceNotFound,
          `The Resource 'Microsoft.ImportExport/jobs/${where.name}' under resource group '${where.rg}' was not found.`,
        );
      }
      return job;
    }

    function getJob(where: { sub: string; rg: string; name: string }): SimHandledBody {
      return { status: 200, body: publicJob(findJob(where), subscriptionId) };
    }

    function listKeys(where: { sub: string; rg: string; name: string }): SimHandledBody {
      const job = findJob(where);
      const value = (job.properties.driveList ?? [])
        .filter((d) => d.bitLockerKey)
        .map((d) => ({ driveId: d.driveId, bitLockerKey: d.bitLockerKey }));
      return { status: 200, body: { value } };
    }

    function getLocation(wanted: string): SimHandledBody {
      const found = findLocation(wanted);
      if (!found) throw new ArmFailure(404, ArmCode.ResourceNotFound, `The location '${wanted}' was not found.`);
      return { status: 200, body: found };
    }

    function listJobs(sub: string, rg: string | undefined, req: SimRequest): SimHandledBody {
      checkSubscription(sub);
      if (rg) checkResourceGroup(rg);
      const topText = req.query.get('$top');
      const top = topText === null ? DEFAULT_PAGE_SIZE : Number(topText);
      if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) {
        throw new ArmFailure(
          400,
          ArmCode.InvalidParameter,
          `$top must be an integer from 1 to ${MAX_PAGE_SIZE}.`,
          '$top',
        );
      }
      const skipText = req.query.get('$skiptoken');
      const after = skipText === null ? 0 : Number(Buffer.from(skipText, 'base64url').toString('utf8'));
      if (!Number.isInteger(after) || after < 0) {
        throw new ArmFailure(400, ArmCode.InvalidParameter, 'The $skiptoken is not valid.', '$skiptoken');
      }
      const filter = req.query.get('$filter');
      const stateFilter = filter === null ? undefined : parseStateFilter(filter);
      const matching = ordered().filter(
        (j) =>
          j.seq > after &&
          (!rg || j.resourceGroup.toLowerCase() === rg.toLowerCase()) &&
          (!stateFilter || j.properties.state.toLowerCase() === stateFilter),
      );
      const page = matching.slice(0, top);
      const last = page[page.length - 1];
      let nextLink: string | undefined;
      if (last && matching.length > top) {
        // Self-contained: the SDK requests it verbatim, adding neither api-version nor $top.
        const query = new URLSearchParams({
          'api-version': req.query.get('api-version')!,
          $top: String(top),
          ...(filter !== null ? { $filter: filter } : {}),
          $skiptoken: Buffer.from(String(last.seq)).toString('base64url'),
        });
        nextLink = `${req.origin}${req.path}?${query.toString()}`;
      }
      return {
        status: 200,
        // As recorded from the live service: a resource group's listing leaves driveList out (Jobs_Get has it).
        body: {
          value: page.map((j) => {
            const job = publicJob(j, subscriptionId);
            if (rg) delete job.properties?.driveList;
            return job;
          }),
          ...(nextLink ? { nextLink } : {}),
        },
      };
    }

    /** The one $filter form the SDK documents: `properties/state eq 'Creating'` (the grammar is unverified). */
    function parseStateFilter(filter: string): string {
      const m = /^\s*properties\/state\s+eq\s+'([A-Za-z]+)'\s*$/i.exec(filter);
      if (!m)
        throw new ArmFailure(
          400,
          ArmCode.InvalidParameter,
          "Only $filter=properties/state eq '<state>' is supported.",
          '$filter',
        );
      return m[1]!.toLowerCase();
    }

    function parseBody(req: SimRequest): Record<string, unknown> {
      let body: unknown;
      try {
        body = JSON.parse(req.body || 'null');
      } catch {
        throw new ArmFailure(
          400,
          ArmCode.InvalidRequestContent,
          'The request content was invalid and could not be deserialized.',
        );
      }
      if (!isRecord(body))
        throw new ArmFailure(400, ArmCode.InvalidRequestContent, 'The request content must be a JSON object.');
      return body;
    }

    const invalid = (target: string, message: string) => new ArmFailure(400, ArmCode.InvalidParameter, message, target);
    const nonEmpty = (value: unknown) => typeof value === 'string' && value.trim() !== '';

    function checkAddress(value: unknown, target: string) {
      if (value === undefined) return;
      if (!isRecord(value)) throw invalid(target, `${target} must be an object.`);
      for (const field of [
        'recipientName',
        'streetAddress1',
        'city',
        'postalCode',
        'countryOrRegion',
        'phone',
        'email',
      ]) {
        if (!nonEmpty(value[field])) throw invalid(`${target}.${field}`, `${target}.${field} is required.`);
      }
    }

    function checkPair(value: unknown, target: string, fields: readonly string[]) {
      if (value === undefined) return;
      if (!isRecord(value)) throw invalid(target, `${target} must be an object.`);
      for (const field of fields) {
        if (!nonEmpty(value[field])) throw invalid(`${target}.${field}`, `${target}.${field} is required.`);
      }
    }

    /** What the service refuses in a PUT body (structure and limits, not formats it may not check). */
    function checkPutBody(body: Record<string, unknown>): ArmPutJobParameters {
      if (!nonEmpty(body.location)) throw invalid('location', 'The location is required.');
      if (!findLocation(String(body.location))) {
        throw invalid(
          'location',
          `The location '${String(body.location)}' is not supported by Microsoft.ImportExport.`,
        );
      }
      const p = body.properties;
      if (!isRecord(p)) throw invalid('properties', 'The job properties are required.');
      const type = typeof p.jobType === 'string' ? p.jobType.toLowerCase() : '';
      if (type !== 'import' && type !== 'export')
        throw invalid('properties.jobType', "jobType must be 'Import' or 'Export'.");
      if (
        !nonEmpty(p.storageAccountId) ||
        !/\/providers\/Microsoft\.(Classic)?Storage\/storageAccounts\/[^/]+$/i.test(String(p.storageAccountId))
      ) {
        throw invalid('properties.storageAccountId', 'storageAccountId must be the resource id of a storage account.');
      }
      checkAddress(p.returnAddress, 'properties.returnAddress');
      checkPair(p.returnShipping, 'properties.returnShipping', ['carrierName', 'carrierAccountNumber']);
      const drives = p.driveList;
      if (drives !== undefined && !Array.isArray(drives))
        throw invalid('properties.driveList', 'driveList must be a list.');
      if (type === 'import') {
        if (!drives?.length) throw invalid('properties.driveList', 'An import job needs at least one drive.');
        if (drives.length > MAX_DRIVES)
          throw invalid('properties.driveList', `A job takes at most ${MAX_DRIVES} drives.`);
        for (const [i, d] of drives.entries()) {
          checkPair(d, `properties.driveList[${i}]`, ['driveId', 'bitLockerKey', 'manifestFile', 'manifestHash']);
        }
        if (p.export !== undefined) throw invalid('properties.export', 'export must not be set for an import job.');
      } else {
        if (drives?.length) throw invalid('properties.driveList', 'driveList is not specified for export jobs.');
        const spec = p.export;
        const list = isRecord(spec) && isRecord(spec.blobList) ? spec.blobList : undefined;
        const entries = list ? [list.blobPath, list.blobPathPrefix].flatMap((x) => (Array.isArray(x) ? x : [])) : [];
        const hasPath = isRecord(spec) && nonEmpty(spec.blobListBlobPath);
        if (entries.length > 0 === hasPath) {
          throw invalid('properties.export', 'An export job needs either blobList or blobListBlobPath.');
        }
      }
      return body as unknown as ArmPutJobParameters;
    }

    function putJob(where: { sub: string; rg: string; name: string }, req: SimRequest): SimHandledBody {
      checkSubscription(where.sub);
      checkResourceGroup(where.rg);
      if (!/^[A-Za-z][A-Za-z0-9-]{1,63}$/.test(where.name)) {
        throw invalid('jobName', 'Job names are 2-64 letters, digits and hyphens, starting with a letter.');
      }
      const body = checkPutBody(parseBody(req));
      const existing = jobs.get(keyOf(where.rg, where.name));
      if (existing && req.headers['if-none-match'] === '*') {
        throw new ArmFailure(412, ArmCode.PreconditionFailed, `The job '${where.name}' already exists.`);
      }
      if (existing) {
        // Seed 004: a name in use by a job past Creating is refused; a Creating job is replaced.
        if (existing.properties.state !== 'Creating') {
          throw new ArmFailure(
            409,
            ArmCode.JobNameInUse,
            `The job name '${where.name}' is in use by a job in state ${existing.properties.state}.`,
          );
        }
        jobs.delete(keyOf(where.rg, where.name));
      } else if (active() >= state.activeJobLimit) {
        throw new ArmFailure(
          409,
          ArmCode.ActiveJobLimitExceeded,
          `The subscription already has ${state.activeJobLimit} active import/export jobs.`,
        );
      }
      const now = new Date().toISOString();
      const job = newJob({
        name: where.name,
        resourceGroup: where.rg,
        location: String(body.location),
        ...(body.tags ? { tags: body.tags } : {}),
        properties: structuredClone(body.properties),
        createdAt: existing?.createdAt ?? now,
        // The sandbox decides how each drive will fare, as the real world would.
        fates: (body.properties.driveList ?? [{}]).map(() => (rng.chance(0.15) ? 'moreinfo' : 'ok')),
        ownedByAutopilot: false,
      });
      if (existing) job.seq = existing.seq;
      job.lastModifiedAt = now;
      return { status: existing ? 200 : 201, body: publicJob(job, subscriptionId) };
    }

    const UPDATABLE_IN: Record<string, readonly string[]> = {
      deliveryPackage: ['Creating', 'Shipping'],
      returnAddress: ['Creating', 'Shipping', 'Received', 'Transferring'],
      returnShipping: ['Creating', 'Shipping', 'Received', 'Transferring'],
      logLevel: ['Creating', 'Shipping', 'Received'],
      backupDriveManifest: ['Creating', 'Shipping', 'Received'],
      driveList: ['Creating'],
    };

    function patchJob(where: { sub: string; rg: string; name: string }, req: SimRequest): SimHandledBody {
      const job = findJob(where);
      const body = parseBody(req) as ArmUpdateJobParameters & Record<string, unknown>;
      const p = isRecord(body.properties) ? (body.properties as NonNullable<ArmUpdateJobParameters['properties']>) : {};
      const current = job.properties.state;
      const refuse = (code: string, what: string) =>
        new ArmFailure(409, code, `${what} is not allowed while the job is in state ${current}.`);
      // Everything is checked before anything changes: a refused PATCH leaves the job as it was.
      if (p.cancelRequested !== undefined) {
        if (p.cancelRequested !== true)
          throw invalid('properties.cancelRequested', 'If specified, cancelRequested must be true.');
        if (current !== 'Creating') throw refuse(ArmCode.CancelNotAllowed, 'Cancelling');
      }
      for (const [field, states] of Object.entries(UPDATABLE_IN)) {
        if ((p as Record<string, unknown>)[field] !== undefined && !states.includes(current)) {
          throw refuse(ArmCode.UpdateNotAllowedInState, `Updating ${field}`);
        }
      }
      checkAddress(p.returnAddress, 'properties.returnAddress');
      checkPair(p.returnShipping, 'properties.returnShipping', ['carrierName', 'carrierAccountNumber']);
      checkPair(p.deliveryPackage, 'properties.deliveryPackage', ['carrierName', 'trackingNumber']);
      if (p.logLevel !== undefined && !['error', 'verbose'].includes(String(p.logLevel).toLowerCase())) {
        throw invalid('properties.logLevel', "logLevel must be 'Error' or 'Verbose'.");
      }
      const drivesById = new Map((job.properties.driveList ?? []).map((d) => [d.driveId?.toLowerCase(), d]));
      if (p.driveList !== undefined) {
        if (!Array.isArray(p.driveList)) throw invalid('properties.driveList', 'driveList must be a list.');
        p.driveList.forEach((d: ArmDriveStatus, i) => {
          if (!drivesById.has(d?.driveId?.toLowerCase())) {
            throw invalid(`properties.driveList[${i}].driveId`, 'The drive is not part of the job.');
          }
        });
      }
      const shipping = p.state !== undefined && p.state !== '';
      if (shipping) {
        if (p.state !== 'Shipping') throw invalid('properties.state', "If specified, state must be 'Shipping'.");
        if (current !== 'Creating') throw refuse(ArmCode.InvalidStateTransition, 'Moving to Shipping');
        if (
          !(p.returnAddress ?? job.properties.returnAddress) ||
          !(p.deliveryPackage ?? job.properties.deliveryPackage)
        ) {
          throw new ArmFailure(
            400,
            ArmCode.ShippingInformationMissing,
            'The ReturnAddress and DeliveryPackage properties must have been set either in this request or in a previous request.',
          );
        }
      }

      if (isRecord(body.tags)) job.tags = { ...(body.tags as Record<string, string>) };
      if (p.cancelRequested) job.properties.cancelRequested = true;
      if (p.deliveryPackage) job.properties.deliveryPackage = structuredClone(p.deliveryPackage);
      if (p.returnAddress) job.properties.returnAddress = structuredClone(p.returnAddress);
      if (p.returnShipping) job.properties.returnShipping = structuredClone(p.returnShipping);
      if (p.logLevel !== undefined) job.properties.logLevel = String(p.logLevel);
      if (p.backupDriveManifest !== undefined) job.properties.backupDriveManifest = Boolean(p.backupDriveManifest);
      for (const update of p.driveList ?? []) {
        const { state: _readOnly, ...fields } = update;
        Object.assign(drivesById.get(update.driveId?.toLowerCase())!, fields);
      }
      if (shipping) job.properties.state = 'Shipping';
      job.lastModifiedAt = new Date().toISOString();
      return { status: 200, body: publicJob(job, subscriptionId) };
    }

    function deleteJob(where: { sub: string; rg: string; name: string }): SimHandledBody {
      const job = findJob(where);
      if (job.properties.state !== 'Creating' && job.properties.state !== 'Completed') {
        throw new ArmFailure(
          409,
          ArmCode.DeleteNotAllowed,
          `Only jobs in the Creating or Completed states can be deleted; this one is ${job.properties.state}.`,
        );
      }
      jobs.delete(keyOf(job.resourceGroup, job.name));
      return { status: 200 };
    }

    function checkApiVersion(req: SimRequest) {
      const version = req.query.get('api-version');
      if (!version) {
        throw new ArmFailure(
          400,
          ArmCode.MissingApiVersionParameter,
          'The api-version query parameter (?api-version=) is required for all requests.',
        );
      }
      if (!API_VERSION_FORMAT.test(version)) {
        throw new ArmFailure(
          400,
          ArmCode.InvalidApiVersionParameter,
          `The api-version '${version}' is invalid. The supported versions are '${ACCEPTED_API_VERSIONS.join(', ')}'.`,
        );
      }
      if (!ACCEPTED_API_VERSIONS.includes(version)) {
        throw new ArmFailure(
          400,
          ArmCode.NoRegisteredProviderFound,
          `No registered resource provider found for API version '${version}' and type 'jobs'. The supported api-versions are '${ACCEPTED_API_VERSIONS.join(', ')}'.`,
        );
      }
    }

    function checkAuth(req: SimRequest) {
      const header = req.headers.authorization;
      if (!header) {
        throw new ArmFailure(
          401,
          ArmCode.AuthenticationFailed,
          "Authentication failed. The 'Authorization' header is missing.",
        );
      }
      if (header !== `Bearer ${token}`) {
        throw new ArmFailure(401, ArmCode.InvalidAuthenticationToken, 'The access token is invalid.');
      }
    }

    const respond = (
      operation: string,
      status: number,
      body?: unknown,
      extra: Record<string, string> = {},
    ): SimHandled => ({
      operation,
      status,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        'x-ms-request-id': randomUUID(),
        'x-ms-correlation-request-id': randomUUID(),
        ...extra,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });

    const server = await startSimulatorServer({
      tls: opts.tls,
      host: opts.host,
      port: opts.port,
      handle(req) {
        const found = route(req);
        const operation = found?.operation ?? 'unknown';
        try {
          checkAuth(req);
          if (!found)
            throw new ArmFailure(404, 'NotFound', `No HTTP resource was found that matches ${req.method} ${req.path}.`);
          checkApiVersion(req);
          const out = found.run();
          if (req.method !== 'GET') journal.scan(); // creates, updates, deletes
          const budget: Record<string, string> =
            req.method === 'GET'
              ? { 'x-ms-ratelimit-remaining-subscription-reads': String(Math.max(0, readsLeft--)) }
              : { 'x-ms-ratelimit-remaining-subscription-writes': String(Math.max(0, writesLeft--)) };
          // DELETE answers 200 with no body: the SDK refuses 204.
          return respond(operation, out.status, out.body, budget);
        } catch (error) {
          if (!(error instanceof ArmFailure)) throw error;
          const extra: Record<string, string> =
            error.status === 401
              ? {
                  'www-authenticate':
                    'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token"',
                }
              : {};
          return respond(operation, error.status, armBody(error.code, error.message, error.target), extra);
        }
      },
      renderFault(fault) {
        const code = faultCode(fault);
        return {
          status: fault.status,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: armBody(code, fault.message ?? `Simulated ${fault.status} (${code}).`),
        };
      },
    });
    const timer = startLifecycleTimer(opts.stepMs, step);

    return {
      account: {
        kind: 'azure-import-export',
        account: opts.account,
        endpoint: server.endpoint,
        subscriptionId,
        resourceGroup,
        token,
      },
      requests: server.requests,
      stateChanges: journal.changes,
      subscriptionId,
      resourceGroup,
      step,
      inject: (fault) => server.inject(fault),
      clearFaults: () => server.clearFaults(),
      addJob,
      storedJob: (name, rg = resourceGroup) => jobs.get(keyOf(rg, name)),
      addResourceGroup: (name) => {
        resourceGroups.add(name.toLowerCase());
      },
      get activeJobLimit() {
        return state.activeJobLimit;
      },
      set activeJobLimit(limit: number) {
        state.activeJobLimit = limit;
      },
      async close() {
        timer.stop();
        await server.close();
      },
    };
  },
};

interface SimHandledBody {
  status: number;
  body?: unknown;
}

/** From examples/ListOperations.json. */
const OPERATIONS = [
  ['Microsoft.ImportExport/locations/read', 'Locations', 'Get or List Locations'],
  ['Microsoft.ImportExport/jobs/write', 'Jobs', 'Create or Update Job'],
  ['Microsoft.ImportExport/jobs/read', 'Jobs', 'Get or List Jobs'],
  ['Microsoft.ImportExport/jobs/listBitLockerKeys/action', 'Jobs', 'List BitLocker Keys'],
  ['Microsoft.ImportExport/jobs/delete', 'Jobs', 'Delete Job'],
].map(([name, resource, operation]) => ({
  name,
  display: { provider: 'Microsoft Import/Export', resource, operation, description: operation },
}));
