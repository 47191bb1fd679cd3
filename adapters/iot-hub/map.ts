/**
 * IoT Hub JobProperties → the normalized JobSnapshot (providers/REFERENCE.md D4). Pure functions: no I/O,
 * no clock. Blob container URIs arrive with their SAS tokens; only the bare container URL is kept.
 */
import {
  type ArtifactSnapshot,
  emptyProgress,
  inRange,
  type JobErrorInfo,
  type JobSnapshot,
  type JobState,
  type JobType,
  PERCENT,
  redactUrlsInText,
  withoutCredentials,
} from '../../src/sdk/index.js';
import type { JobProperties } from './wire.js';

/** Documented default blob names (providers/iot-hub/NOTES.md §3), shown when the job does not name one. */
const DEFAULT_DEVICES_BLOB = 'devices.txt';
const DEFAULT_CONFIGURATIONS_BLOB = 'configurations.txt';

/** Only import and export are import/export jobs; the Swagger enum also lists scheduled-job types. */
export function jobTypeFromIot(type: string | null | undefined): JobType | null {
  switch (type?.toLowerCase()) {
    case 'import':
      return 'IMPORT';
    case 'export':
      return 'EXPORT';
    default:
      return null;
  }
}

/**
 * REFERENCE.md D4. enqueued/queued/scheduled → CREATING is approximate (there is nothing to ship);
 * `unknown` and words outside the enum → null, so the core keeps the last known state. Case-insensitive:
 * the .NET SDK prints `Running`, the wire uses `running`.
 */
export function jobStateFromIot(status: string | null | undefined): JobState | null {
  switch (status?.toLowerCase()) {
    case 'enqueued':
    case 'queued':
    case 'scheduled':
      return 'CREATING';
    case 'running':
      return 'TRANSFERRING';
    case 'completed':
      return 'COMPLETED';
    case 'failed':
      return 'FAILED';
    case 'cancelled':
    case 'canceled':
      return 'CANCELLED';
    default:
      return null;
  }
}

/**
 * ISO 8601 or null. The service fills unset .NET DateTimes with their extremes (endTimeUtc of a running job
 * has been seen as 12/30/9999, Azure/remote-monitoring-services-java#39; 0001-01-01 is the other default):
 * both mean "not yet", not a date.
 */
export function iotTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return null;
  const year = new Date(time).getUTCFullYear();
  if (year < 1971 || year >= 9999) return null;
  return new Date(time).toISOString();
}

/** The Swagger says boolean, seed 002 shows a quoted value: accept both, anything else is unknown. */
function iotBoolean(value: boolean | string | null | undefined): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (/^true$/i.test(value.trim())) return true;
    if (/^false$/i.test(value.trim())) return false;
  }
  return null;
}

function blobArtifacts(job: JobProperties, type: JobType): ArtifactSnapshot[] {
  const configurations =
    iotBoolean(job.includeConfigurations) === true
      ? `, configurations in "${job.configurationsBlobName || DEFAULT_CONFIGURATIONS_BLOB}"`
      : '';
  const artifacts: ArtifactSnapshot[] = [];
  if (job.inputBlobContainerUri) {
    artifacts.push({
      kind: 'BLOB_INPUT',
      description: `Input blob container: devices read from "${job.inputBlobName || DEFAULT_DEVICES_BLOB}"${configurations}`,
      url: withoutCredentials(job.inputBlobContainerUri),
    });
  }
  if (job.outputBlobContainerUri) {
    const description =
      type === 'EXPORT'
        ? `Output blob container: devices written to "${job.outputBlobName || DEFAULT_DEVICES_BLOB}"${configurations}`
        : 'Output blob container: the import writes its error log here';
    artifacts.push({ kind: 'BLOB_OUTPUT', description, url: withoutCredentials(job.outputBlobContainerUri) });
  }
  return artifacts;
}

function jobDetails(job: JobProperties, type: JobType): JobSnapshot['details'] {
  const details: JobSnapshot['details'] = {};
  const put = (key: string, value: string | number | boolean | null | undefined) => {
    if (value !== null && value !== undefined && value !== '') details[key] = value;
  };
  put('startTimeUtc', iotTime(job.startTimeUtc));
  put('endTimeUtc', iotTime(job.endTimeUtc));
  put('storageAuthenticationType', job.storageAuthenticationType);
  if (type === 'EXPORT') put('excludeKeysInExport', iotBoolean(job.excludeKeysInExport));
  put('includeConfigurations', iotBoolean(job.includeConfigurations));
  put('configurationsBlobName', job.configurationsBlobName);
  put('inputBlobName', job.inputBlobName);
  put('outputBlobName', job.outputBlobName);
  // An ARM resource id of a managed identity: not a credential.
  put('userAssignedIdentity', job.identity?.userAssignedIdentity);
  return details;
}

/** The normalized job; null when it is not an import/export job (the gateway does not track those). */
export function snapshotFromIotJob(job: JobProperties): JobSnapshot | null {
  const type = jobTypeFromIot(job.type);
  if (!type) return null;
  const state = jobStateFromIot(job.status);
  const startedAt = iotTime(job.startTimeUtc);
  const endedAt = iotTime(job.endTimeUtc);
  // A failure reason may quote a container URI with its SAS.
  const failureReason = job.failureReason?.trim() ? redactUrlsInText(job.failureReason.trim()) : null;
  const errors: JobErrorInfo[] = failureReason ? [{ code: null, message: failureReason }] : [];
  return {
    nativeId: job.jobId,
    name: job.jobId,
    type,
    state,
    providerState: job.status || 'unknown',
    cancelRequested: false,
    createdAt: startedAt,
    updatedAt: endedAt ?? startedAt,
    progress: {
      ...emptyProgress(),
      // The service does not always fill progress (a .NET SDK comment says it "doesn't actually seem to set
      // this"); a completed job is done whatever it says.
      percent: state === 'COMPLETED' ? 100 : inRange(job.progress, PERCENT),
    },
    drives: [],
    artifacts: blobArtifacts(job, type),
    shipping: null,
    location: null,
    errors,
    failureReason,
    details: jobDetails(job, type),
  };
}
