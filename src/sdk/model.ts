/**
 * The seam between the gateway core and the providers. The core knows only these types; each folder
 * under adapters/ implements them with `defineAdapter` and is listed once in src/registry.ts.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import { type ArtifactKind, type DriveState, type JobAction, JobState, type JobType } from '../generated/enums.js';

/** The public enums come from schema/*.graphql (codegen), the one place they are defined. */
export { ArtifactKind, DriveState, JobAction, JobState, JobType } from '../generated/enums.js';

/** Every normalized state, in lifecycle order. */
export const JOB_STATES: readonly JobState[] = Object.values(JobState);
export const TERMINAL_STATES: readonly JobState[] = ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'];
export const isTerminal = (state: JobState | null | undefined): boolean =>
  state != null && TERMINAL_STATES.includes(state);

export interface DriveSnapshot {
  driveId: string;
  state: DriveState | null;
  providerState: string | null;
  percentComplete: number | null;
  bytesSucceeded: number | null;
  copyStatus: string | null;
  manifestFile: string | null;
  manifestHash: string | null;
  manifestUri: string | null;
  verboseLogUri: string | null;
  errorLogUri: string | null;
  errorCount: number | null;
}

export interface ArtifactSnapshot {
  kind: ArtifactKind;
  description: string | null;
  /** Never carries a credential: adapters strip SAS query strings and signed parameters. */
  url: string | null;
}

export interface Address {
  recipientName: string | null;
  company: string | null;
  streetLines: string[];
  city: string | null;
  stateOrProvince: string | null;
  postalCode: string | null;
  countryOrRegion: string | null;
  phone: string | null;
  email: string | null;
}

export interface PackageInfo {
  carrier: string | null;
  trackingNumber: string | null;
  driveCount: number | null;
  /** Free-form as the provider wrote it (Azure sends e.g. "9/29/2017 10:28:35 PM"). */
  shipDate: string | null;
}

export interface ShippingSnapshot {
  /** Where the customer ships the devices (the provider's datacenter). */
  deliverTo: Address | null;
  /** The inbound package the customer reported. */
  deliveryPackage: PackageInfo | null;
  /** The package the provider sent back. */
  returnPackage: PackageInfo | null;
  returnAddress: Address | null;
  /** Carrier used for the return shipment; the carrier account number is never exposed. */
  returnCarrier: string | null;
}

export interface ProgressSnapshot {
  percent: number | null;
  bytesTransferred: number | null;
  itemsProcessed: number | null;
  message: string | null;
}

export interface JobErrorInfo {
  code: string | null;
  message: string;
}

/**
 * The normalized job as plain data: what resolvers read, what the poller diffs and what the store keeps.
 * It must never contain a secret (BitLocker key, storage key, SAS, AWS secret): mapping functions drop them.
 */
export interface JobSnapshot {
  nativeId: string;
  name: string;
  type: JobType;
  /** null when the provider word has no normalized equivalent; the core then keeps the last known state. */
  state: JobState | null;
  /** The provider's own word(s), always kept (AWS: "ProgressCode/LocationCode"). */
  providerState: string;
  cancelRequested: boolean;
  createdAt: string | null;
  updatedAt: string | null;
  progress: ProgressSnapshot;
  drives: DriveSnapshot[];
  artifacts: ArtifactSnapshot[];
  shipping: ShippingSnapshot | null;
  location: string | null;
  errors: JobErrorInfo[];
  failureReason: string | null;
  /** Provider-specific, non-secret extras a user may need (e.g. IoT excludeKeysInExport, AWS manifest fields). */
  details: Record<string, string | number | boolean | null>;
}

/** What a listing returns: a full snapshot when the provider lists details, otherwise just enough to sort. */
export interface JobRef {
  nativeId: string;
  createdAt: string | null;
  type: JobType | null;
  snapshot?: JobSnapshot;
  /** Set when the listing alone proves the job was cancelled (AWS IsCanceled). */
  cancelled?: boolean;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string | undefined;
}

