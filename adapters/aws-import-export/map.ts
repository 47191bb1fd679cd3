/**
 * AWS Import/Export answers → the normalized job (providers/REFERENCE.md D3). Pure functions.
 *
 * What a snapshot never carries, and why:
 * - Signature / SignatureFileContents: the code that authenticates a device to its job ("an encrypted
 *   code used to authenticate the request and response"); whoever holds it can make a device pass as
 *   the job's. Customers write it to the device straight from CreateJob/GetStatus, not via dashboards.
 * - The manifest's trueCryptPassword (the device's encryption password) and accessKeyId.
 * - Any manifest field not on the allowlist below, so a field we do not know cannot leak a secret.
 * - Query strings of artifact URLs (presigned S3 URLs carry their signature there).
 */
import {
  type Address,
  type ArtifactKind,
  type ArtifactSnapshot,
  COUNT,
  emptySnapshot,
  inRange,
  type JobErrorInfo,
  type JobRef,
  type JobSnapshot,
  type JobState,
  type JobType,
  type ShippingSnapshot,
  withoutCredentials,
} from '../../src/sdk/index.js';
import { type ManifestFields, type ManifestValue, parseManifest } from './validate.js';
import type { Artifact, AwsJobType, CreateJobOutput, GetStatusOutput, GoneCode, ListJobsEntry } from './wire.js';

/** ProgressCodes that mean the job was aborted (Developer Guide, "Job and Device Status Codes"). */
export const ABORTED_PROGRESS_CODES: readonly string[] = [
  'DeviceError',
  'InvalidSignature',
  'MissingDevice',
  'MissingSignature',
  'UnsupportedDeviceType',
  'UnsupportedFileFormat',
  'UnsupportedPowerSupply',
];

/**
 * ProgressCode × LocationCode → normalized state. null for codes outside the documented set (the model
 * itself mentions "Started"): the core then keeps the last state it knew.
 */
export function jobStateFromAws(progressCode: string | null, locationCode: string | null): JobState | null {
  switch (progressCode) {
    case 'Pending':
      // SHIPPING is not observable: AWS is never told that the device left the customer.
      if (locationCode === 'AtAWS') return 'RECEIVED';
      return locationCode === 'NotReceived' || locationCode === null ? 'CREATING' : null;
    case 'InProgress':
      return 'TRANSFERRING';
    // The guide's introduction calls a successful load "Success"; its table says "Complete".
    case 'Complete':
    case 'Success':
      // Approximate: data is loaded; until the device is back with the customer, call it PACKAGING.
      return locationCode === 'Returned' ? 'COMPLETED' : 'PACKAGING';
    case 'SuccessWithErrors':
      return 'COMPLETED_WITH_ERRORS';
    case 'Canceled':
      return 'CANCELLED';
    // Approximate: an expired job was never processed; it is FAILED with the reason Expired.
    case 'Expired':
      return 'FAILED';
    default:
      return progressCode !== null && ABORTED_PROGRESS_CODES.includes(progressCode) ? 'FAILED' : null;
  }
}

function jobTypeFromAws(jobType: string | null): JobType | null {
  if (jobType === 'Import') return 'IMPORT';
  if (jobType === 'Export') return 'EXPORT';
  return null;
}

function isoDate(value: string | null): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** What ListJobs says about a job: enough to sort and filter, and whether it was cancelled. */
export function refFromListEntry(entry: ListJobsEntry): JobRef {
  return {
    nativeId: entry.JobId,
    createdAt: isoDate(entry.CreationDate),
    type: jobTypeFromAws(entry.JobType),
    ...(entry.IsCanceled ? { cancelled: true } : {}),
  };
}

const asText = (value: ManifestValue | undefined): string | null =>
  typeof value === 'string' && value.trim() ? value.trim() : null;

/** Manifest fields shown in `details`: what users need to recognise and follow a job, nothing secret. */
const DETAIL_FIELDS = [
  'manifestVersion',
  'deviceId',
  'generator',
  'bucket',
  'logBucket',
  'logPrefix',
  'eraseDevice',
  'acl',
  'serviceLevel',
  'fileSystem',
  'notificationEmail',
] as const;

