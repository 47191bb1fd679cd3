import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { JobNode } from '../graphql/jobs.js';
import type { AccountRuntime } from '../observation/accounts.js';
import type { JobEventRecord } from '../events/types.js';
import type { GroupStats, StuckEntry } from '../stats/provider-stats.js';
import type { GatewayContext } from '../graphql/context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO 8601 date-time in UTC, e.g. `2026-11-24T02:26:22.000Z`. */
  DateTime: { input: string; output: string; }
};

export type AccountStatus =
  /** The last call to the provider succeeded. */
  | 'HEALTHY'
  /** The last call failed; earlier ones succeeded. */
  | 'DEGRADED'
  /** Several consecutive calls failed. */
  | 'DOWN'
  /** No call has been made yet. */
  | 'UNKNOWN';

/**
 * The circuit breaker of a provider account (config `polling.circuitBreaker`): after that many calls in a row
 * fail as unavailable, the gateway stops calling the provider for a while and reads answer from its job index.
 */
export type CircuitState =
  /** Calls go through. */
  | 'CLOSED'
  /** Calls are paused after consecutive failures; a probe call goes out when `halfOpenAfterMs` has passed. */
  | 'OPEN'
  /** One probe call is out; its outcome closes or reopens the circuit. */
  | 'HALF_OPEN';

/**
 * How the gateway's calls to one account go, and how fresh its jobs in the gateway's index are. Reads never wait on
 * an unhealthy account: they answer from the index and add one error for it (see `Query.jobs`).
 */
export type AccountHealth = {
  __typename?: 'AccountHealth';
  /** From the last provider call (any: poll rounds, read-throughs, mutations); DOWN also while the circuit is open. */
  status: AccountStatus;
  lastSuccessAt: Maybe<Scalars['DateTime']['output']>;
  lastErrorAt: Maybe<Scalars['DateTime']['output']>;
  /** Public error code of the last failure. */
  lastErrorCode: Maybe<ErrorCode>;
  lastErrorMessage: Maybe<Scalars['String']['output']>;
  /** Provider calls that failed in a row. */
  consecutiveFailures: Scalars['Int']['output'];
  /** Start of the last poll round that completed: the gateway knows the account's jobs as of then. */
  lastPollAt: Maybe<Scalars['DateTime']['output']>;
  /** When the last complete poll round ended (null: the account was never observed completely). */
  lastCompleteRoundAt: Maybe<Scalars['DateTime']['output']>;
  /** Poll rounds that failed since the last complete one. */
  failedRounds: Scalars['Int']['output'];
  /**
   * True when the account's jobs in the index may be out of date: its last round failed, its circuit is not
   * closed, or it has never been observed completely. Reads of its jobs then carry a `stale: true` error.
   */
  stale: Scalars['Boolean']['output'];
  circuit: CircuitState;
};

export type ActionCapability = {
  __typename?: 'ActionCapability';
  action: JobAction;
  /** Normalized states in which the provider accepts the action. */
  states: Array<JobState>;
};

export type AccountCapabilities = {
  __typename?: 'AccountCapabilities';
  /** Whether jobs can be created through the gateway at this account. */
  create: Scalars['Boolean']['output'];
  /** Whether `createJob` accepts `dryRun: true` (validation at the provider without creating). */
  dryRun: Scalars['Boolean']['output'];
  actions: Array<ActionCapability>;
};

/** A configured provider account. */
export type ProviderAccount = {
  __typename?: 'ProviderAccount';
  name: Scalars['String']['output'];
  provider: Scalars['String']['output'];
  /** Display name of the provider. */
  providerName: Scalars['String']['output'];
  health: AccountHealth;
  capabilities: AccountCapabilities;
};

export type Query = {
  __typename?: 'Query';
  /** Every configured provider account the caller may see (its credentials' `accounts`), with its health. */
  accounts: Array<ProviderAccount>;
  /**
   * The cursor of the newest logged event. Query it together with `jobs`, then subscribe with `after` set to it:
   * no change that happens in between is lost.
   */
  latestJobEventCursor: Scalars['String']['output'];
  /** Any object by global id. Unknown ids give a NOT_FOUND error; malformed ones BAD_USER_INPUT. `maxAge`: see `jobs`. */
  node: Maybe<Node>;
  /** Several objects by global id; each unknown id gives null plus a NOT_FOUND error at its index. */
  nodes: Array<Maybe<Node>>;
  /** One job by global id. */
  job: Maybe<Job>;
  /** One job by the provider's own id at a configured account. */
  jobByNativeId: Maybe<Job>;
  /**
   * Jobs across every configured account the caller may see, from the job index: filtering, order and `totalCount`
   * are exact for what the index holds. A job of an account the caller may not see is NOT_FOUND everywhere,
   * exactly like one that does not exist. An account that is failing, throttled or not yet observed adds one error for itself (with
   * `stale: true`) while the other accounts' jobs come through.
   *
   * Reads answer from the gateway's job index, which poll rounds, mutations and read-throughs keep up to date: they
   * cost no provider call, however many clients ask. `Job.observedAt` says when the provider last reported a job and
   * `ProviderAccount.health.lastCompleteRoundAt` when an account was last observed completely.
   *
   * `maxAge` (seconds) asks for fresher data: jobs (or accounts) observed longer ago than that are read live from
   * the provider first, within the provider timeout (`providerTimeoutMs`). Concurrent readers share one provider call
   * per account (and per job), so live reads do not multiply with readers. `maxAge: 0` means "as of now".
   *
   * A job id the index has never seen is read from its provider once and then indexed; an id the provider does not
   * know is answered NOT_FOUND without asking again for `reads.notFoundTtlMs`.
   *
   * A failing account never stalls a read: its jobs come from the index at once, with one error for the account
   * (`PROVIDER_UNAVAILABLE`, `RATE_LIMITED`, `PROVIDER_AUTH_FAILED`, ...) whose extensions carry `account`,
   * `provider`, `stale: true`, `lastCompleteRoundAt` (null when never observed) and `circuit`.
   */
  jobs: JobConnection;
  /**
   * Providers (or accounts) compared, from the gateway's job index and the state transitions it observed: jobs by
   * state, time in each state, end-to-end durations, outcomes, what was moved, and the jobs stuck longer than
   * usual. `since` (default: 30 days before `until`) and `until` (default: now, exclusive) bound the window the
   * durations and outcomes are taken from. Only the accounts the caller may see count. No provider is called.
   */
  providerStats: ProviderStats;
};


