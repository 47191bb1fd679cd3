/**
 * Azure Import/Export (ARM JobResponse) → the normalized JobSnapshot. Pure functions, tested with the
 * provider's own examples (fixtures/). What never leaves this file: BitLocker keys, the return carrier's
 * account number, Key Vault key URLs, and the SAS query strings of log and manifest blob URIs.
 */
import {
  type Address,
  type ArtifactSnapshot,
  BYTES,
  COUNT,
  type DriveSnapshot,
  type DriveState,
  inRange,
  type JobErrorInfo,
  type JobSnapshot,
  type JobState,
  type JobType,
  type PackageInfo,
  PERCENT,
  type ShippingSnapshot,
  withoutCredentials,
} from '../../src/sdk/index.js';
import type { ArmAddress, ArmDriveStatus, ArmJobResponse, ArmPackage, ArmShippingInformation } from './wire.js';

/** REFERENCE.md D1. Keys are lower-case: the service's casing is not guaranteed. */
const JOB_STATES: Record<string, JobState> = {
  creating: 'CREATING',
  shipping: 'SHIPPING',
  received: 'RECEIVED',
  transferring: 'TRANSFERRING',
  packaging: 'PACKAGING',
  completed: 'COMPLETED',
  // "Drives shipped back but there were errors during processing"; may also be a total failure (see drives).
  closed: 'COMPLETED_WITH_ERRORS',
  // The docs spell it Canceled; the wire spelling is unverified, so both are accepted.
  canceled: 'CANCELLED',
  cancelled: 'CANCELLED',
};

/** REFERENCE.md D2: the spec's DriveState enum, one normalized word each. */
const DRIVE_STATES: Record<string, DriveState> = {
  specified: 'SPECIFIED',
  received: 'RECEIVED',
  neverreceived: 'NEVER_RECEIVED',
  transferring: 'TRANSFERRING',
  completed: 'COMPLETED',
  completedmoreinfo: 'COMPLETED_MORE_INFO',
  shippedback: 'SHIPPED_BACK',
};

/** The spec's default when the service leaves `state` out. */
const DEFAULT_JOB_STATE = 'Creating';

export function jobStateFromAzure(word: string | null | undefined): JobState | null {
  return JOB_STATES[(word || DEFAULT_JOB_STATE).toLowerCase()] ?? null;
}

export function driveStateFromAzure(word: string | null | undefined): DriveState | null {
  return word ? (DRIVE_STATES[word.toLowerCase()] ?? null) : null;
}

/** `jobType` has no enum in the spec; an export job is also recognisable by its `export` property. */
export function jobTypeFromAzure(job: ArmJobResponse): JobType {
  const word = job.properties?.jobType?.toLowerCase();
  if (word === 'export') return 'EXPORT';
  if (word === 'import') return 'IMPORT';
  return job.properties?.export ? 'EXPORT' : 'IMPORT';
}