export const NOT_FOUND = Symbol.for('crossdock.notFound');
export type NotFound = typeof NOT_FOUND;

export interface Capabilities {
  /** listJobs returns snapshots (JobRef.snapshot), so a listing needs no per-job call while nothing changes. */
  listIncludesSnapshots: boolean;
  /**
   * Snapshot fields the listing leaves out although a per-job read has them (Azure's resource-group listing
   * omits `driveList`, so `drives` and what is derived from them). The core then reads a listed job with
   * getJobs once each time its listing entry changes, so these fields are never silently empty.
   */
  listingOmits?: readonly (keyof JobSnapshot)[];
  create: boolean;
  /** createJob accepts `dryRun: true` (validation at the provider without creating). */
  dryRun: boolean;
  /** Normalized states in which each action is accepted by the provider. */
  actions: Partial<Record<JobAction, readonly JobState[]>>;
}

export interface CallOptions {
  signal: AbortSignal;
}

export interface CreateOptions extends CallOptions {
  /**
   * The caller's idempotency key, when it gave one. The core already guarantees that a key is used for one
   * create only; adapters may pass it to the provider where the provider has a client token.
   */
  idempotencyKey?: string | undefined;
  /** Validate at the provider without creating anything (AWS ValidateOnly); only when capabilities.dryRun. */
  dryRun: boolean;
}

export interface CreateResult {
  /** The created job; null after a dry run. */
  job: JobSnapshot | null;
  /** Warnings the provider returned (AWS WarningMessage), never secrets. */
  warnings: string[];
}

export interface AccountClient {
  readonly capabilities: Capabilities;
  listJobs(opts: CallOptions & { pageToken?: string | undefined }): Promise<Page<JobRef>>;
  /** DataLoader batch function: one result per id, in order. */
  getJobs(nativeIds: readonly string[], opts: CallOptions): Promise<(JobSnapshot | NotFound)[]>;
  /**
   * Creates a job from input already validated by the adapter's `mutations.parseCreate`. Create is not
   * idempotent at most providers: on a timeout the client must not retry blindly but look the job up
   * (by name / manifest / containers) and return it if it exists, before reporting a failure.
   */
  createJob?(input: unknown, opts: CreateOptions): Promise<CreateResult>;
  /**
   * The job an earlier create with this (parsed) input made at the provider since `since` (epoch ms), or null.
   * The core calls it when a create's outcome stayed unknown (its answer was lost and the adapter could not
   * check) and the caller retries with the same idempotency key, so the retry does not create a second job and
   * answers `replayed: true`. `idempotencyKey` is the caller's (a provider with a client token derives it).
   */
  findCreatedJob?(
    input: unknown,
    since: number,
    opts: CallOptions & { idempotencyKey?: string | undefined },
  ): Promise<JobSnapshot | null>;
  /** Applies a patch produced by `mutations.parseUpdate`. */
  updateJob?(nativeId: string, patch: unknown, opts: CallOptions): Promise<JobSnapshot>;
  /** Requests cancellation; returns the job as the provider reports it afterwards. */
  cancelJob?(nativeId: string, opts: CallOptions): Promise<JobSnapshot>;
  deleteJob?(nativeId: string, opts: CallOptions): Promise<void>;
  dispose(): Promise<void>;
}

/** One bad input field: `field` is a path relative to the provider's input branch, e.g. `driveList[0].driveId`. */
export interface InputProblem {
  field: string;
  message: string;
  /** The code the provider itself would answer this input with, where the adapter knows it. */
  providerCode?: string;
}

/** A field path as InputProblem and config errors spell it: `driveList[0].driveId`; '' for the root. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    '',
  );
}

/**
 * Thrown by `parseCreate`/`parseUpdate` before any provider call. The core reports each problem as a
 * BAD_USER_INPUT error whose `field` is the full input path. Messages never echo the value (it may be a key).
 */
