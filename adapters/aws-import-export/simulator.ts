/**
 * A wire-compatible AWS Import/Export on loopback, on the shared simulator scaffolding: Query protocol
 * (POST / with Action in the form body), Signature Version 2 checked like the service, XML answers in the
 * service's namespace, the service's error envelope and codes, manifests checked with the same rules as
 * the gateway (validate.ts), and a time-compressed lifecycle through the location and progress codes.
 * The official aws-sdk v2 `AWS.ImportExport` works against it unchanged.
 */
import { randomUUID } from 'node:crypto';
import {
  hmacBase64,
  type RunningSimulator,
  type SimulatorFactory,
  type SimulatorFault,
  type SimulatorOptions,
} from '../../src/sdk/index.js';
import { createCredentialRng, createRng, type Rng } from '../utils/rng.js';
import {
  createStateJournal,
  type SimHandled,
  type SimRequest,
  type SimResponse,
  startLifecycleTimer,
  startSimulatorServer,
} from '../utils/simulator-server.js';
import { sigV2Timestamp, verifyV2 } from './auth.js';
import { ABORTED_PROGRESS_CODES } from './map.js';
import { checkManifest, type ManifestFields, parseManifest, renderManifest } from './validate.js';
import type { AwsJobType } from './wire.js';
import {
  ACCEPTED_API_VERSIONS,
  ERROR_DOCS,
  isOperation,
  type Operation,
  renderError,
  renderResult,
  type XmlValue,
} from './wire.js';

export interface AwsSimulatorOptions extends SimulatorOptions {
  /** CreateJob calls (not ValidateOnly) allowed per rolling 24 hours before CreateJobQuotaExceededException. */
  dailyCreateQuota?: number;
  /** Time each request takes inside the simulator, so that tests can see how many overlap. */
  latencyMs?: number;
}

export interface AwsRunningSimulator extends RunningSimulator {
  credentials: { accessKeyId: string; secretAccessKey: string };
  setLatency(ms: number): void;
  /** Most requests that were being handled at the same time since the last reset. */
  maxInFlight(): number;
  resetInFlight(): void;
  /** Every secret the simulator holds (account secret, device signatures, TrueCrypt passwords), for leak tests. */
  secrets(): string[];
  /** Lets a job expire out of the system at once: GetStatus answers ExpiredJobIdException, ListJobs still lists it. */
  expire(jobId: string): void;
}

type LocationCode = 'NotReceived' | 'AtAWS' | 'Returned';
/** What a job is going to do: load fine, load with errors, be aborted with one of the codes, or expire. */
type Plan = 'ok' | 'errors' | 'expire' | (typeof ABORTED_PROGRESS_CODES)[number];

interface SimJob {
  jobId: string;
  jobType: AwsJobType;
  createdAt: number;
  manifestText: string;
  manifest: ManifestFields;
  plan: Plan;
  progress: string;
  location: LocationCode;
  /** Steps spent in the current state (expiry and "no longer valid" count them). */
  steps: number;
  errorCount: number;
  carrier: string | null;
  trackingNumber: string | null;
  logBucket: string | null;
  logKey: string | null;
  signature: string;
  artifacts: { Description: string; URL: string }[];
  /** GetStatus answers this instead of a status once a cancelled or expired job has aged out. */
  gone: 'CanceledJobIdException' | 'ExpiredJobIdException' | null;
}

const DEFAULT_DAILY_CREATE_QUOTA = 100;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
/** Steps a job stays NotReceived before a job planned to expire does. */
const EXPIRE_AFTER_STEPS = 3;
/** Steps after which a cancelled or expired job is "no longer valid" for GetStatus. */
const GONE_AFTER_STEPS = 3;
const MAX_AUTOPILOT_JOBS = 1000;
const DAY_MS = 24 * 3600_000;
const JOB_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LABEL_PATH = '/shipping-labels/';

const LOCATION_MESSAGES: Record<LocationCode, (job: SimJob) => string> = {
  NotReceived: () => 'AWS has not received your device.',
  AtAWS: () => 'Your device is at AWS.',
  Returned: (job) => `Your device has been returned. The ${job.carrier} tracking number is ${job.trackingNumber}.`,
};