/** `/subscriptions/{sub}/resourceGroups/{rg}/providers/...` → rg. */
export function resourceGroupFromId(id: string | undefined): string | null {
  const match = id ? /\/resourceGroups\/([^/]+)\//i.exec(id) : null;
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

const text = (value: string | undefined | null): string | null => (value ? value : null);

function addressFromAzure(address: ArmAddress | ArmShippingInformation | undefined): Address | null {
  if (!address) return null;
  return {
    recipientName: text(address.recipientName),
    company: null,
    streetLines: [address.streetAddress1, address.streetAddress2].filter((line): line is string => Boolean(line)),
    city: text(address.city),
    stateOrProvince: text(address.stateOrProvince),
    postalCode: text(address.postalCode),
    countryOrRegion: text(address.countryOrRegion),
    phone: text(address.phone),
    email: 'email' in address ? text(address.email) : null,
  };
}

function packageFromAzure(pkg: ArmPackage | undefined): PackageInfo | null {
  if (!pkg) return null;
  return {
    carrier: text(pkg.carrierName),
    trackingNumber: text(pkg.trackingNumber),
    driveCount: inRange(pkg.driveCount, COUNT),
    shipDate: text(pkg.shipDate),
  };
}

function shippingFromAzure(job: ArmJobResponse): ShippingSnapshot | null {
  const p = job.properties ?? {};
  if (!p.shippingInformation && !p.deliveryPackage && !p.returnPackage && !p.returnAddress && !p.returnShipping) {
    return null;
  }
  return {
    deliverTo: addressFromAzure(p.shippingInformation),
    deliveryPackage: packageFromAzure(p.deliveryPackage),
    returnPackage: packageFromAzure(p.returnPackage),
    returnAddress: addressFromAzure(p.returnAddress),
    // Only the carrier's name: carrierAccountNumber is the customer's billing account.
    returnCarrier: text(p.returnShipping?.carrierName),
  };
}

function driveFromAzure(drive: ArmDriveStatus): DriveSnapshot {
  return {
    driveId: drive.driveId ?? '',
    state: driveStateFromAzure(drive.state),
    providerState: text(drive.state),
    percentComplete: inRange(drive.percentComplete, PERCENT),
    bytesSucceeded: inRange(drive.bytesSucceeded, BYTES),
    copyStatus: text(drive.copyStatus),
    manifestFile: text(drive.manifestFile),
    manifestHash: text(drive.manifestHash),
    manifestUri: withoutCredentials(drive.manifestUri),
    verboseLogUri: withoutCredentials(drive.verboseLogUri),
    errorLogUri: withoutCredentials(drive.errorLogUri),
    errorCount: null,
  };
}

function artifactsFromAzure(job: ArmJobResponse): ArtifactSnapshot[] {
  const p = job.properties ?? {};
  const artifacts: ArtifactSnapshot[] = [];
  const add = (kind: ArtifactSnapshot['kind'], description: string, url: string | undefined) => {
    const clean = withoutCredentials(url);
    if (clean) artifacts.push({ kind, description, url: clean });
  };
  for (const drive of p.driveList ?? []) {
    const id = drive.driveId ?? '?';
    add('VERBOSE_LOG', `Verbose copy log of drive ${id}`, drive.verboseLogUri);
    add('ERROR_LOG', `Error log of drive ${id}`, drive.errorLogUri);
    add('MANIFEST', `Manifest backup of drive ${id}`, drive.manifestUri);
  }
  add('INCOMPLETE_BLOB_LIST', 'Blobs not exported because the drives ran out of space', p.incompleteBlobListUri);
  add('LOG', 'Blob virtual directory of the copy logs and manifest backups', p.diagnosticsPath);
  return artifacts;
}

/** Drive outcomes that explain a Closed job (REFERENCE.md D1: "look at the drives"). */
function driveProblems(drives: readonly ArmDriveStatus[]): JobErrorInfo[] {
  const problems: JobErrorInfo[] = [];
  for (const drive of drives) {
    const state = driveStateFromAzure(drive.state);
    if (state === 'NEVER_RECEIVED') {
      problems.push({ code: 'NeverReceived', message: `Drive ${drive.driveId ?? '?'} was never received.` });
    } else if (state === 'COMPLETED_MORE_INFO') {
      problems.push({
        code: 'CompletedMoreInfo',
        message: `Drive ${drive.driveId ?? '?'} finished with errors, warnings or notices; see its error log.`,
      });
    }
  }
  return problems;
}

function detailsFromAzure(job: ArmJobResponse): JobSnapshot['details'] {
  const p = job.properties ?? {};
  const details: JobSnapshot['details'] = {};
  const put = (key: string, value: string | number | boolean | null | undefined) => {
    if (value !== undefined && value !== null && value !== '') details[key] = value;
  };
  put('resourceGroup', resourceGroupFromId(job.id));
  put('storageAccountId', p.storageAccountId);
  put('logLevel', p.logLevel);
  put('backupDriveManifest', p.backupDriveManifest);
  put('provisioningState', p.provisioningState);
  // The key type only: kekUrl and the vault id say where the customer's key lives.
  put('encryptionKeyType', p.encryptionKey?.kekType);
  put('identityType', job.identity?.type);
  put('exportBlobListBlobPath', p.export?.blobListBlobPath);
  if (p.export?.blobList) {
    put('exportBlobPaths', p.export.blobList.blobPath?.length ?? 0);
    put('exportBlobPathPrefixes', p.export.blobList.blobPathPrefix?.length ?? 0);
  }
  return details;
}

/** Sum of the drives' bytesSucceeded; null when no drive reports a plausible one. */
function bytesTransferred(drives: readonly ArmDriveStatus[]): number | null {
  const reported = drives.map((d) => inRange(d.bytesSucceeded, BYTES)).filter((b): b is number => b !== null);
  return reported.length
    ? inRange(
        reported.reduce((sum, b) => sum + b, 0),
        BYTES,
      )
    : null;
}

/**
 * One ARM job as a snapshot. `nativeId` is what the client will GET the job by again: the job name when
 * the account is scoped to a resource group, `resourceGroup/name` when it spans the subscription.
 */
export function jobSnapshotFromAzure(job: ArmJobResponse, nativeId: string = job.name ?? ''): JobSnapshot {
  const p = job.properties ?? {};
  const drives = p.driveList ?? [];
  const providerState = p.state || DEFAULT_JOB_STATE;
  const state = jobStateFromAzure(providerState);
  const errors = driveProblems(drives);
  return {
    nativeId,
    name: job.name ?? nativeId,
    type: jobTypeFromAzure(job),
    state,
    providerState,
    cancelRequested: p.cancelRequested === true && state !== 'CANCELLED',
    createdAt: text(job.systemData?.createdAt),
    updatedAt: text(job.systemData?.lastModifiedAt),
    progress: {
      percent: inRange(p.percentComplete, PERCENT),
      bytesTransferred: bytesTransferred(drives),
      itemsProcessed: null,
      message: null,
    },
    drives: drives.map(driveFromAzure),
    artifacts: artifactsFromAzure(job),
    shipping: shippingFromAzure(job),
    location: text(job.location),
    errors,
    failureReason:
      state === 'COMPLETED_WITH_ERRORS' && errors.length
        ? `Closed with drive problems: ${errors.map((e) => e.message).join(' ')}`
        : null,
    details: detailsFromAzure(job),
  };
}