export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
  maxAge?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryNodesArgs = {
  ids: Array<Scalars['ID']['input']>;
  maxAge?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryJobArgs = {
  id: Scalars['ID']['input'];
  maxAge?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryJobByNativeIdArgs = {
  account: Scalars['String']['input'];
  nativeId: Scalars['String']['input'];
  maxAge?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryJobsArgs = {
  filter?: InputMaybe<JobFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  maxAge?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryProviderStatsArgs = {
  since?: InputMaybe<Scalars['DateTime']['input']>;
  until?: InputMaybe<Scalars['DateTime']['input']>;
  groupBy?: InputMaybe<StatsGroupBy>;
};

/** An object with a globally unique, opaque and stable id (Relay Global Object Identification). */
export type Node = {
  /** Opaque global id; pass it to `node` or `job` to fetch the object again. */
  id: Scalars['ID']['output'];
};

/**
 * The public error codes. Every GraphQL error crossdock returns carries one of these in `extensions.code`;
 * errors caused by a provider also carry `extensions.account`, `extensions.provider` and, where the provider
 * answered, `extensions.providerCode` (the provider's own code, e.g. `ResourceNotFound` or `InvalidJobIdException`).
 */
export type ErrorCode =
  /** The request itself is invalid (bad id, bad argument, bad input field named in `extensions.field`). */
  | 'BAD_USER_INPUT'
  /** The job or object does not exist (or no longer exists) at the provider. */
  | 'NOT_FOUND'
  /** The provider does not allow this action in the job's current state (`extensions.state`). */
  | 'NOT_ALLOWED_IN_STATE'
  /** The provider has no such operation (e.g. updating an IoT Hub job). */
  | 'UNSUPPORTED'
  /** The idempotency key was used before with different input. */
  | 'IDEMPOTENCY_CONFLICT'
  /** The provider could not be reached, timed out or answered with a server error. */
  | 'PROVIDER_UNAVAILABLE'
  /** The provider refused the account's credentials. */
  | 'PROVIDER_AUTH_FAILED'
  /** The provider refused the request for another reason; see `extensions.providerCode`. */
  | 'PROVIDER_ERROR'
  /**
   * The provider, or the gateway itself (too many requests from one principal, HTTP 429), throttled the request;
   * `extensions.retryAfterSeconds` says how long to wait when known.
   */
  | 'RATE_LIMITED'
  /** The client did not authenticate to the gateway. */
  | 'UNAUTHENTICATED'
  /** The client may not do this. */
  | 'FORBIDDEN'
  /** A subscription cursor is older than the event log's retention: re-query, then subscribe again. */
  | 'CURSOR_EXPIRED'
  /** A subscriber fell too far behind live events; it must resume from its last cursor. */
  | 'SLOW_CONSUMER'
  /**
   * The operation is over one of the gateway's query limits (`limits` in the config), refused before execution:
   * `extensions.limit` names it (`nodes`, `depth`, `aliases`, `directives`, `tokens`), `extensions.max` is the
   * limit and `extensions.measured` what the operation asked for.
   */
  | 'QUERY_TOO_COMPLEX'
  /**
   * The request body or the response is larger than the gateway allows (`extensions.limit`, `extensions.max`
   * in bytes): ask for fewer nodes or fields.
   */
  | 'PAYLOAD_TOO_LARGE'
  /** The websocket connection has as many operations running as the gateway allows (`extensions.max`). */
  | 'TOO_MANY_SUBSCRIPTIONS'
  /** An automatic persisted query's hash is unknown: send the query text with the hash (Apollo's APQ protocol). */
  | 'PERSISTED_QUERY_NOT_FOUND'
  /** The request used a persisted-query protocol the gateway does not support. */
  | 'PERSISTED_QUERY_NOT_SUPPORTED'
  /** An unexpected gateway failure (details are in the gateway's log, never in the response). */
  | 'INTERNAL';

/** Relay connection page information. */
export type PageInfo = {
  __typename?: 'PageInfo';
  hasNextPage: Scalars['Boolean']['output'];
  hasPreviousPage: Scalars['Boolean']['output'];
  startCursor: Maybe<Scalars['String']['output']>;
  endCursor: Maybe<Scalars['String']['output']>;
};

/** What happened to a job. */
export type JobEventKind =
  /**
   * The gateway saw the job for the first time after it had started watching the account (jobs that existed
   * before the gateway's first look at an account produce no CREATED event).
   */
  | 'CREATED'
  /** The normalized state, the provider's own state word or the cancel request changed. */
  | 'STATE_CHANGED'
  /** A drive's state, progress or details changed (and the job's state did not). */
  | 'DRIVE_CHANGED'
  /** Progress or another detail changed (percent, bytes, errors, artifacts, shipping, timestamps). */
  | 'PROGRESS'
  /** The job disappeared from its provider (deleted, or aged out of the provider's listing). */
  | 'REMOVED';

/**
 * Which events a subscription receives. Every list is optional; an event must match each list that is given
 * (any of its values).
 */
export type JobEventFilter = {
  /** Adapter kinds, e.g. `azure-import-export`. */
  providers?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Configured account names. */
  accounts?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Global job ids (`Job.id`). */
  jobIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  kinds?: InputMaybe<Array<JobEventKind>>;
  /** The job's state after the event (for REMOVED: its last known state). */
  states?: InputMaybe<Array<JobState>>;
};

/** One change of one job, as the gateway observed it. */
export type JobEvent = {
  __typename?: 'JobEvent';
  /**
   * Opaque, increasing position in the gateway's event log. Pass it as `after` to resume exactly after this
   * event: a reconnecting subscriber misses nothing and receives nothing twice.
   */
  cursor: Scalars['String']['output'];
  kind: JobEventKind;
  /** When the gateway observed the change. */
  at: Scalars['DateTime']['output'];
  /** Normalized state before the change (null for CREATED). */
  previousState: Maybe<JobState>;
  /** Normalized state after the change (REMOVED: the last known state). */
  state: Maybe<JobState>;
  /** The provider's own state word before the change (null for CREATED). */
  previousProviderState: Maybe<Scalars['String']['output']>;
  /** The provider's own state word after the change. */
  providerState: Scalars['String']['output'];
  /**
   * True when the gateway was not watching when the change happened (it was down, or the provider could not be
   * reached): the change may have happened any time since the previous observation, and intermediate states
   * may have been skipped.
   */
  afterGap: Scalars['Boolean']['output'];
  /** Fields of `Job` that changed (empty for CREATED and REMOVED). */
  changes: Array<Scalars['String']['output']>;
  /** Global id of the job (also for REMOVED, when `job` is the last known snapshot). */
  jobId: Scalars['ID']['output'];
  /** The job as observed at the event (REMOVED: as last seen). */
  job: Job;
};

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * Job events as the gateway observes them (one poller per account, however many subscribers). Without
   * `after`: events from now on. With `after` (exclusive): the events logged after that cursor are replayed from
   * the durable log first, then live events follow, with no gap and no duplicate between the two.
   *
   * Errors (in `extensions.code`): BAD_USER_INPUT for a malformed cursor or job id; CURSOR_EXPIRED when the
   * cursor is older than the log's retention (query the jobs again, then subscribe without `after`);
   * SLOW_CONSUMER when the subscriber fell too far behind live events — the subscription then ends, and
   * `extensions.cursor` is where to resume with `after` (nothing before it was skipped).
   */
  jobEvents: JobEvent;
};


export type SubscriptionJobEventsArgs = {
  filter?: InputMaybe<JobEventFilter>;
  after?: InputMaybe<Scalars['String']['input']>;
};

/**
 * Normalized lifecycle state of a job, the same words for every provider. The provider's own word is always
 * kept in `Job.providerState`. Not every provider passes through every state (AWS never reports SHIPPING,
 * IoT Hub jobs go CREATING → TRANSFERRING → terminal).
 */
export type JobState =
  /** Created; the devices have not been shipped yet (IoT Hub: enqueued). */
  | 'CREATING'
  /** The customer shipped the devices and told the provider the tracking number. */
  | 'SHIPPING'
  /** The provider received the devices. */
  | 'RECEIVED'
  /** Data is being copied. */
  | 'TRANSFERRING'
  /** Copy finished; devices are being packed for return. */
  | 'PACKAGING'
  /** Finished without errors. */
  | 'COMPLETED'
  /** Finished, with errors on some drives or items (Azure `Closed`, AWS `SuccessWithErrors`). */
  | 'COMPLETED_WITH_ERRORS'
  /** Aborted by the provider (device error, expired job, IoT Hub `failed`). */
  | 'FAILED'
  /** Cancelled. */
  | 'CANCELLED';

export type JobType =
  /** Data goes from the customer's devices into the cloud. */
  | 'IMPORT'
  /** Data goes from the cloud onto devices returned to the customer. */
  | 'EXPORT';

/** Normalized state of one drive (Azure drive states; other providers report no per-drive state). */
export type DriveState =
  | 'SPECIFIED'
  | 'RECEIVED'
  | 'NEVER_RECEIVED'
  | 'TRANSFERRING'
  | 'COMPLETED'
  /** Transfer finished with errors, warnings or informational messages; see the drive's logs. */
  | 'COMPLETED_MORE_INFO'
  | 'SHIPPED_BACK';

export type ArtifactKind =
  | 'LOG'
  | 'ERROR_LOG'
  | 'VERBOSE_LOG'
  | 'MANIFEST'
  | 'SIGNATURE'
  | 'SHIPPING_LABEL'
  /** An input blob container or blob (IoT Hub import). */
  | 'BLOB_INPUT'
  /** An output blob container or blob (IoT Hub export/import results). */
  | 'BLOB_OUTPUT'
  /** Azure export: blobs that did not fit on the drives. */
  | 'INCOMPLETE_BLOB_LIST'
  | 'OTHER';

/** Something a client may ask the provider to do with a job. */
export type JobAction =
  /** Change the job's details (return address, manifest, ...). */
  | 'UPDATE'
  /** Report the inbound shipment (carrier and tracking number). */
  | 'SHIP'
  | 'CANCEL'
  | 'DELETE';

/** A bulk data-transfer job at one provider account, normalized. */
export type Job = Node & {
  __typename?: 'Job';
  /** Opaque global id, stable for the account and the provider's job id. */
  id: Scalars['ID']['output'];
  /** The adapter kind: `azure-import-export`, `aws-import-export` or `iot-hub`. */
  provider: Scalars['String']['output'];
  /** The configured account name the job belongs to. */
  account: Scalars['String']['output'];
  /** The provider's own id for the job (Azure: job name, AWS: JobId, IoT Hub: jobId). */
  nativeId: Scalars['String']['output'];
  /** Human-readable name (the native id where the provider has no separate name). */
  name: Scalars['String']['output'];
  type: JobType;
  /**
   * Normalized state. Null only when the provider reports a word with no normalized equivalent and the
   * gateway has never seen an earlier state of the job; `providerState` always has the raw word.
   */
  state: Maybe<JobState>;
  /** The provider's own state word(s), unchanged (AWS: `ProgressCode/LocationCode`). */
  providerState: Scalars['String']['output'];
  /** A cancel was requested and the provider has not finished it yet. */
  cancelRequested: Scalars['Boolean']['output'];
  /** When the gateway first observed the current state (null until the gateway has observed the job). */
  stateChangedAt: Maybe<Scalars['DateTime']['output']>;
  createdAt: Maybe<Scalars['DateTime']['output']>;
  updatedAt: Maybe<Scalars['DateTime']['output']>;
  /**
   * When the provider last reported this job to the gateway (a poll round, a mutation's answer or a live read).
   * Everything else on the job is as of then; ask with `maxAge` for fresher data.
   */
  observedAt: Scalars['DateTime']['output'];
  progress: Progress;
  /** Per-drive status (Azure Import/Export); empty where the provider reports none. */
  drives: Array<Drive>;
  /** Logs, manifests, labels and blob locations. URLs never carry credentials (SAS query strings are removed). */
  artifacts: Array<Artifact>;
  shipping: Maybe<Shipping>;
  /** Provider location or region of the job, where known. */
  location: Maybe<Scalars['String']['output']>;
  errors: Array<JobError>;
  failureReason: Maybe<Scalars['String']['output']>;
  /** Provider-specific extras that have no normalized field (never secrets). */
  details: Array<JobDetail>;
  /** What the provider allows a client to do with the job in its current state. */
  allowedActions: Array<JobAction>;
  /** State transitions the gateway observed, oldest first. */
  history: Array<JobStateTransition>;
};

export type Progress = {
  __typename?: 'Progress';
  /** Percent complete, 0–100, where the provider reports it. */
  percent: Maybe<Scalars['Float']['output']>;
  /** Bytes transferred so far, where known (Float: may exceed 2^31). */
  bytesTransferred: Maybe<Scalars['Float']['output']>;
  /** Items (devices, blobs) processed, where known. */
  itemsProcessed: Maybe<Scalars['Int']['output']>;
  /** The provider's progress message, where it has one. */
  message: Maybe<Scalars['String']['output']>;
};

export type Drive = {
  __typename?: 'Drive';
  driveId: Scalars['String']['output'];
  state: Maybe<DriveState>;
  providerState: Maybe<Scalars['String']['output']>;
  percentComplete: Maybe<Scalars['Float']['output']>;
  bytesSucceeded: Maybe<Scalars['Float']['output']>;
  copyStatus: Maybe<Scalars['String']['output']>;
  manifestFile: Maybe<Scalars['String']['output']>;
  manifestHash: Maybe<Scalars['String']['output']>;
  manifestUri: Maybe<Scalars['String']['output']>;
  verboseLogUri: Maybe<Scalars['String']['output']>;
  errorLogUri: Maybe<Scalars['String']['output']>;
  errorCount: Maybe<Scalars['Int']['output']>;
};

export type Artifact = {
  __typename?: 'Artifact';
  kind: ArtifactKind;
  description: Maybe<Scalars['String']['output']>;
  /** Location of the artifact, with any credential removed. */
  url: Maybe<Scalars['String']['output']>;
};

export type Address = {
  __typename?: 'Address';
  recipientName: Maybe<Scalars['String']['output']>;
  company: Maybe<Scalars['String']['output']>;
  streetLines: Array<Scalars['String']['output']>;
  city: Maybe<Scalars['String']['output']>;
  stateOrProvince: Maybe<Scalars['String']['output']>;
  postalCode: Maybe<Scalars['String']['output']>;
  countryOrRegion: Maybe<Scalars['String']['output']>;
  phone: Maybe<Scalars['String']['output']>;
  email: Maybe<Scalars['String']['output']>;
};

export type PackageInfo = {
  __typename?: 'PackageInfo';
  carrier: Maybe<Scalars['String']['output']>;
  trackingNumber: Maybe<Scalars['String']['output']>;
  driveCount: Maybe<Scalars['Int']['output']>;
  /** As the provider wrote it (not always ISO 8601). */
  shipDate: Maybe<Scalars['String']['output']>;
};

/** Shipping and return information. Carrier account numbers are never exposed. */
export type Shipping = {
  __typename?: 'Shipping';
  /** Where to ship the devices (the provider's datacenter). */
  deliverTo: Maybe<Address>;
  /** The inbound package the customer reported. */
  deliveryPackage: Maybe<PackageInfo>;
  /** The package the provider sent back. */
  returnPackage: Maybe<PackageInfo>;
  returnAddress: Maybe<Address>;
  returnCarrier: Maybe<Scalars['String']['output']>;
};

export type JobError = {
  __typename?: 'JobError';
  code: Maybe<Scalars['String']['output']>;
  message: Scalars['String']['output'];
};

export type JobDetail = {
  __typename?: 'JobDetail';
  key: Scalars['String']['output'];
  value: Maybe<Scalars['String']['output']>;
};

/** A state change of a job as the gateway observed it. */
export type JobStateTransition = {
  __typename?: 'JobStateTransition';
  from: Maybe<JobState>;
  to: Maybe<JobState>;
  providerState: Scalars['String']['output'];
  at: Scalars['DateTime']['output'];
  /** True when the gateway was not watching when the change happened (e.g. it was down): `at` is when it noticed. */
  afterGap: Scalars['Boolean']['output'];
};

export type JobFilter = {
  /** Adapter kinds, e.g. `azure-import-export`. */
  providers?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Configured account names. */
  accounts?: InputMaybe<Array<Scalars['String']['input']>>;
  states?: InputMaybe<Array<JobState>>;
  types?: InputMaybe<Array<JobType>>;
  /** Only jobs whose provider-reported update time (or creation time, if none) is at or after this instant. */
  updatedSince?: InputMaybe<Scalars['DateTime']['input']>;
};

export type JobEdge = {
  __typename?: 'JobEdge';
  cursor: Scalars['String']['output'];
  node: Job;
};

/**
 * Jobs in a stable order: newest `createdAt` first (jobs without one last), then by `id`. Cursors stay valid while
 * jobs are added.
 */
export type JobConnection = {
  __typename?: 'JobConnection';
  edges: Array<JobEdge>;
  pageInfo: PageInfo;
  /** Number of jobs matching the filter in the index (every selected account, also a stale one). */
  totalCount: Scalars['Int']['output'];
};

/**
 * Create a job at one account. Besides the common fields, set exactly one provider field — the one of the
 * account's provider (`azureImportExport`, `awsImportExport`, `iotHub`; each adapter adds its own with
 * `extend input`, see adapters/<kind>/schema.graphql). Setting none or several is a BAD_USER_INPUT error.
 */
export type CreateJobInput = {
  /** The configured account (`ProviderAccount.name`) to create the job at. */
  account: Scalars['String']['input'];
  /**
   * Makes retries safe: the same key with the same input returns the job the first request created, without
   * a second create at the provider (also across gateway restarts); the same key with different input is an
   * IDEMPOTENCY_CONFLICT error. Keys are kept for 7 days.
   */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  /** Validate at the provider without creating anything, where the provider supports it (`capabilities.dryRun`). */
  dryRun?: InputMaybe<Scalars['Boolean']['input']>;
  /** Create an AWS Import/Export job (accounts of provider `aws-import-export`). */
  awsImportExport?: InputMaybe<AwsImportExportCreateJobInput>;
  /** Create an Azure Import/Export job (accounts of provider `azure-import-export`). */
  azureImportExport?: InputMaybe<AzureImportExportCreateInput>;
  /** Azure IoT Hub: a device import or export job (accounts of kind `iot-hub`). */
  iotHub?: InputMaybe<IotHubCreateJobInput>;
};

/**
 * Change a job. Besides `id`, set exactly one provider field — the one of the job's provider. What may change
 * depends on the provider and the job's state (`Job.allowedActions`).
 */
export type UpdateJobInput = {
  /** Global id of the job. */
  id: Scalars['ID']['input'];
  /** Replace the manifest of an AWS Import/Export job. */
  awsImportExport?: InputMaybe<AwsImportExportUpdateJobInput>;
  /** Change an Azure Import/Export job. */
  azureImportExport?: InputMaybe<AzureImportExportUpdateInput>;
};

/**
 * A failure of a mutation, returned in the payload (the job is then null or unchanged). `code` is the same public
 * enum as `extensions.code` of GraphQL errors.
 */
export type MutationError = {
  __typename?: 'MutationError';
  code: ErrorCode;
  message: Scalars['String']['output'];
  /** The input path of the bad field, e.g. `input.azureImportExport.driveList[0].driveId` (BAD_USER_INPUT). */
  field: Maybe<Scalars['String']['output']>;
  account: Maybe<Scalars['String']['output']>;
  provider: Maybe<Scalars['String']['output']>;
  /** The provider's own error code, where the provider answered. */
  providerCode: Maybe<Scalars['String']['output']>;
  /** The job's current state (NOT_ALLOWED_IN_STATE). */
  state: Maybe<JobState>;
  /** Seconds to wait before retrying (RATE_LIMITED), where known. */
  retryAfterSeconds: Maybe<Scalars['Int']['output']>;
};

export type CreateJobPayload = {
  __typename?: 'CreateJobPayload';
  /** The created job (null after a dry run or on failure). */
  job: Maybe<Job>;
  /** True when this was a dry run: the provider validated the input and nothing was created. */
  dryRun: Scalars['Boolean']['output'];
  /** True when an earlier request with the same idempotency key created the job; nothing new was created. */
  replayed: Scalars['Boolean']['output'];
  /** Warnings the provider returned with the result. */
  warnings: Array<Scalars['String']['output']>;
  errors: Array<MutationError>;
};

export type UpdateJobPayload = {
  __typename?: 'UpdateJobPayload';
  /** The job after the change (null on failure). */
  job: Maybe<Job>;
  errors: Array<MutationError>;
};

export type CancelJobPayload = {
  __typename?: 'CancelJobPayload';
  /** The job after the cancel request (its state may stay unchanged with `cancelRequested` until the provider finishes). */
  job: Maybe<Job>;
  errors: Array<MutationError>;
};

export type DeleteJobPayload = {
  __typename?: 'DeleteJobPayload';
  /** The global id of the deleted job (null on failure). */
  deletedId: Maybe<Scalars['ID']['output']>;
  errors: Array<MutationError>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Create a job at one account. Input is validated before any provider call. */
  createJob: CreateJobPayload;
  /** Change a job: shipping information, return address, manifest, ... as its provider allows. */
  updateJob: UpdateJobPayload;
  /** Ask the provider to cancel a job; refused with NOT_ALLOWED_IN_STATE where the provider does not allow it. */
  cancelJob: CancelJobPayload;
  /**
   * Delete a job at its provider (Azure Import/Export: only in CREATING or COMPLETED); refused with
   * NOT_ALLOWED_IN_STATE otherwise, UNSUPPORTED where the provider has no delete. Subscribers see REMOVED.
   */
  deleteJob: DeleteJobPayload;
};


export type MutationCreateJobArgs = {
  input: CreateJobInput;
};


export type MutationUpdateJobArgs = {
  input: UpdateJobInput;
};


export type MutationCancelJobArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteJobArgs = {
  id: Scalars['ID']['input'];
};

/** How `providerStats` groups jobs. */
export type StatsGroupBy =
  /** One group per provider, over every account of it the caller may see. */
  | 'PROVIDER'
  /** One group per account. */
  | 'ACCOUNT';

/**
 * The median and 90th percentile of a set of durations, in seconds (interpolated linearly between the nearest
 * ranks, as spreadsheets' PERCENTILE.INC does); null without a single one.
 */
export type DurationStats = {
  __typename?: 'DurationStats';
  /** How many durations were measured. */
  count: Scalars['Int']['output'];
  medianSeconds: Maybe<Scalars['Float']['output']>;
  p90Seconds: Maybe<Scalars['Float']['output']>;
};

/** How long jobs stayed in one state: the stays that ended within the window. */
export type StateDuration = {
  __typename?: 'StateDuration';
  state: JobState;
  count: Scalars['Int']['output'];
  medianSeconds: Maybe<Scalars['Float']['output']>;
  p90Seconds: Maybe<Scalars['Float']['output']>;
};

export type StateCount = {
  __typename?: 'StateCount';
  /** Null for jobs whose provider word the gateway could never map to a state. */
  state: Maybe<JobState>;
  count: Scalars['Int']['output'];
};

/** How many of the jobs that ended within the window ended in one terminal state. */
export type OutcomeCount = {
  __typename?: 'OutcomeCount';
  /** COMPLETED, COMPLETED_WITH_ERRORS, FAILED or CANCELLED. */
  state: JobState;
  count: Scalars['Int']['output'];
  /** `count / finished`; null when no job ended. */
  rate: Maybe<Scalars['Float']['output']>;
};

/** A job in its current state for longer than that state's 90th percentile at its provider. */
export type StuckJob = {
  __typename?: 'StuckJob';
  /** The job as the index has it (null if it disappeared since). */
  job: Maybe<Job>;
  state: JobState;
  /** When the job entered the state; for a job the gateway found in it, when the gateway first saw it there. */
  since: Scalars['DateTime']['output'];
  /** Seconds in the state so far (at least that many, for a job found in it). */
  inStateSeconds: Scalars['Float']['output'];
  /** The provider's 90th percentile for the state, which the job has outlasted. */
  p90Seconds: Scalars['Float']['output'];
};

/** The figures of one provider (or one account) over the window. */
export type StatsGroup = {
  __typename?: 'StatsGroup';
  /** The provider kind (grouped by PROVIDER) or the account name (grouped by ACCOUNT). */
  key: Scalars['String']['output'];
  provider: Scalars['String']['output'];
  /** Display name of the provider. */
  providerName: Scalars['String']['output'];
  /** The accounts in the group. */
  accounts: Array<Scalars['String']['output']>;
  /** Jobs of the group in the index now, whatever the window. */
  jobs: Scalars['Int']['output'];
  /** The same jobs by their state now, in lifecycle order (states without jobs left out). */
  jobsByState: Array<StateCount>;
  /** Per non-terminal state, how long jobs stayed in it (stays the gateway watched from start to end). */
  timeInState: Array<StateDuration>;
  /** From creation (the provider's creation time) to a terminal state, for the jobs that ended within the window. */
  endToEnd: DurationStats;
  /** Jobs that ended within the window (the gateway observed them reach a terminal state). */
  finished: Scalars['Int']['output'];
  /** The jobs that ended within the window, by terminal state, each with its share. */
  outcomes: Array<OutcomeCount>;
  /** Bytes the jobs that ended within the window moved, as the provider reports them (null: none reports bytes). */
  bytesMoved: Maybe<Scalars['Float']['output']>;
  /** Devices (IoT Hub identities) the jobs that ended within the window moved, where the provider reports them. */
  devicesMoved: Maybe<Scalars['Float']['output']>;
  /** How many jobs are stuck now. */
  stuckCount: Scalars['Int']['output'];
  /** The jobs stuck now, the longest relative to their state's p90 first (`first`: at most 1000). */
  stuck: Array<StuckJob>;
};


/** The figures of one provider (or one account) over the window. */
export type StatsGroupStuckArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type ProviderStats = {
  __typename?: 'ProviderStats';
  since: Scalars['DateTime']['output'];
  until: Scalars['DateTime']['output'];
  groupBy: StatsGroupBy;
  /** One group per provider or account the caller may see, also those without jobs. */
  groups: Array<StatsGroup>;
};

/**
 * An AWS Import/Export job (API 2010-06-01) to create. The manifest is checked before any call to AWS; each
 * problem is a BAD_USER_INPUT error naming its field (`input.awsImportExport.manifest.returnAddress.city`) and
 * the error code AWS would have answered with. `dryRun: true` asks AWS to validate only (ValidateOnly).
 */
export type AwsImportExportCreateJobInput = {
  /** IMPORT: data from the device into Amazon S3. EXPORT: data from Amazon S3 onto the device. */
  jobType: JobType;
  /**
   * The manifest file, as YAML text (AWS Import/Export Developer Guide, "Creating a manifest file"):
   * `manifestVersion: 2.0`, `deviceId`, `returnAddress` with `name`, `street1`, `city`, `country`,
   * `phoneNumber` (optional `company`, `street2`, `street3`, `stateOrProvince`, `postalCode`); imports add
   * `bucket` (optional `logBucket`, `eraseDevice`, `acl`, `trueCryptPassword`), exports add `logBucket`,
   * `fileSystem` and `operations` (a list of `exportBucket`). `accessKeyId` may be left out: the gateway
   * fills in the account's own key id, which AWS requires. Secrets in it (`trueCryptPassword`) are sent to
   * AWS and never shown in jobs, errors or logs.
   */
  manifest: Scalars['String']['input'];
  /** ManifestAddendum, which AWS documents as for internal use only; passed through unchanged. */
  manifestAddendum?: InputMaybe<Scalars['String']['input']>;
};

/**
 * A new manifest for an AWS Import/Export job (UpdateJob). It replaces the whole manifest and is accepted
 * only before the data transfer starts (`Job.allowedActions` contains UPDATE).
 */
export type AwsImportExportUpdateJobInput = {
  /** The job's type; AWS requires it with every update and refuses a different one. */
  jobType: JobType;
  /** The complete new manifest, YAML text, checked like the one of `createJob`. */
  manifest: Scalars['String']['input'];
};

/**
 * Azure Import/Export: a new import job (your prepared drives go to an Azure datacenter) or export job (Azure
 * copies blobs onto drives you send). The fields follow ARM `Microsoft.ImportExport` (api-version 2021-01-01).
 * Fields marked "Required" are checked by the gateway before Azure is called; every problem is reported as a
 * BAD_USER_INPUT error whose `field` names the input path. Secrets (BitLocker keys, the carrier account number)
 * go to Azure and nowhere else.
 */
export type AzureImportExportCreateInput = {
  /** Required. The job name: 2-64 letters, digits and hyphens, starting with a letter; unique in the resource group. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** The resource group to create the job in. Required when the account spans the whole subscription. */
  resourceGroup?: InputMaybe<Scalars['String']['input']>;
  /** Required. The Azure location that processes the job, e.g. `West US` (see the provider's list of locations). */
  location?: InputMaybe<Scalars['String']['input']>;
  /** Required. IMPORT (drives to Azure) or EXPORT (Azure to drives). */
  type?: InputMaybe<JobType>;
  /**
   * Required. ARM id of the storage account, e.g.
   * `/subscriptions/…/resourceGroups/…/providers/Microsoft.Storage/storageAccounts/name`. Azure reaches the account
   * through Azure RBAC, so no account key or SAS is ever given to the gateway.
   */
  storageAccountId?: InputMaybe<Scalars['String']['input']>;
  /** Required. Where Azure sends the drives back. */
  returnAddress?: InputMaybe<AzureImportExportAddressInput>;
  /** The carrier and your account with it for the return shipment (may also be given later with `updateJob`). */
  returnShipping?: InputMaybe<AzureImportExportReturnShippingInput>;
  /** Blob virtual directory (container, optionally followed by a path) for copy logs and manifest backups. Default `waimportexport`. */
  diagnosticsPath?: InputMaybe<Scalars['String']['input']>;
  /** Default ERROR. */
  logLevel?: InputMaybe<AzureImportExportLogLevel>;
  /** Copy the drives' manifest files to block blobs. Default false. */
  backupDriveManifest?: InputMaybe<Scalars['Boolean']['input']>;
  /** IMPORT only, required there: the prepared drives, at most 10. */
  driveList?: InputMaybe<Array<AzureImportExportDriveInput>>;
  /** EXPORT only, required there: which blobs to export. */
  export?: InputMaybe<AzureImportExportExportInput>;
  /** How the drives' BitLocker keys are protected at Azure. Default MICROSOFT_MANAGED. */
  encryptionKey?: InputMaybe<AzureImportExportEncryptionKeyInput>;
};

/**
 * Change an Azure Import/Export job. A `deliveryPackage` reports the package you shipped and moves the job to
 * Shipping (action SHIP, only while CREATING; needs a return address). With `ship: false` it only corrects the
 * package details (action UPDATE). The other fields are UPDATEs, each allowed while Azure accepts it (return
 * address and shipping until the drives are packed; log settings until the transfer starts).
 */
export type AzureImportExportUpdateInput = {
  /** The package you sent to the datacenter: carrier and tracking number. */
  deliveryPackage?: InputMaybe<AzureImportExportPackageInput>;
  /** Whether to move the job to Shipping. Default: true when `deliveryPackage` is given. `true` alone ships with a package reported earlier. */
  ship?: InputMaybe<Scalars['Boolean']['input']>;
  returnAddress?: InputMaybe<AzureImportExportAddressInput>;
  returnShipping?: InputMaybe<AzureImportExportReturnShippingInput>;
  logLevel?: InputMaybe<AzureImportExportLogLevel>;
  backupDriveManifest?: InputMaybe<Scalars['Boolean']['input']>;
};

export type AzureImportExportLogLevel =
  /** Only errors and warnings are logged. */
  | 'ERROR'
  /** Every chunk copy is logged. */
  | 'VERBOSE';

/** A postal address; the fields marked required are required by Azure. */
export type AzureImportExportAddressInput = {
  /** Required. */
  recipientName?: InputMaybe<Scalars['String']['input']>;
  /** Required. */
  streetAddress1?: InputMaybe<Scalars['String']['input']>;
  streetAddress2?: InputMaybe<Scalars['String']['input']>;
  /** Required. */
  city?: InputMaybe<Scalars['String']['input']>;
  stateOrProvince?: InputMaybe<Scalars['String']['input']>;
  /** Required. */
  postalCode?: InputMaybe<Scalars['String']['input']>;
  /** Required. */
  countryOrRegion?: InputMaybe<Scalars['String']['input']>;
  /** Required. */
  phone?: InputMaybe<Scalars['String']['input']>;
  /** Required. */
  email?: InputMaybe<Scalars['String']['input']>;
};

export type AzureImportExportReturnShippingInput = {
  /** Required, e.g. FedEx or DHL (the location lists the carriers it supports). */
  carrierName?: InputMaybe<Scalars['String']['input']>;
  /** Required. Your account number with the carrier; sent to Azure, never returned by the gateway. */
  carrierAccountNumber?: InputMaybe<Scalars['String']['input']>;
};

export type AzureImportExportPackageInput = {
  /** Required. */
  carrierName?: InputMaybe<Scalars['String']['input']>;
  /** Required. */
  trackingNumber?: InputMaybe<Scalars['String']['input']>;
  /** Number of drives in the package (1-10). */
  driveCount?: InputMaybe<Scalars['Int']['input']>;
  /** When the package was shipped, free-form as the carrier states it. */
  shipDate?: InputMaybe<Scalars['String']['input']>;
};

/** A drive prepared with the WAImportExport tool; the values come from the tool's journal. */
export type AzureImportExportDriveInput = {
  /** Required. The drive's hardware serial number, without spaces. */
  driveId?: InputMaybe<Scalars['String']['input']>;
  /** Required. The drive's BitLocker recovery password: eight groups of six digits. Secret: sent to Azure only. */
  bitLockerKey?: InputMaybe<Scalars['String']['input']>;
  /** Required. Path of the manifest file relative to the drive root, e.g. `\DriveManifest.xml`. */
  manifestFile?: InputMaybe<Scalars['String']['input']>;
  /** Required. Base16 (hex) MD5 hash of the manifest file. */
  manifestHash?: InputMaybe<Scalars['String']['input']>;
  /** The drive header hash from the tool's journal. */
  driveHeaderHash?: InputMaybe<Scalars['String']['input']>;
};

/** Exactly one of `blobList` and `blobListBlobPath`. */
export type AzureImportExportExportInput = {
  /** The blobs to export (at most 32 KB of paths and prefixes). */
  blobList?: InputMaybe<AzureImportExportBlobListInput>;
  /** Path of a block blob listing the blobs to export, starting with the container name (`$root` for the root container). */
  blobListBlobPath?: InputMaybe<Scalars['String']['input']>;
};

export type AzureImportExportBlobListInput = {
  /** Blobs by path, starting with the container name: `videos/story.mp4`, `$root/logo.bmp`. */
  blobPath?: InputMaybe<Array<Scalars['String']['input']>>;
  /**
   * Blob prefixes, starting with `/`: `/` (everything), `/book` (containers starting with book), `/music/` (container
   * music), `/music/love` (its blobs starting with love), `/$root/` (the root container).
   */
  blobPathPrefix?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type AzureImportExportKekType =
  | 'MICROSOFT_MANAGED'
  | 'CUSTOMER_MANAGED';

export type AzureImportExportEncryptionKeyInput = {
  kekType: AzureImportExportKekType;
  /** CUSTOMER_MANAGED only, required there: the Key Vault key URL. */
  kekUrl?: InputMaybe<Scalars['String']['input']>;
  /** CUSTOMER_MANAGED only, required there: the ARM id of the Key Vault. */
  kekVaultResourceId?: InputMaybe<Scalars['String']['input']>;
};

/** How IoT Hub reaches the blob containers of an import/export job. */
export type IotHubStorageAuthenticationType =
  /** The container URIs carry SAS tokens (the default). */
  | 'KEY_BASED'
  /** IoT Hub uses its managed identity (system-assigned, or `userAssignedIdentity`); the URIs need no SAS. */
  | 'IDENTITY_BASED';

/**
 * An Azure IoT Hub device identity import or export job (data-plane `POST /jobs/create`). IoT Hub runs one
 * active import/export job per hub: while one is enqueued or running, a create fails with `JobQuotaExceeded`.
 * Fields are checked before anything is sent; container URIs and their SAS tokens go to IoT Hub only and are
 * never echoed (artifacts show the containers without their query strings).
 */
export type IotHubCreateJobInput = {
  /** Required. IMPORT reads device identities from `inputBlobContainerUri`; EXPORT writes them to `outputBlobContainerUri`. */
  type?: InputMaybe<JobType>;
  /**
   * IMPORT only, required there: the container holding the devices file, e.g.
   * `https://<account>.blob.core.windows.net/<container>?<SAS with read access>`.
   */
  inputBlobContainerUri?: InputMaybe<Scalars['String']['input']>;
  /** IMPORT only: the blob to import from (default `devices.txt`). */
  inputBlobName?: InputMaybe<Scalars['String']['input']>;
  /**
   * Required. EXPORT writes the devices file here; IMPORT writes its error log here. With KEY_BASED
   * authentication the URI carries a SAS with write, read and delete access.
   */
  outputBlobContainerUri?: InputMaybe<Scalars['String']['input']>;
  /** The blob the export writes (default `devices.txt`). */
  outputBlobName?: InputMaybe<Scalars['String']['input']>;
  /** EXPORT only: export device keys as null (default false). */
  excludeKeysInExport?: InputMaybe<Scalars['Boolean']['input']>;
  /** Also import or export the hub's configurations (default false). */
  includeConfigurations?: InputMaybe<Scalars['Boolean']['input']>;
  /** With `includeConfigurations`: the configurations blob (default `configurations.txt`). */
  configurationsBlobName?: InputMaybe<Scalars['String']['input']>;
  /** Default KEY_BASED. */
  storageAuthenticationType?: InputMaybe<IotHubStorageAuthenticationType>;
  /**
   * IDENTITY_BASED only: the ARM resource id of a user-assigned managed identity,
   * `/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>`.
   * Without it the hub's system-assigned identity is used.
   */
  userAssignedIdentity?: InputMaybe<Scalars['String']['input']>;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;




/** Mapping of interface types */
export type ResolversInterfaceTypes<_RefType extends Record<string, unknown>> = {
  Node: ( JobNode );
};

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  AccountStatus: AccountStatus;
  CircuitState: CircuitState;
  AccountHealth: ResolverTypeWrapper<AccountHealth>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  ActionCapability: ResolverTypeWrapper<ActionCapability>;
  AccountCapabilities: ResolverTypeWrapper<AccountCapabilities>;
  ProviderAccount: ResolverTypeWrapper<AccountRuntime>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Node: ResolverTypeWrapper<ResolversInterfaceTypes<ResolversTypes>['Node']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  ErrorCode: ErrorCode;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  JobEventKind: JobEventKind;
  JobEventFilter: JobEventFilter;
  JobEvent: ResolverTypeWrapper<JobEventRecord>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  JobState: JobState;
  JobType: JobType;
  DriveState: DriveState;
  ArtifactKind: ArtifactKind;
  JobAction: JobAction;
  Job: ResolverTypeWrapper<JobNode>;
  Progress: ResolverTypeWrapper<Progress>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  Drive: ResolverTypeWrapper<Drive>;
  Artifact: ResolverTypeWrapper<Artifact>;
  Address: ResolverTypeWrapper<Address>;
  PackageInfo: ResolverTypeWrapper<PackageInfo>;
  Shipping: ResolverTypeWrapper<Shipping>;
  JobError: ResolverTypeWrapper<JobError>;
  JobDetail: ResolverTypeWrapper<JobDetail>;
  JobStateTransition: ResolverTypeWrapper<JobStateTransition>;
  JobFilter: JobFilter;
  JobEdge: ResolverTypeWrapper<Omit<JobEdge, 'node'> & { node: ResolversTypes['Job'] }>;
  JobConnection: ResolverTypeWrapper<Omit<JobConnection, 'edges'> & { edges: Array<ResolversTypes['JobEdge']> }>;
  CreateJobInput: CreateJobInput;
  UpdateJobInput: UpdateJobInput;
  MutationError: ResolverTypeWrapper<MutationError>;
  CreateJobPayload: ResolverTypeWrapper<Omit<CreateJobPayload, 'job'> & { job?: Maybe<ResolversTypes['Job']> }>;
  UpdateJobPayload: ResolverTypeWrapper<Omit<UpdateJobPayload, 'job'> & { job?: Maybe<ResolversTypes['Job']> }>;
  CancelJobPayload: ResolverTypeWrapper<Omit<CancelJobPayload, 'job'> & { job?: Maybe<ResolversTypes['Job']> }>;
  DeleteJobPayload: ResolverTypeWrapper<DeleteJobPayload>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  StatsGroupBy: StatsGroupBy;
  DurationStats: ResolverTypeWrapper<DurationStats>;
  StateDuration: ResolverTypeWrapper<StateDuration>;
  StateCount: ResolverTypeWrapper<StateCount>;
  OutcomeCount: ResolverTypeWrapper<OutcomeCount>;
  StuckJob: ResolverTypeWrapper<StuckEntry>;
  StatsGroup: ResolverTypeWrapper<GroupStats>;
  ProviderStats: ResolverTypeWrapper<Omit<ProviderStats, 'groups'> & { groups: Array<ResolversTypes['StatsGroup']> }>;
  AwsImportExportCreateJobInput: AwsImportExportCreateJobInput;
  AwsImportExportUpdateJobInput: AwsImportExportUpdateJobInput;
  AzureImportExportCreateInput: AzureImportExportCreateInput;
  AzureImportExportUpdateInput: AzureImportExportUpdateInput;
  AzureImportExportLogLevel: AzureImportExportLogLevel;
  AzureImportExportAddressInput: AzureImportExportAddressInput;
  AzureImportExportReturnShippingInput: AzureImportExportReturnShippingInput;
  AzureImportExportPackageInput: AzureImportExportPackageInput;
  AzureImportExportDriveInput: AzureImportExportDriveInput;
  AzureImportExportExportInput: AzureImportExportExportInput;
  AzureImportExportBlobListInput: AzureImportExportBlobListInput;
  AzureImportExportKekType: AzureImportExportKekType;
  AzureImportExportEncryptionKeyInput: AzureImportExportEncryptionKeyInput;
  IotHubStorageAuthenticationType: IotHubStorageAuthenticationType;
  IotHubCreateJobInput: IotHubCreateJobInput;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  AccountHealth: AccountHealth;
  String: Scalars['String']['output'];
  Int: Scalars['Int']['output'];
  Boolean: Scalars['Boolean']['output'];
  ActionCapability: ActionCapability;
  AccountCapabilities: AccountCapabilities;
  ProviderAccount: AccountRuntime;
  Query: Record<PropertyKey, never>;
  ID: Scalars['ID']['output'];
  Node: ResolversInterfaceTypes<ResolversParentTypes>['Node'];
  DateTime: Scalars['DateTime']['output'];
  PageInfo: PageInfo;
  JobEventFilter: JobEventFilter;
  JobEvent: JobEventRecord;
  Subscription: Record<PropertyKey, never>;
  Job: JobNode;
  Progress: Progress;
  Float: Scalars['Float']['output'];
  Drive: Drive;
  Artifact: Artifact;
  Address: Address;
  PackageInfo: PackageInfo;
  Shipping: Shipping;
  JobError: JobError;
  JobDetail: JobDetail;
  JobStateTransition: JobStateTransition;
  JobFilter: JobFilter;
  JobEdge: Omit<JobEdge, 'node'> & { node: ResolversParentTypes['Job'] };
  JobConnection: Omit<JobConnection, 'edges'> & { edges: Array<ResolversParentTypes['JobEdge']> };
  CreateJobInput: CreateJobInput;
  UpdateJobInput: UpdateJobInput;
  MutationError: MutationError;
  CreateJobPayload: Omit<CreateJobPayload, 'job'> & { job?: Maybe<ResolversParentTypes['Job']> };
  UpdateJobPayload: Omit<UpdateJobPayload, 'job'> & { job?: Maybe<ResolversParentTypes['Job']> };
  CancelJobPayload: Omit<CancelJobPayload, 'job'> & { job?: Maybe<ResolversParentTypes['Job']> };
  DeleteJobPayload: DeleteJobPayload;
  Mutation: Record<PropertyKey, never>;
  DurationStats: DurationStats;
  StateDuration: StateDuration;
  StateCount: StateCount;
  OutcomeCount: OutcomeCount;
  StuckJob: StuckEntry;
  StatsGroup: GroupStats;
  ProviderStats: Omit<ProviderStats, 'groups'> & { groups: Array<ResolversParentTypes['StatsGroup']> };
  AwsImportExportCreateJobInput: AwsImportExportCreateJobInput;
  AwsImportExportUpdateJobInput: AwsImportExportUpdateJobInput;
  AzureImportExportCreateInput: AzureImportExportCreateInput;
  AzureImportExportUpdateInput: AzureImportExportUpdateInput;
  AzureImportExportAddressInput: AzureImportExportAddressInput;
  AzureImportExportReturnShippingInput: AzureImportExportReturnShippingInput;
  AzureImportExportPackageInput: AzureImportExportPackageInput;
  AzureImportExportDriveInput: AzureImportExportDriveInput;
  AzureImportExportExportInput: AzureImportExportExportInput;
  AzureImportExportBlobListInput: AzureImportExportBlobListInput;
  AzureImportExportEncryptionKeyInput: AzureImportExportEncryptionKeyInput;
  IotHubCreateJobInput: IotHubCreateJobInput;
};

export type AccountHealthResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['AccountHealth'] = ResolversParentTypes['AccountHealth']> = {
  status?: Resolver<ResolversTypes['AccountStatus'], ParentType, ContextType>;
  lastSuccessAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastErrorAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastErrorCode?: Resolver<Maybe<ResolversTypes['ErrorCode']>, ParentType, ContextType>;
  lastErrorMessage?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  consecutiveFailures?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lastPollAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastCompleteRoundAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  failedRounds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stale?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  circuit?: Resolver<ResolversTypes['CircuitState'], ParentType, ContextType>;
};

export type ActionCapabilityResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['ActionCapability'] = ResolversParentTypes['ActionCapability']> = {
  action?: Resolver<ResolversTypes['JobAction'], ParentType, ContextType>;
  states?: Resolver<Array<ResolversTypes['JobState']>, ParentType, ContextType>;
};

export type AccountCapabilitiesResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['AccountCapabilities'] = ResolversParentTypes['AccountCapabilities']> = {
  create?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  dryRun?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  actions?: Resolver<Array<ResolversTypes['ActionCapability']>, ParentType, ContextType>;
};

export type ProviderAccountResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['ProviderAccount'] = ResolversParentTypes['ProviderAccount']> = {
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  provider?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  providerName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  health?: Resolver<ResolversTypes['AccountHealth'], ParentType, ContextType>;
  capabilities?: Resolver<ResolversTypes['AccountCapabilities'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  accounts?: Resolver<Array<ResolversTypes['ProviderAccount']>, ParentType, ContextType>;
  latestJobEventCursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<Maybe<ResolversTypes['Node']>, ParentType, ContextType, RequireFields<QueryNodeArgs, 'id'>>;
  nodes?: Resolver<Array<Maybe<ResolversTypes['Node']>>, ParentType, ContextType, RequireFields<QueryNodesArgs, 'ids'>>;
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType, RequireFields<QueryJobArgs, 'id'>>;
  jobByNativeId?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType, RequireFields<QueryJobByNativeIdArgs, 'account' | 'nativeId'>>;
  jobs?: Resolver<ResolversTypes['JobConnection'], ParentType, ContextType, RequireFields<QueryJobsArgs, 'first'>>;
  providerStats?: Resolver<ResolversTypes['ProviderStats'], ParentType, ContextType, RequireFields<QueryProviderStatsArgs, 'groupBy'>>;
};

export type NodeResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Node'] = ResolversParentTypes['Node']> = {
  __resolveType: TypeResolveFn<'Job', ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type PageInfoResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type JobEventResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['JobEvent'] = ResolversParentTypes['JobEvent']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['JobEventKind'], ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  previousState?: Resolver<Maybe<ResolversTypes['JobState']>, ParentType, ContextType>;
  state?: Resolver<Maybe<ResolversTypes['JobState']>, ParentType, ContextType>;
  previousProviderState?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  providerState?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  afterGap?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  changes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  jobId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  job?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  jobEvents?: SubscriptionResolver<ResolversTypes['JobEvent'], "jobEvents", ParentType, ContextType, Partial<SubscriptionJobEventsArgs>>;
};

export type JobResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Job'] = ResolversParentTypes['Job']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  provider?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  account?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  nativeId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['JobType'], ParentType, ContextType>;
  state?: Resolver<Maybe<ResolversTypes['JobState']>, ParentType, ContextType>;
  providerState?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  cancelRequested?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  stateChangedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  createdAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  updatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  observedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  progress?: Resolver<ResolversTypes['Progress'], ParentType, ContextType>;
  drives?: Resolver<Array<ResolversTypes['Drive']>, ParentType, ContextType>;
  artifacts?: Resolver<Array<ResolversTypes['Artifact']>, ParentType, ContextType>;
  shipping?: Resolver<Maybe<ResolversTypes['Shipping']>, ParentType, ContextType>;
  location?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  errors?: Resolver<Array<ResolversTypes['JobError']>, ParentType, ContextType>;
  failureReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  details?: Resolver<Array<ResolversTypes['JobDetail']>, ParentType, ContextType>;
  allowedActions?: Resolver<Array<ResolversTypes['JobAction']>, ParentType, ContextType>;
  history?: Resolver<Array<ResolversTypes['JobStateTransition']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ProgressResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Progress'] = ResolversParentTypes['Progress']> = {
  percent?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  bytesTransferred?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  itemsProcessed?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  message?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type DriveResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Drive'] = ResolversParentTypes['Drive']> = {
  driveId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  state?: Resolver<Maybe<ResolversTypes['DriveState']>, ParentType, ContextType>;
  providerState?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  percentComplete?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  bytesSucceeded?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  copyStatus?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  manifestFile?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  manifestHash?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  manifestUri?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  verboseLogUri?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  errorLogUri?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  errorCount?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
};

export type ArtifactResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Artifact'] = ResolversParentTypes['Artifact']> = {
  kind?: Resolver<ResolversTypes['ArtifactKind'], ParentType, ContextType>;
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  url?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type AddressResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Address'] = ResolversParentTypes['Address']> = {
  recipientName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  company?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  streetLines?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  city?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  stateOrProvince?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  postalCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  countryOrRegion?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  phone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type PackageInfoResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['PackageInfo'] = ResolversParentTypes['PackageInfo']> = {
  carrier?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  trackingNumber?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  driveCount?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  shipDate?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type ShippingResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Shipping'] = ResolversParentTypes['Shipping']> = {
  deliverTo?: Resolver<Maybe<ResolversTypes['Address']>, ParentType, ContextType>;
  deliveryPackage?: Resolver<Maybe<ResolversTypes['PackageInfo']>, ParentType, ContextType>;
  returnPackage?: Resolver<Maybe<ResolversTypes['PackageInfo']>, ParentType, ContextType>;
  returnAddress?: Resolver<Maybe<ResolversTypes['Address']>, ParentType, ContextType>;
  returnCarrier?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type JobErrorResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['JobError'] = ResolversParentTypes['JobError']> = {
  code?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type JobDetailResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['JobDetail'] = ResolversParentTypes['JobDetail']> = {
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type JobStateTransitionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['JobStateTransition'] = ResolversParentTypes['JobStateTransition']> = {
  from?: Resolver<Maybe<ResolversTypes['JobState']>, ParentType, ContextType>;
  to?: Resolver<Maybe<ResolversTypes['JobState']>, ParentType, ContextType>;
  providerState?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  afterGap?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type JobEdgeResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['JobEdge'] = ResolversParentTypes['JobEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Job'], ParentType, ContextType>;
};

export type JobConnectionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['JobConnection'] = ResolversParentTypes['JobConnection']> = {
  edges?: Resolver<Array<ResolversTypes['JobEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type MutationErrorResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['MutationError'] = ResolversParentTypes['MutationError']> = {
  code?: Resolver<ResolversTypes['ErrorCode'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  field?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  account?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  provider?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  providerCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  state?: Resolver<Maybe<ResolversTypes['JobState']>, ParentType, ContextType>;
  retryAfterSeconds?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
};

export type CreateJobPayloadResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['CreateJobPayload'] = ResolversParentTypes['CreateJobPayload']> = {
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType>;
  dryRun?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  replayed?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  warnings?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  errors?: Resolver<Array<ResolversTypes['MutationError']>, ParentType, ContextType>;
};

export type UpdateJobPayloadResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['UpdateJobPayload'] = ResolversParentTypes['UpdateJobPayload']> = {
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType>;
  errors?: Resolver<Array<ResolversTypes['MutationError']>, ParentType, ContextType>;
};

export type CancelJobPayloadResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['CancelJobPayload'] = ResolversParentTypes['CancelJobPayload']> = {
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType>;
  errors?: Resolver<Array<ResolversTypes['MutationError']>, ParentType, ContextType>;
};

export type DeleteJobPayloadResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['DeleteJobPayload'] = ResolversParentTypes['DeleteJobPayload']> = {
  deletedId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  errors?: Resolver<Array<ResolversTypes['MutationError']>, ParentType, ContextType>;
};

export type MutationResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  createJob?: Resolver<ResolversTypes['CreateJobPayload'], ParentType, ContextType, RequireFields<MutationCreateJobArgs, 'input'>>;
  updateJob?: Resolver<ResolversTypes['UpdateJobPayload'], ParentType, ContextType, RequireFields<MutationUpdateJobArgs, 'input'>>;
  cancelJob?: Resolver<ResolversTypes['CancelJobPayload'], ParentType, ContextType, RequireFields<MutationCancelJobArgs, 'id'>>;
  deleteJob?: Resolver<ResolversTypes['DeleteJobPayload'], ParentType, ContextType, RequireFields<MutationDeleteJobArgs, 'id'>>;
};

export type DurationStatsResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['DurationStats'] = ResolversParentTypes['DurationStats']> = {
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  medianSeconds?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  p90Seconds?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type StateDurationResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['StateDuration'] = ResolversParentTypes['StateDuration']> = {
  state?: Resolver<ResolversTypes['JobState'], ParentType, ContextType>;
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  medianSeconds?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  p90Seconds?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type StateCountResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['StateCount'] = ResolversParentTypes['StateCount']> = {
  state?: Resolver<Maybe<ResolversTypes['JobState']>, ParentType, ContextType>;
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type OutcomeCountResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['OutcomeCount'] = ResolversParentTypes['OutcomeCount']> = {
  state?: Resolver<ResolversTypes['JobState'], ParentType, ContextType>;
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  rate?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type StuckJobResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['StuckJob'] = ResolversParentTypes['StuckJob']> = {
  job?: Resolver<Maybe<ResolversTypes['Job']>, ParentType, ContextType>;
  state?: Resolver<ResolversTypes['JobState'], ParentType, ContextType>;
  since?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  inStateSeconds?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  p90Seconds?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type StatsGroupResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['StatsGroup'] = ResolversParentTypes['StatsGroup']> = {
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  provider?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  providerName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  accounts?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  jobs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  jobsByState?: Resolver<Array<ResolversTypes['StateCount']>, ParentType, ContextType>;
  timeInState?: Resolver<Array<ResolversTypes['StateDuration']>, ParentType, ContextType>;
  endToEnd?: Resolver<ResolversTypes['DurationStats'], ParentType, ContextType>;
  finished?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  outcomes?: Resolver<Array<ResolversTypes['OutcomeCount']>, ParentType, ContextType>;
  bytesMoved?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  devicesMoved?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  stuckCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  stuck?: Resolver<Array<ResolversTypes['StuckJob']>, ParentType, ContextType, RequireFields<StatsGroupStuckArgs, 'first'>>;
};

export type ProviderStatsResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['ProviderStats'] = ResolversParentTypes['ProviderStats']> = {
  since?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  until?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  groupBy?: Resolver<ResolversTypes['StatsGroupBy'], ParentType, ContextType>;
  groups?: Resolver<Array<ResolversTypes['StatsGroup']>, ParentType, ContextType>;
};

export type Resolvers<ContextType = GatewayContext> = {
  AccountHealth?: AccountHealthResolvers<ContextType>;
  ActionCapability?: ActionCapabilityResolvers<ContextType>;
  AccountCapabilities?: AccountCapabilitiesResolvers<ContextType>;
  ProviderAccount?: ProviderAccountResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Node?: NodeResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  PageInfo?: PageInfoResolvers<ContextType>;
  JobEvent?: JobEventResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  Job?: JobResolvers<ContextType>;
  Progress?: ProgressResolvers<ContextType>;
  Drive?: DriveResolvers<ContextType>;
  Artifact?: ArtifactResolvers<ContextType>;
  Address?: AddressResolvers<ContextType>;
  PackageInfo?: PackageInfoResolvers<ContextType>;
  Shipping?: ShippingResolvers<ContextType>;
  JobError?: JobErrorResolvers<ContextType>;
  JobDetail?: JobDetailResolvers<ContextType>;
  JobStateTransition?: JobStateTransitionResolvers<ContextType>;
  JobEdge?: JobEdgeResolvers<ContextType>;
  JobConnection?: JobConnectionResolvers<ContextType>;
  MutationError?: MutationErrorResolvers<ContextType>;
  CreateJobPayload?: CreateJobPayloadResolvers<ContextType>;
  UpdateJobPayload?: UpdateJobPayloadResolvers<ContextType>;
  CancelJobPayload?: CancelJobPayloadResolvers<ContextType>;
  DeleteJobPayload?: DeleteJobPayloadResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  DurationStats?: DurationStatsResolvers<ContextType>;
  StateDuration?: StateDurationResolvers<ContextType>;
  StateCount?: StateCountResolvers<ContextType>;
  OutcomeCount?: OutcomeCountResolvers<ContextType>;
  StuckJob?: StuckJobResolvers<ContextType>;
  StatsGroup?: StatsGroupResolvers<ContextType>;
  ProviderStats?: ProviderStatsResolvers<ContextType>;
};