function manifestDetails(fields: ManifestFields): Record<string, string> {
  const details: Record<string, string> = {};
  for (const name of DETAIL_FIELDS) {
    const value = asText(fields[name]);
    if (value !== null) details[name] = value;
  }
  const operations = fields.operations;
  if (Array.isArray(operations)) {
    const buckets = operations
      .map((op) => (op && typeof op === 'object' && !Array.isArray(op) ? asText(op.exportBucket) : null))
      .filter((b): b is string => b !== null);
    if (buckets.length) details.exportBuckets = buckets.join(', ');
  }
  return details;
}

function returnAddressFrom(fields: ManifestFields): Address | null {
  const address = fields.returnAddress;
  if (!address || typeof address !== 'object' || Array.isArray(address)) return null;
  return {
    recipientName: asText(address.name),
    company: asText(address.company),
    streetLines: [address.street1, address.street2, address.street3]
      .map(asText)
      .filter((line): line is string => line !== null),
    city: asText(address.city),
    stateOrProvince: asText(address.stateOrProvince),
    postalCode: asText(address.postalCode),
    countryOrRegion: asText(address.country),
    phone: asText(address.phoneNumber),
    email: null,
  };
}

function artifactKind(description: string | null): ArtifactKind {
  if (description && /label/i.test(description)) return 'SHIPPING_LABEL';
  if (description && /manifest/i.test(description)) return 'MANIFEST';
  if (description && /log/i.test(description)) return 'LOG';
  return 'OTHER';
}

function artifactsFrom(list: readonly Artifact[]): ArtifactSnapshot[] {
  return list.map((a) => ({
    kind: artifactKind(a.Description),
    description: a.Description,
    url: withoutCredentials(a.URL),
  }));
}

function logArtifact(status: GetStatusOutput, type: JobType | null): ArtifactSnapshot | null {
  if (!status.LogBucket || !status.LogKey) return null;
  return {
    kind: 'LOG',
    description: `${type === 'EXPORT' ? 'Export' : 'Import'} log`,
    url: `s3://${status.LogBucket}/${status.LogKey}`,
  };
}

function shippingFrom(status: GetStatusOutput, manifest: ManifestFields | null): ShippingSnapshot | null {
  const returnAddress = manifest ? returnAddressFrom(manifest) : null;
  const returned = status.Carrier || status.TrackingNumber;
  if (!returnAddress && !returned) return null;
  return {
    // AWS's shipping address came in CreateJob answers the 2010-06-01 model no longer has.
    deliverTo: null,
    // Not observable: the customer never tells AWS about the inbound package.
    deliveryPackage: null,
    returnPackage: returned
      ? { carrier: status.Carrier, trackingNumber: status.TrackingNumber, driveCount: 1, shipDate: null }
      : null,
    returnAddress,
    returnCarrier: status.Carrier,
  };
}

function errorsFrom(status: GetStatusOutput, state: JobState | null, errorCount: number | null): JobErrorInfo[] {
  const errors: JobErrorInfo[] = [];
  if (state === 'FAILED' && status.ProgressCode) {
    errors.push({ code: status.ProgressCode, message: status.ProgressMessage ?? status.ProgressCode });
  }
  if (errorCount) {
    const where = status.LogBucket && status.LogKey ? `; see s3://${status.LogBucket}/${status.LogKey}` : '';
    errors.push({ code: 'ErrorCount', message: `${errorCount} errors during the data load${where}` });
  }
  return errors;
}

/** The JobType AWS reports, or the listing's when GetStatus left it out. */
function typeOf(status: { JobType: string | null }, listed?: { type: JobType | null }): JobType {
  // IMPORT as the last resort: every job is one of the two, and imports are the common case.
  return jobTypeFromAws(status.JobType) ?? listed?.type ?? 'IMPORT';
}

/** The common skeleton of every AWS snapshot; callers fill in what their answer knows. */
function baseSnapshot(nativeId: string, type: JobType): JobSnapshot {
  // AWS cancels at once (CancelJob answers Success), so there is never a pending cancel: cancelRequested stays false.
  return emptySnapshot(nativeId, type);
}