export class InvalidInputError extends Error {
  constructor(readonly problems: InputProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.name = 'InvalidInputError';
  }
}

/** A validated update: which action it is (the core checks the job's state allows it) and the adapter's patch. */
export interface ParsedUpdate<Patch = unknown> {
  action: Exclude<JobAction, 'CANCEL' | 'DELETE'>;
  patch: Patch;
}

/**
 * How an adapter takes part in mutations. Its GraphQL input types live in `adapters/<kind>/schema.graphql`,
 * which extends `CreateJobInput` / `UpdateJobInput` (schema/mutations.graphql) with one
 * field named `inputField`; the core picks the adapter whose branch is set. Parsing is pure (no I/O).
 */
export interface AdapterMutations<CreateInput = unknown, Patch = unknown> {
  inputField: string;
  /** Validates the provider's create branch; throws InvalidInputError listing every bad field. */
  parseCreate(input: unknown): CreateInput;
  /** Validates the provider's update branch; absent when the provider has no update operation. */
  parseUpdate?(input: unknown): ParsedUpdate<Patch>;
}

export interface AdapterContext {
  account: string;
  logger: Logger;
  /** PEM certificates to trust in addition to the system store (the sandbox CA). */
  ca?: string | undefined;
  /** Per provider call; every request is aborted after this. */
  timeoutMs: number;
  now: () => number;
}

/** A running simulator: what `crossdock sandbox` prints for it and how tests steer it. */
export interface RunningSimulator {
  /** The account entry printed by `crossdock sandbox --json`; pasteable into a config file as is. */
  account: Record<string, unknown> & { kind: string; account: string; endpoint: string };
  /** Every request the simulator answered, for tests that count provider calls. */
  requests: SimulatorRequest[];
  /**
   * Every change of a job's state word as the simulator made it (the seeded jobs' first, then lifecycle steps and
   * requests), oldest first: what a gateway watching the account could at most have seen.
   */
  stateChanges: SimulatorStateChange[];
  /** Moves every non-terminal job one lifecycle step (what the timer does when stepMs > 0). */
  step(): void;
  /** Makes the next `count` requests fail as the provider would (throttling, outage, slowness). */
  inject(fault: SimulatorFault): void;
  /** Drops every injected fault not used yet. */
  clearFaults(): void;
  close(): Promise<void>;
}

export interface SimulatorFault {
  /**
   * HTTP status to answer with; 0 = drop the connection without answering. With `passThrough`, a status
   * below 300 means the real answer.
   */
  status: number;
  /** Provider error code for the body, e.g. TooManyRequests, Throttling, ThrottlingException. */
  code?: string;
  /**
   * Provider error message for the body, instead of the simulator's own. Real providers sometimes quote the
   * request in it (a value they refused, a signed URL): tests use this to prove such text goes no further.
   */
  message?: string;
  count?: number;
  retryAfterSeconds?: number;
  /** Delay before answering (to exercise timeouts). */
  delayMs?: number;
  /**
   * Handle the request normally (the provider did the work), and only then answer as the fault says: the
   * real answer delayed by `delayMs` (a slow provider whose answer the client gave up on) when `status` is
   * below 300, otherwise the fault's error or a dropped connection (a provider that did the work and then
   * failed, e.g. a 503 carrying a throttling code).
   */
  passThrough?: boolean;
  /** Only requests with this HTTP method are affected (the others pass untouched); default: any request. */
  method?: string;
  /**
   * How the answer's body (the fault's, or with `passThrough` the real one) is sent: `slow` trickles it in small
   * pieces spread over `delayMs` (instead of waiting before the answer); `truncated` sends its first half as a
   * complete HTTP message (a document that ends midway, as from a broken proxy); `cut` announces the whole body,
   * sends half of it and drops the connection.
   */
  body?: 'slow' | 'truncated' | 'cut';
}