/** Developer Guide, "Job and Device Status Codes", placeholders filled in. */
const PROGRESS_MESSAGES: Record<string, (job: SimJob) => string> = {
  Pending: () => 'The specified job has not started.',
  InProgress: () => 'The data on your device is currently being loaded.',
  Complete: (job) => `The data loaded successfully. The log was saved to ${job.logKey} in the bucket ${job.logBucket}.`,
  SuccessWithErrors: (job) =>
    `The data load completed with ${job.errorCount} of errors. See ${job.logKey} in the bucket ${job.logBucket}. for more details.`,
  Canceled: () => 'The job was canceled.',
  Expired: () => 'The job expired.',
  DeviceError: () => 'The job was aborted. Your device would not function properly.',
  InvalidSignature: () => 'The job was aborted. The SIGNATURE file was invalid.',
  MissingDevice: () => 'The job was aborted. Your device, power supply, or device connectors were missing.',
  MissingSignature: () => 'The job was aborted. The SIGNATURE file was missing.',
  UnsupportedDeviceType: () =>
    'The job was aborted. Disk requires a USB2 or eSATA connector type, or a 2.5" or 3.5" SATA hard drive.',
  UnsupportedFileFormat: () => 'The job was aborted. (see Guidelines and Limitations)',
  UnsupportedPowerSupply: () => 'The job was aborted. The power supply of your device is not supported.',
};

/** A service error, answered in the XML envelope. */
class ServiceError extends Error {
  constructor(
    readonly code: string,
    readonly status = 400,
    detail?: string,
  ) {
    super(detail ?? ERROR_DOCS[code as keyof typeof ERROR_DOCS] ?? code);
  }
}

const PEOPLE = ['Jane Roe', 'John Doe', 'Mary Major', 'Richard Roe', 'Ana Silva', 'Wei Zhang', 'Arnav Desai'];
const PLACES = [
  { city: 'Seattle', stateOrProvince: 'WA', postalCode: '98101', country: 'USA' },
  { city: 'Anytown', stateOrProvince: 'WA', postalCode: '91011-1111', country: 'USA' },
  { city: 'Portland', stateOrProvince: 'OR', postalCode: '97201', country: 'USA' },
  { city: 'Austin', stateOrProvince: 'TX', postalCode: '73301', country: 'USA' },
];

function pickPlan(rng: Rng): Plan {
  const roll = rng.next();
  if (roll < 0.7) return 'ok';
  if (roll < 0.8) return 'errors';
  if (roll < 0.88) return 'expire';
  return rng.pick(ABORTED_PROGRESS_CODES);
}

function sampleManifest(rng: Rng, jobType: AwsJobType, accessKeyId: string): ManifestFields {
  const place = rng.pick(PLACES);
  const common: ManifestFields = {
    manifestVersion: '2.0',
    accessKeyId,
    deviceId: `SN${rng.hex(10)}`,
    generator: 'crossdock simulator',
  };
  const returnAddress: ManifestFields = {
    name: rng.pick(PEOPLE),
    company: 'Example Corp.',
    street1: `${rng.int(1, 9999)} Any Street`,
    ...place,
    phoneNumber: `206-555-${String(rng.int(0, 9999)).padStart(4, '0')}`,
  };
  if (jobType === 'Export') {
    return {
      ...common,
      fileSystem: rng.pick(['NTFS', 'EXT4']),
      logBucket: 'sandbox-logs',
      operations: [{ exportBucket: `sandbox-export-${rng.int(1, 4)}` }],
      returnAddress,
    };
  }
  return {
    ...common,
    bucket: `sandbox-import-${rng.int(1, 4)}`,
    eraseDevice: rng.pick(['yes', 'no']),
    serviceLevel: 'standard',
    ...(rng.chance(0.4) ? { trueCryptPassword: `tc-${rng.hex(20)}` } : {}),
    ...(rng.chance(0.5) ? { notificationEmail: 'ops@example.com;storage@example.com' } : {}),
    returnAddress,
  };
}

