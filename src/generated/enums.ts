export const AccountStatus = {
  /** The last call to the provider succeeded. */
  HEALTHY: 'HEALTHY',
  /** The last call failed; earlier ones succeeded. */
  DEGRADED: 'DEGRADED',
  /** Several consecutive calls failed. */
  DOWN: 'DOWN',
  /** No call has been made yet. */
  UNKNOWN: 'UNKNOWN'
} as const;

export type AccountStatus = typeof AccountStatus[keyof typeof AccountStatus];
/**
 * The circuit breaker of a provider account (config `polling.circuitBreaker`): after that many calls in a row
 * fail as unavailable, the gateway stops calling the provider for a while and reads answer from its job index.
 */
export const CircuitState = {
  /** Calls go through. */
  CLOSED: 'CLOSED',
  /** Calls are paused after consecutive failures; a probe call goes out when `halfOpenAfterMs` has passed. */
  OPEN: 'OPEN',
  /** One probe call is out; its outcome closes or reopens the circuit. */
  HALF_OPEN: 'HALF_OPEN'
} as const;

export type CircuitState = typeof CircuitState[keyof typeof CircuitState];
/**
 * The public error codes. Every GraphQL error crossdock returns carries one of these in `extensions.code`;
 * errors caused by a provider also carry `extensions.account`, `extensions.provider` and, where the provider
 * answered, `extensions.providerCode` (the provider's own code, e.g. `ResourceNotFound` or `InvalidJobIdException`).
 */
export const ErrorCode = {
  /** The request itself is invalid (bad id, bad argument, bad input field named in `extensions.field`). */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The job or object does not exist (or no longer exists) at the provider. */
  NOT_FOUND: 'NOT_FOUND',
  /** The provider does not allow this action in the job's current state (`extensions.state`). */
  NOT_ALLOWED_IN_STATE: 'NOT_ALLOWED_IN_STATE',
  /** The provider has no such operation (e.g. updating an IoT Hub job). */
  UNSUPPORTED: 'UNSUPPORTED',
  /** The idempotency key was used before with different input. */
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  /** The provider could not be reached, timed out or answered with a server error. */
  PROVIDER_UNAVAILABLE: 'PROVIDER_UNAVAILABLE',
  /** The provider refused the account's credentials. */
  PROVIDER_AUTH_FAILED: 'PROVIDER_AUTH_FAILED',
  /** The provider refused the request for another reason; see `extensions.providerCode`. */
  PROVIDER_ERROR: 'PROVIDER_ERROR',
  /**
   * The provider, or the gateway itself (too many requests from one principal, HTTP 429), throttled the request;
   * `extensions.retryAfterSeconds` says how long to wait when known.
   */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The client did not authenticate to the gateway. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The client may not do this. */
  FORBIDDEN: 'FORBIDDEN',
  /** A subscription cursor is older than the event log's retention: re-query, then subscribe again. */
  CURSOR_EXPIRED: 'CURSOR_EXPIRED',
  /** A subscriber fell too far behind live events; it must resume from its last cursor. */
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  /**
   * The operation is over one of the gateway's query limits (`limits` in the config), refused before execution:
   * `extensions.limit` names it (`nodes`, `depth`, `aliases`, `directives`, `tokens`), `extensions.max` is the
   * limit and `extensions.measured` what the operation asked for.
   */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /**
   * The request body or the response is larger than the gateway allows (`extensions.limit`, `extensions.max`
   * in bytes): ask for fewer nodes or fields.
   */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** The websocket connection has as many operations running as the gateway allows (`extensions.max`). */
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  /** An automatic persisted query's hash is unknown: send the query text with the hash (Apollo's APQ protocol). */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** The request used a persisted-query protocol the gateway does not support. */
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** An unexpected gateway failure (details are in the gateway's log, never in the response). */
  INTERNAL: 'INTERNAL'
} as const;

export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];
/** What happened to a job. */
export const JobEventKind = {
  /**
   * The gateway saw the job for the first time after it had started watching the account (jobs that existed
   * before the gateway's first look at an account produce no CREATED event).
   */
  CREATED: 'CREATED',
  /** The normalized state, the provider's own state word or the cancel request changed. */
  STATE_CHANGED: 'STATE_CHANGED',
  /** A drive's state, progress or details changed (and the job's state did not). */
  DRIVE_CHANGED: 'DRIVE_CHANGED',
  /** Progress or another detail changed (percent, bytes, errors, artifacts, shipping, timestamps). */
  PROGRESS: 'PROGRESS',
  /** The job disappeared from its provider (deleted, or aged out of the provider's listing). */
  REMOVED: 'REMOVED'
} as const;

export type JobEventKind = typeof JobEventKind[keyof typeof JobEventKind];
/**
 * Normalized lifecycle state of a job, the same words for every provider. The provider's own word is always
 * kept in `Job.providerState`. Not every provider passes through every state (AWS never reports SHIPPING,
 * IoT Hub jobs go CREATING → TRANSFERRING → terminal).
 */
