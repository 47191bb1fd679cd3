/**
 * The ARM `Microsoft.ImportExport` wire shapes (api-version 2021-01-01), names exactly as in the spec
 * (providers/azure-import-export/storageimportexport.json). Shared by the client, the mapping and the
 * simulator so that all three speak the same JSON. Every field is optional on the way in: the service
 * omits what it has not filled in yet, and parsers must ignore unknown properties.
 */
import type { ProviderCodeTable } from '../../src/sdk/index.js';

export const API_VERSION = '2021-01-01';
/** The simulator also accepts the stable version the MS Learn reference shows. */
export const ACCEPTED_API_VERSIONS: readonly string[] = ['2021-01-01', '2020-08-01'];
export const RESOURCE_TYPE = 'Microsoft.ImportExport/jobs';
export const PROVIDER_PATH = '/providers/Microsoft.ImportExport';

export interface ArmAddress {
  recipientName?: string;
  streetAddress1?: string;
  streetAddress2?: string;
  city?: string;
  stateOrProvince?: string;
  postalCode?: string;
  countryOrRegion?: string;
  phone?: string;
  email?: string;
}

export interface ArmShippingInformation extends Omit<ArmAddress, 'email'> {
  additionalInformation?: string;
}

export interface ArmReturnShipping {
  carrierName?: string;
  /** The customer's carrier account: passed to Azure, never exposed by the gateway. */
  carrierAccountNumber?: string;
}

export interface ArmPackage {
  carrierName?: string;
  trackingNumber?: string;
  driveCount?: number;
  /** Free-form, e.g. "9/29/2017 10:28:35 PM". */
  shipDate?: string;
}

export interface ArmDriveStatus {
  driveId?: string;
  /** Secret: sent on create, never mapped. */
  bitLockerKey?: string;
  manifestFile?: string;
  manifestHash?: string;
  driveHeaderHash?: string;
  state?: string;
  copyStatus?: string;
  percentComplete?: number;
  verboseLogUri?: string;
  errorLogUri?: string;
  manifestUri?: string;
  bytesSucceeded?: number;
}

export interface ArmExport {
  blobList?: { blobPath?: string[]; blobPathPrefix?: string[] };
  blobListBlobPath?: string;
}

export interface ArmEncryptionKey {
  kekType?: 'MicrosoftManaged' | 'CustomerManaged' | (string & {});
  /** Key Vault key URL: never mapped. */
  kekUrl?: string;
  kekVaultResourceID?: string;
}

export interface ArmJobDetails {
  storageAccountId?: string;
  jobType?: string;
  returnAddress?: ArmAddress;
  returnShipping?: ArmReturnShipping;
  shippingInformation?: ArmShippingInformation;
  deliveryPackage?: ArmPackage;
  returnPackage?: ArmPackage;
  diagnosticsPath?: string;
  logLevel?: string;
  backupDriveManifest?: boolean;
  state?: string;
  cancelRequested?: boolean;
  percentComplete?: number;
  incompleteBlobListUri?: string;
  driveList?: ArmDriveStatus[];
  export?: ArmExport;
  provisioningState?: string;
  encryptionKey?: ArmEncryptionKey;
}

export interface ArmSystemData {
  createdBy?: string;
  createdByType?: string;
  createdAt?: string;
  lastModifiedBy?: string;
  lastModifiedByType?: string;
  lastModifiedAt?: string;
}

export interface ArmJobResponse {
  id?: string;
  name?: string;
  type?: string;
  location?: string;
  tags?: Record<string, string>;
  systemData?: ArmSystemData;
  properties?: ArmJobDetails;
  identity?: { type?: string; principalId?: string; tenantId?: string };
}

export interface ArmListJobsResponse {
  value?: ArmJobResponse[];
  nextLink?: string | null;
}

export interface ArmPutJobParameters {
  location: string;
  tags?: Record<string, string>;
  properties: ArmJobDetails;
}

/** PATCH body: `tags` top-level, everything else under `properties` (SDK_WIRE §2.2). */
export interface ArmUpdateJobParameters {
  tags?: Record<string, string>;
  properties?: {
    cancelRequested?: boolean;
    state?: string;
    returnAddress?: ArmAddress;
    returnShipping?: ArmReturnShipping;
    deliveryPackage?: ArmPackage;
    logLevel?: string;
    backupDriveManifest?: boolean;
    driveList?: ArmDriveStatus[];
  };
}