/** One change of one job's state word at a simulator. */
export interface SimulatorStateChange {
  nativeId: string;
  /** The word the adapter reports as the job's `providerState`; null when the job left the provider's listing. */
  providerState: string | null;
  /** Epoch ms. */
  at: number;
}

export interface SimulatorRequest {
  method: string;
  path: string;
  operation: string;
  status: number;
  at: number;
  /** Set when a passThrough fault held the answer back this long after doing the work. */
  answerDelayedMs?: number;
  /** Set when a passThrough fault replaced the answer to work that was done (`status` is the fault's). */
  answerReplaced?: boolean;
  /** Set when an injected fault shaped this request's answer (whatever it did). */
  injected?: boolean;
}

export interface SimulatorOptions {
  account: string;
  seed: number;
  /** Milliseconds of real time per lifecycle step; 0 = manual (tests call step()). */
  stepMs: number;
  /** How many jobs exist at start. */
  seedJobs: number;
  /** Whether the simulator plays the customer (ships seeded jobs, creates new ones now and then). */
  autopilot: boolean;
  tls: { key: string; cert: string };
  host?: string;
  port?: number;
}

export interface SimulatorFactory {
  start(opts: SimulatorOptions): Promise<RunningSimulator>;
}

export interface Adapter<Config extends { kind: string; account: string } = { kind: string; account: string }> {
  kind: string;
  displayName: string;
  /** Validates one `providers[]` entry of the config file. */
  configSchema: z.ZodType<Config>;
  /** Config keys whose values are secrets: redacted from logs and never echoed. */
  secretFields: readonly string[];
  connect(config: Config, ctx: AdapterContext): AccountClient;
  /**
   * This adapter's GraphQL SDL (the text of `adapters/<kind>/schema.graphql`): its input branches, added to
   * `CreateJobInput` / `UpdateJobInput` with `extend input`. codegen reads the same files.
   */
  typeDefs?: string;
  /**
   * The provider's own error code for a job it does not know (`ResourceNotFound`, `InvalidJobIdException`,
   * `JobNotFound`): reported as `providerCode` with NOT_FOUND, also when a batched lookup simply came back
   * without the job.
   */
  notFoundCode?: string;
  /** Absent when the provider's jobs cannot be created or changed through the gateway. */
  mutations?: AdapterMutations;
}

/**
 * The adapters a gateway knows, and how to load each one's simulator. Simulators are separate entries,
 * loaded only when a sandbox starts: a gateway on real accounts never loads their code.
 */
export interface AdapterRegistry {
  // biome-ignore lint/suspicious/noExplicitAny: adapters differ in their config types; each validates its own.
  readonly adapters: readonly Adapter<any>[];
  /** Per adapter kind, a loader of its simulator (absent for an adapter without one). */
  readonly simulators: Readonly<Record<string, () => Promise<SimulatorFactory>>>;
}

export function adapterFor(registry: AdapterRegistry, kind: string): Adapter | undefined {
  return registry.adapters.find((a) => a.kind === kind);
}

export function defineAdapter<Config extends { kind: string; account: string }>(
  adapter: Adapter<Config>,
): Adapter<Config> {
  return adapter;
}

export const emptyProgress = (): ProgressSnapshot => ({
  percent: null,
  bytesTransferred: null,
  itemsProcessed: null,
  message: null,
});

/** A snapshot that knows only the job's id and type: adapters and tests fill in what they know. */
export const emptySnapshot = (nativeId: string, type: JobType): JobSnapshot => ({
  nativeId,
  name: nativeId,
  type,
  state: null,
  providerState: '',
  cancelRequested: false,
  createdAt: null,
  updatedAt: null,
  progress: emptyProgress(),
  drives: [],
  artifacts: [],
  shipping: null,
  location: null,
  errors: [],
  failureReason: null,
  details: {},
});