export const JobState = {
  /** Created; the devices have not been shipped yet (IoT Hub: enqueued). */
  CREATING: 'CREATING',
  /** The customer shipped the devices and told the provider the tracking number. */
  SHIPPING: 'SHIPPING',
  /** The provider received the devices. */
  RECEIVED: 'RECEIVED',
  /** Data is being copied. */
  TRANSFERRING: 'TRANSFERRING',
  /** Copy finished; devices are being packed for return. */
  PACKAGING: 'PACKAGING',
  /** Finished without errors. */
  COMPLETED: 'COMPLETED',
  /** Finished, with errors on some drives or items (Azure `Closed`, AWS `SuccessWithErrors`). */
  COMPLETED_WITH_ERRORS: 'COMPLETED_WITH_ERRORS',
  /** Aborted by the provider (device error, expired job, IoT Hub `failed`). */
  FAILED: 'FAILED',
  /** Cancelled. */
  CANCELLED: 'CANCELLED'
} as const;

export type JobState = typeof JobState[keyof typeof JobState];
export const JobType = {
  /** Data goes from the customer's devices into the cloud. */
  IMPORT: 'IMPORT',
  /** Data goes from the cloud onto devices returned to the customer. */
  EXPORT: 'EXPORT'
} as const;

export type JobType = typeof JobType[keyof typeof JobType];
/** Normalized state of one drive (Azure drive states; other providers report no per-drive state). */
export const DriveState = {
  SPECIFIED: 'SPECIFIED',
  RECEIVED: 'RECEIVED',
  NEVER_RECEIVED: 'NEVER_RECEIVED',
  TRANSFERRING: 'TRANSFERRING',
  COMPLETED: 'COMPLETED',
  /** Transfer finished with errors, warnings or informational messages; see the drive's logs. */
  COMPLETED_MORE_INFO: 'COMPLETED_MORE_INFO',
  SHIPPED_BACK: 'SHIPPED_BACK'
} as const;

export type DriveState = typeof DriveState[keyof typeof DriveState];
export const ArtifactKind = {
  LOG: 'LOG',
  ERROR_LOG: 'ERROR_LOG',
  VERBOSE_LOG: 'VERBOSE_LOG',
  MANIFEST: 'MANIFEST',
  SIGNATURE: 'SIGNATURE',
  SHIPPING_LABEL: 'SHIPPING_LABEL',
  /** An input blob container or blob (IoT Hub import). */
  BLOB_INPUT: 'BLOB_INPUT',
  /** An output blob container or blob (IoT Hub export/import results). */
  BLOB_OUTPUT: 'BLOB_OUTPUT',
  /** Azure export: blobs that did not fit on the drives. */
  INCOMPLETE_BLOB_LIST: 'INCOMPLETE_BLOB_LIST',
  OTHER: 'OTHER'
} as const;

export type ArtifactKind = typeof ArtifactKind[keyof typeof ArtifactKind];
/** Something a client may ask the provider to do with a job. */
export const JobAction = {
  /** Change the job's details (return address, manifest, ...). */
  UPDATE: 'UPDATE',
  /** Report the inbound shipment (carrier and tracking number). */
  SHIP: 'SHIP',
  CANCEL: 'CANCEL',
  DELETE: 'DELETE'
} as const;

export type JobAction = typeof JobAction[keyof typeof JobAction];
/** How `providerStats` groups jobs. */
export const StatsGroupBy = {
  /** One group per provider, over every account of it the caller may see. */
  PROVIDER: 'PROVIDER',
  /** One group per account. */
  ACCOUNT: 'ACCOUNT'
} as const;

export type StatsGroupBy = typeof StatsGroupBy[keyof typeof StatsGroupBy];
export const AzureImportExportLogLevel = {
  /** Only errors and warnings are logged. */
  ERROR: 'ERROR',
  /** Every chunk copy is logged. */
  VERBOSE: 'VERBOSE'
} as const;

export type AzureImportExportLogLevel = typeof AzureImportExportLogLevel[keyof typeof AzureImportExportLogLevel];
export const AzureImportExportKekType = {
  MICROSOFT_MANAGED: 'MICROSOFT_MANAGED',
  CUSTOMER_MANAGED: 'CUSTOMER_MANAGED'
} as const;

export type AzureImportExportKekType = typeof AzureImportExportKekType[keyof typeof AzureImportExportKekType];
/** How IoT Hub reaches the blob containers of an import/export job. */
export const IotHubStorageAuthenticationType = {
  /** The container URIs carry SAS tokens (the default). */
  KEY_BASED: 'KEY_BASED',
  /** IoT Hub uses its managed identity (system-assigned, or `userAssignedIdentity`); the URIs need no SAS. */
  IDENTITY_BASED: 'IDENTITY_BASED'
} as const;

export type IotHubStorageAuthenticationType = typeof IotHubStorageAuthenticationType[keyof typeof IotHubStorageAuthenticationType];