/** The S3 buckets a manifest names. */
function bucketsOf(fields: ManifestFields): string[] {
  const names = [fields.bucket, fields.logBucket];
  if (Array.isArray(fields.operations)) {
    for (const op of fields.operations) {
      if (op && typeof op === 'object' && !Array.isArray(op)) names.push(op.exportBucket);
    }
  }
  return names.filter((n): n is string => typeof n === 'string');
}

export async function startAwsImportExportSimulator(opts: AwsSimulatorOptions): Promise<AwsRunningSimulator> {
  const rng = createRng(opts.seed);
  const keyRng = createCredentialRng(opts.seed);
  const credentials = {
    accessKeyId: `AKIA${keyRng.hex(16)}`,
    secretAccessKey: keyRng.base64(30), // 40 characters, like AWS's
  };
  const deviceSigningKey = keyRng.hex(40);
  const quota = opts.dailyCreateQuota ?? DEFAULT_DAILY_CREATE_QUOTA;
  let latencyMs = opts.latencyMs ?? 0;
  let inFlight = 0;
  let maxInFlight = 0;

  /** Oldest first; ListJobs walks it backwards (newest first, as the service lists). */
  const jobs: SimJob[] = [];
  const byId = new Map<string, SimJob>();
  const createCalls: number[] = [];
  const labels = new Map<string, string>();
  let autopilotCreated = 0;

  const newJobId = (): string => {
    for (;;) {
      const id = Array.from({ length: 5 }, () => rng.pick([...JOB_ID_ALPHABET])).join('');
      if (!byId.has(id)) return id;
    }
  };

  const addJob = (
    jobType: AwsJobType,
    manifestText: string,
    manifest: ManifestFields,
    createdAt: number,
    plan: Plan,
  ) => {
    const jobId = newJobId();
    const signature = hmacBase64('sha1', deviceSigningKey, jobId);
    const job: SimJob = {
      jobId,
      jobType,
      createdAt,
      manifestText,
      manifest,
      plan,
      progress: 'Pending',
      location: 'NotReceived',
      steps: 0,
      errorCount: 0,
      carrier: null,
      trackingNumber: null,
      logBucket: null,
      logKey: null,
      signature,
      artifacts: [],
      gone: null,
    };
    jobs.push(job);
    byId.set(jobId, job);
    return job;
  };

  const createSampleJob = (createdAt: number) => {
    const jobType: AwsJobType = rng.chance(0.75) ? 'Import' : 'Export';
    const manifest = sampleManifest(rng, jobType, credentials.accessKeyId);
    return addJob(jobType, renderManifest(manifest), manifest, createdAt, pickPlan(rng));
  };

  const signatureFile = (job: SimJob) =>
    `version:2.0\nsigningMethod:HmacSHA1\njobId:${job.jobId}\nsignature:${job.signature}\n`;

  const finishLoad = (job: SimJob) => {
    const prefix = typeof job.manifest.logPrefix === 'string' ? job.manifest.logPrefix : '';
    const logBucket = job.manifest.logBucket ?? job.manifest.bucket;
    job.logBucket = typeof logBucket === 'string' ? logBucket : 'sandbox-logs';
    job.logKey = `${prefix}${job.jobType === 'Import' ? 'import' : 'export'}-log-${job.jobId}`;
    if (job.plan === 'errors') {
      job.progress = 'SuccessWithErrors';
      job.errorCount = rng.int(1, 50);
    } else {
      job.progress = 'Complete';
    }
  };

  const returnDevice = (job: SimJob) => {
    job.location = 'Returned';
    job.carrier = 'UPS';
    job.trackingNumber = `1Z${rng.hex(16)}`;
  };

  /** One lifecycle step of one job; `customerShips` = the customer sent the device this step. */
  const advance = (job: SimJob, customerShips: boolean) => {
    if (job.gone) return;
    job.steps += 1;
    const before = `${job.progress}/${job.location}`;
    if (job.progress === 'Canceled' || job.progress === 'Expired') {
      if (job.steps >= GONE_AFTER_STEPS) {
        job.gone = job.progress === 'Canceled' ? 'CanceledJobIdException' : 'ExpiredJobIdException';
      }
      return;
    }
    if (ABORTED_PROGRESS_CODES.includes(job.progress)) {
      if (job.location === 'AtAWS') returnDevice(job);
    } else if (job.progress === 'Pending' && job.location === 'NotReceived') {
      if (job.plan === 'expire' && job.steps >= EXPIRE_AFTER_STEPS) job.progress = 'Expired';
      else if (job.plan !== 'expire' && customerShips) job.location = 'AtAWS';
    } else if (job.progress === 'Pending') {
      job.progress = job.plan === 'ok' || job.plan === 'errors' || job.plan === 'expire' ? 'InProgress' : job.plan;
    } else if (job.progress === 'InProgress') {
      finishLoad(job);
    } else if (job.location === 'AtAWS') {
      returnDevice(job);
    }
    if (`${job.progress}/${job.location}` !== before) job.steps = 0;
  };

  const step = (autopilot: boolean) => {
    for (const job of jobs) advance(job, autopilot && rng.chance(0.7));
    if (autopilot && autopilotCreated < MAX_AUTOPILOT_JOBS && rng.chance(0.1)) {
      autopilotCreated += 1;
      createSampleJob(Date.now());
    }
    journal.scan();
  };

  // The seed: jobs created over the past weeks (hours apart), each already some steps into its life.
  const start = Date.now();
  for (let i = 0; i < opts.seedJobs; i++) {
    const job = createSampleJob(start - (opts.seedJobs - i) * 3 * 3600_000 - rng.int(0, 10_000) * 1000);
    if (rng.chance(0.05)) {
      job.progress = 'Canceled';
    }
    const age = rng.int(0, 7);
    for (let s = 0; s < age; s++) advance(job, rng.chance(0.8));
  }

  // The word the adapter reports as providerState: GetStatus's codes, or the error of a job that is gone.
  const journal = createStateJournal(function* () {
    for (const job of jobs) yield [job.jobId, job.gone ?? `${job.progress}/${job.location}`] as const;
  });
  journal.scan();

  // --- the wire protocol ---

  const xmlHeaders = (requestId: string) => ({ 'content-type': 'text/xml', 'x-amzn-requestid': requestId });

  const answer = (operation: Operation, result: Record<string, XmlValue>): SimHandled => {
    const requestId = randomUUID();
    return { operation, status: 200, headers: xmlHeaders(requestId), body: renderResult(operation, result, requestId) };
  };

  const errorResponse = (operation: string, error: ServiceError): SimHandled => {
    const requestId = randomUUID();
    const type = error.status >= 500 ? 'Receiver' : 'Sender';
    return {
      operation,
      status: error.status,
      headers: xmlHeaders(requestId),
      body: renderError(error.code, error.message, type, requestId),
    };
  };

  const list = <T extends XmlValue>(items: T[]): XmlValue => (items.length ? { member: items } : '');
  const isoSeconds = (ms: number) => sigV2Timestamp(ms);

  const jobFor = (jobId: string | undefined, allowGone = false): SimJob => {
    if (!jobId) throw new ServiceError('MissingParameterException', 400, 'JobId is required.');
    const job = byId.get(jobId);
    if (!job) throw new ServiceError('InvalidJobIdException', 400, `No such job ${jobId}`);
    if (job.gone && !allowGone) throw new ServiceError(job.gone);
    return job;
  };

  const jobTypeParam = (value: string | undefined): AwsJobType => {
    if (value === undefined) throw new ServiceError('MissingParameterException', 400, 'JobType is required.');
    if (value !== 'Import' && value !== 'Export') {
      throw new ServiceError('InvalidParameterException', 400, 'JobType must be Import or Export.');
    }
    return value;
  };

  const booleanParam = (name: string, value: string | undefined): boolean => {
    if (value === undefined) throw new ServiceError('MissingParameterException', 400, `${name} is required.`);
    if (value !== 'true' && value !== 'false') {
      throw new ServiceError('InvalidParameterException', 400, `${name} must be true or false.`);
    }
    return value === 'true';
  };

  /** The manifest checks the service makes, in its order; returns the fields and any warning. */
  const acceptManifest = (text: string | undefined, jobType: AwsJobType, signingKey: string) => {
    if (text === undefined) throw new ServiceError('MissingParameterException', 400, 'Manifest is required.');
    const parsed = parseManifest(text);
    if ('problem' in parsed) throw new ServiceError(parsed.problem.code, 400, parsed.problem.message);
    const { fields } = parsed;
    if (fields.accessKeyId === undefined) {
      throw new ServiceError('MissingManifestFieldException', 400, 'The manifest field accessKeyId is missing.');
    }
    if (fields.accessKeyId !== signingKey) throw new ServiceError('InvalidAccessKeyIdException');
    const [problem] = checkManifest(fields, jobType);
    if (problem) throw new ServiceError(problem.code, 400, `The manifest field ${problem.path} ${problem.message}.`);
    const buckets = bucketsOf(fields);
    // Simulator convention: buckets named no-such-* do not exist.
    if (buckets.some((b) => b.startsWith('no-such-'))) throw new ServiceError('NoSuchBucketException');
    const legacy = buckets.find((b) => /[A-Z_]/.test(b));
    const warning = legacy ? `The bucket name ${legacy} is not DNS-compatible; use lower-case names.` : '';
    return { fields, warning };
  };

  const statusOf = (job: SimJob): Record<string, XmlValue> => ({
    JobId: job.jobId,
    JobType: job.jobType,
    LocationCode: job.location,
    LocationMessage: LOCATION_MESSAGES[job.location](job),
    ProgressCode: job.progress,
    ProgressMessage: PROGRESS_MESSAGES[job.progress]?.(job) ?? '',
    Carrier: job.carrier ?? '',
    TrackingNumber: job.trackingNumber ?? '',
    LogBucket: job.logBucket ?? '',
    LogKey: job.logKey ?? '',
    ErrorCount: job.errorCount,
    Signature: job.signature,
    SignatureFileContents: signatureFile(job),
    CurrentManifest: job.manifestText,
    CreationDate: isoSeconds(job.createdAt),
    ArtifactList: list(job.artifacts),
  });

  const operations: Record<Operation, (p: Record<string, string>, req: SimRequest) => SimHandled> = {
    ListJobs(p) {
      let max = DEFAULT_PAGE_SIZE;
      if (p.MaxJobs !== undefined) {
        max = Number(p.MaxJobs);
        if (!Number.isInteger(max) || max < 0 || max > MAX_PAGE_SIZE) {
          throw new ServiceError('InvalidParameterException', 400, `MaxJobs must be between 0 and ${MAX_PAGE_SIZE}.`);
        }
        if (max === 0) max = DEFAULT_PAGE_SIZE;
      }
      const newestFirst = [...jobs].reverse();
      let from = 0;
      if (p.Marker) {
        const at = newestFirst.findIndex((j) => j.jobId === p.Marker);
        if (at < 0) throw new ServiceError('InvalidParameterException', 400, 'Marker must be a valid job ID.');
        from = at + 1;
      }
      const page = newestFirst.slice(from, from + max);
      return answer('ListJobs', {
        Jobs: list(
          page.map((j) => ({
            JobId: j.jobId,
            CreationDate: isoSeconds(j.createdAt),
            IsCanceled: j.progress === 'Canceled',
            JobType: j.jobType,
          })),
        ),
        IsTruncated: from + max < newestFirst.length,
      });
    },

    GetStatus(p) {
      return answer('GetStatus', statusOf(jobFor(p.JobId)));
    },

    CreateJob(p) {
      const jobType = jobTypeParam(p.JobType);
      const validateOnly = booleanParam('ValidateOnly', p.ValidateOnly);
      const { fields, warning } = acceptManifest(p.Manifest, jobType, p.AWSAccessKeyId ?? '');
      if (validateOnly) return answer('CreateJob', { JobType: jobType, WarningMessage: warning, ArtifactList: '' });
      const now = Date.now();
      while (createCalls.length && (createCalls[0] ?? 0) <= now - DAY_MS) createCalls.shift();
      if (createCalls.length >= quota) throw new ServiceError('CreateJobQuotaExceededException');
      createCalls.push(now);
      // Jobs created through the API follow the happy path; failures come with the seed and the autopilot.
      const job = addJob(jobType, p.Manifest ?? '', fields, now, 'ok');
      return answer('CreateJob', {
        JobId: job.jobId,
        JobType: job.jobType,
        Signature: job.signature,
        SignatureFileContents: signatureFile(job),
        WarningMessage: warning,
        ArtifactList: '',
      });
    },

    UpdateJob(p) {
      const job = jobFor(p.JobId);
      const jobType = jobTypeParam(p.JobType);
      if (jobType !== job.jobType) {
        throw new ServiceError('InvalidParameterException', 400, 'JobType does not match the job.');
      }
      const validateOnly = booleanParam('ValidateOnly', p.ValidateOnly);
      const { fields, warning } = acceptManifest(p.Manifest, jobType, p.AWSAccessKeyId ?? '');
      if (job.progress === 'Canceled') throw new ServiceError('CanceledJobIdException');
      if (job.progress === 'Expired') throw new ServiceError('ExpiredJobIdException');
      if (job.progress !== 'Pending') throw new ServiceError('UnableToUpdateJobIdException');
      if (!validateOnly) {
        job.manifestText = p.Manifest ?? '';
        job.manifest = fields;
      }
      return answer('UpdateJob', { Success: true, WarningMessage: warning, ArtifactList: list(job.artifacts) });
    },

    CancelJob(p) {
      const job = jobFor(p.JobId);
      if (job.progress === 'Canceled') throw new ServiceError('CanceledJobIdException');
      if (job.progress === 'Expired') throw new ServiceError('ExpiredJobIdException');
      if (job.progress !== 'Pending') throw new ServiceError('UnableToCancelJobIdException');
      job.progress = 'Canceled';
      job.steps = 0;
      return answer('CancelJob', { Success: true });
    },

    GetShippingLabel(p, req) {
      const ids = Object.keys(p)
        .filter((k) => /^jobIds\.member\.\d+$/.test(k))
        .sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]))
        .map((k) => p[k] ?? '');
      if (ids.length === 0) throw new ServiceError('MissingParameterException', 400, 'jobIds is required.');
      const selected = ids.map((id) => jobFor(id));
      for (const job of selected) {
        if (job.progress === 'Canceled') throw new ServiceError('CanceledJobIdException');
        if (job.progress === 'Expired') throw new ServiceError('ExpiredJobIdException');
      }
      const addressGiven = ['name', 'street1', 'city', 'country'].filter((f) => p[f]);
      if (addressGiven.length > 0 && addressGiven.length < 4) throw new ServiceError('InvalidAddressException');
      const file = `${ids.join('-')}-${rng.hex(8).toLowerCase()}.pdf`;
      labels.set(file, ids.join(', '));
      const url = `${req.origin}${LABEL_PATH}${file}`;
      for (const job of selected) {
        job.artifacts = [
          ...job.artifacts.filter((a) => a.Description !== 'Shipping label'),
          { Description: 'Shipping label', URL: url },
        ];
      }
      return answer('GetShippingLabel', { ShippingLabelURL: url, Warning: '' });
    },
  };

  /** A stand-in PDF: enough for a browser or a test to fetch something with the right type. */
  const serveLabel = (path: string): SimHandled => {
    const jobIds = labels.get(path.slice(LABEL_PATH.length));
    if (jobIds === undefined)
      return errorResponse('ShippingLabelFile', new ServiceError('NoSuchKey', 404, 'No such label.'));
    const body = `%PDF-1.4\n% crossdock simulator: pre-paid UPS shipping label for AWS Import/Export job(s) ${jobIds}\n%%EOF\n`;
    return { operation: 'ShippingLabelFile', status: 200, headers: { 'content-type': 'application/pdf' }, body };
  };

  const authenticate = (req: SimRequest, params: Record<string, string>) => {
    const keyId = params.AWSAccessKeyId;
    if (!keyId) throw new ServiceError('MissingAuthenticationToken', 403);
    if (keyId !== credentials.accessKeyId) throw new ServiceError('InvalidClientTokenIdException', 403);
    if (!params.Timestamp && !params.Expires) {
      throw new ServiceError('MissingParameterException', 400, 'Timestamp is required.');
    }
    const verdict = verifyV2(req.method, String(req.headers.host ?? ''), req.path, params, credentials.secretAccessKey);
    if (!verdict.ok) {
      throw verdict.reason === 'unsupported-method'
        ? new ServiceError('InvalidParameterException', 400, 'Use SignatureVersion 2 with HmacSHA256 or HmacSHA1.')
        : new ServiceError('SignatureDoesNotMatch', 403);
    }
  };

  /** Operations that change no job: the state journal is not scanned after them. */
  const READ_OPERATIONS = new Set<Operation>(['GetStatus', 'ListJobs']);

  const route = (req: SimRequest): SimHandled => {
    if (req.method === 'GET' && req.path.startsWith(LABEL_PATH)) return serveLabel(req.path);
    const params = Object.fromEntries(req.method === 'POST' ? new URLSearchParams(req.body) : req.query) as Record<
      string,
      string
    >;
    // Tolerance: the model's requestUri puts ?Operation=X in the URL, though no SDK sends it.
    const action = params.Action ?? req.query.get('Operation') ?? '';
    try {
      if (req.path !== '/' || (req.method !== 'POST' && req.method !== 'GET')) {
        throw new ServiceError('InvalidAction', 400, 'Send Query requests as POST /.');
      }
      authenticate(req, params);
      if (params.Version !== undefined && !ACCEPTED_API_VERSIONS.includes(params.Version)) {
        throw new ServiceError('InvalidVersionException');
      }
      if (!isOperation(action)) throw new ServiceError('InvalidAction');
      const out = operations[action](params, req);
      if (!READ_OPERATIONS.has(action)) journal.scan();
      return out;
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      return errorResponse(action || 'unknown', error);
    }
  };

  const server = await startSimulatorServer({
    tls: opts.tls,
    host: opts.host,
    port: opts.port,
    async handle(req) {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
        return route(req);
      } finally {
        inFlight -= 1;
      }
    },
    renderFault(fault: SimulatorFault): SimResponse {
      const status = fault.status;
      const code = fault.code ?? (status >= 500 ? 'ServiceUnavailable' : 'Throttling');
      const requestId = randomUUID();
      const message = fault.message ?? ERROR_DOCS[code as keyof typeof ERROR_DOCS] ?? code;
      return {
        status,
        headers: xmlHeaders(requestId),
        body: renderError(code, message, status >= 500 ? 'Receiver' : 'Sender', requestId),
      };
    },
  });
  const timer = startLifecycleTimer(opts.stepMs, () => step(opts.autopilot));

  return {
    account: {
      kind: 'aws-import-export',
      account: opts.account,
      endpoint: server.endpoint,
      region: 'us-east-1',
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
    },
    credentials,
    requests: server.requests,
    stateChanges: journal.changes,
    step: () => step(opts.autopilot),
    inject: (fault) => server.inject(fault),
    clearFaults: () => server.clearFaults(),
    setLatency(ms) {
      latencyMs = ms;
    },
    maxInFlight: () => maxInFlight,
    resetInFlight() {
      maxInFlight = inFlight;
    },
    expire(jobId) {
      const job = byId.get(jobId);
      if (!job) throw new Error(`no job ${jobId}`);
      job.progress = 'Expired';
      job.gone = 'ExpiredJobIdException';
      journal.scan();
    },
    secrets: () => [
      credentials.secretAccessKey,
      deviceSigningKey,
      ...jobs.flatMap((j) => [
        j.signature,
        ...(typeof j.manifest.trueCryptPassword === 'string' ? [j.manifest.trueCryptPassword] : []),
      ]),
    ],
    async close() {
      timer.stop();
      await server.close();
    },
  };
}

export const simulator: SimulatorFactory = { start: startAwsImportExportSimulator };