export interface ArmLocation {
  id: string;
  name: string;
  type: string;
  properties: Omit<ArmAddress, 'email'> & {
    additionalShippingInformation?: string;
    supportedCarriers?: string[];
    alternateLocations?: string[];
  };
}

export interface ArmErrorBody {
  error?: { code?: string; message?: string; target?: string; details?: { code?: string; message?: string }[] };
  /** Some ARM front ends answer without the envelope. */
  code?: string;
  message?: string;
}

/**
 * Error codes of the ARM platform (auth, routing, api-version, throttling) and the ones this gateway's
 * simulator uses for the resource provider's own refusals. The RP's real codes are not in the spec
 * (REFERENCE.md: unverified): FAILURE_CODES names the ones whose meaning is sure; the others fall back to
 * their HTTP status.
 */
export const ArmCode = {
  AuthenticationFailed: 'AuthenticationFailed',
  InvalidAuthenticationToken: 'InvalidAuthenticationToken',
  ResourceNotFound: 'ResourceNotFound',
  ResourceGroupNotFound: 'ResourceGroupNotFound',
  SubscriptionNotFound: 'SubscriptionNotFound',
  MissingApiVersionParameter: 'MissingApiVersionParameter',
  InvalidApiVersionParameter: 'InvalidApiVersionParameter',
  NoRegisteredProviderFound: 'NoRegisteredProviderFound',
  TooManyRequests: 'TooManyRequests',
  InvalidParameter: 'InvalidParameter',
  InvalidRequestContent: 'InvalidRequestContent',
  PreconditionFailed: 'PreconditionFailed',
  /** Simulator choice: the 20-active-jobs-per-subscription limit of seed 004. */
  ActiveJobLimitExceeded: 'ActiveJobLimitExceeded',
  /** Simulator choices for state refusals (409). */
  CancelNotAllowed: 'CancelNotAllowed',
  DeleteNotAllowed: 'DeleteNotAllowed',
  InvalidStateTransition: 'InvalidStateTransition',
  UpdateNotAllowedInState: 'UpdateNotAllowedInState',
  JobNameInUse: 'JobNameInUse',
  /** Simulator choice: Shipping needs returnAddress and deliveryPackage. */
  ShippingInformationMissing: 'ShippingInformationMissing',
  InternalServerError: 'InternalServerError',
} as const;

/** What ARM's codes mean (the classification in the SDK does the rest). */
export const FAILURE_CODES: ProviderCodeTable = {
  throttling: [ArmCode.TooManyRequests],
  auth: [ArmCode.AuthenticationFailed, ArmCode.InvalidAuthenticationToken],
  notFound: [ArmCode.ResourceNotFound],
  // Refusals because of the job's state: 409 is the usual status, not a sure one.
  state: [
    ArmCode.CancelNotAllowed,
    ArmCode.DeleteNotAllowed,
    ArmCode.InvalidStateTransition,
    ArmCode.UpdateNotAllowedInState,
  ],
  input: [
    ArmCode.InvalidParameter,
    ArmCode.InvalidRequestContent,
    ArmCode.JobNameInUse,
    ArmCode.ShippingInformationMissing,
  ],
  // The account or the gateway is misconfigured (also when a 404 says so), or the subscription is full.
  configuration: [
    ArmCode.MissingApiVersionParameter,
    ArmCode.InvalidApiVersionParameter,
    ArmCode.NoRegisteredProviderFound,
    ArmCode.SubscriptionNotFound,
    ArmCode.ResourceGroupNotFound,
    ArmCode.ActiveJobLimitExceeded,
  ],
};

/** Seed 004: "A subscription may have up to twenty jobs active at any given time". */
export const ACTIVE_JOB_LIMIT = 20;
/** Seed 004 / spec: "List of up to ten drives". */
export const MAX_DRIVES = 10;
/** Spec: `$top` "cannot exceed 100". */
export const MAX_PAGE_SIZE = 100;
/** ARM resource group names: 1-90 of alphanumerics, underscore, parentheses, hyphen, period; not ending in a period. */
export const RESOURCE_GROUP_NAME = /^[-\w.()]{0,89}[-\w()]$/;
/**
 * A job name as lookups accept it: what ARM allows for Microsoft.ImportExport/jobs (letters, digits, hyphens;
 * creates are checked more strictly), plus underscores and periods, never a path separator or a dot segment.
 */
export const JOB_NAME_SHAPE = /^[A-Za-z0-9][\w.-]{0,79}$/;

/** The tag the gateway puts on jobs it creates, to recognise its own job when a create timed out. */
export const CREATE_TOKEN_TAG = 'crossdock-create-token';