/**
 * GetStatus → snapshot. `listed` is what ListJobs said: IsCanceled=true means CANCELLED whatever the
 * progress code (a job is never un-cancelled, so an older listing is still right about it).
 */
export function snapshotFromStatus(status: GetStatusOutput, listed?: JobRef): JobSnapshot {
  const type = typeOf(status, listed);
  const state = listed?.cancelled ? 'CANCELLED' : jobStateFromAws(status.ProgressCode, status.LocationCode);
  const parsed = status.CurrentManifest ? parseManifest(status.CurrentManifest) : null;
  const manifest = parsed && 'fields' in parsed ? parsed.fields : null;
  const log = logArtifact(status, type);
  const errorCount = inRange(status.ErrorCount, COUNT);
  const details: JobSnapshot['details'] = {
    ...(manifest ? manifestDetails(manifest) : {}),
    progressCode: status.ProgressCode,
    locationCode: status.LocationCode,
    locationMessage: status.LocationMessage,
    errorCount,
  };
  return {
    ...baseSnapshot(status.JobId, type),
    state,
    providerState: `${status.ProgressCode ?? ''}/${status.LocationCode ?? ''}`,
    createdAt: isoDate(status.CreationDate) ?? listed?.createdAt ?? null,
    // AWS reports no percentage or byte counts, only the message.
    progress: { percent: null, bytesTransferred: null, itemsProcessed: null, message: status.ProgressMessage },
    artifacts: [...artifactsFrom(status.ArtifactList), ...(log ? [log] : [])],
    shipping: shippingFrom(status, manifest),
    location: status.LocationCode,
    errors: errorsFrom(status, state, errorCount),
    failureReason:
      state === 'FAILED' ? [status.ProgressCode, status.ProgressMessage].filter(Boolean).join(': ') || null : null,
    details,
  };
}

/**
 * GetStatus answers CanceledJobIdException / ExpiredJobIdException for jobs that are no longer valid:
 * a state, not a failure (D3). What else is known comes from the listing.
 */
export function snapshotForGoneJob(nativeId: string, code: GoneCode, listed: JobRef): JobSnapshot {
  const cancelled = code === 'CanceledJobIdException';
  return {
    ...baseSnapshot(nativeId, listed.type ?? 'IMPORT'),
    state: cancelled ? 'CANCELLED' : 'FAILED',
    providerState: code,
    createdAt: listed.createdAt,
    progress: {
      percent: null,
      bytesTransferred: null,
      itemsProcessed: null,
      message: cancelled ? 'The job was canceled.' : 'The job expired.',
    },
    errors: cancelled ? [] : [{ code: 'Expired', message: 'The job expired out of the system.' }],
    failureReason: cancelled ? null : 'Expired: the job expired out of the system.',
    details: { progressCode: cancelled ? 'Canceled' : 'Expired' },
  };
}

/**
 * A job just created, when GetStatus cannot be asked (it failed right after the create): built from the
 * CreateJob answer and the manifest sent. A new job is Pending/NotReceived (Developer Guide).
 */
export function snapshotFromCreate(
  out: CreateJobOutput,
  jobType: AwsJobType,
  manifest: ManifestFields,
  now: number,
): JobSnapshot {
  const jobId = out.JobId ?? '';
  const type = jobTypeFromAws(out.JobType) ?? jobTypeFromAws(jobType) ?? 'IMPORT';
  const returnAddress = returnAddressFrom(manifest);
  return {
    ...baseSnapshot(jobId, type),
    state: 'CREATING',
    providerState: 'Pending/NotReceived',
    createdAt: new Date(now).toISOString(),
    progress: { percent: null, bytesTransferred: null, itemsProcessed: null, message: null },
    artifacts: artifactsFrom(out.ArtifactList),
    shipping: returnAddress
      ? { deliverTo: null, deliveryPackage: null, returnPackage: null, returnAddress, returnCarrier: null }
      : null,
    location: 'NotReceived',
    details: { ...manifestDetails(manifest), progressCode: 'Pending', locationCode: 'NotReceived' },
  };
}
