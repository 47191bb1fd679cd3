/**
 * The AWS Import/Export wire format shared by the client and the simulator: the Query protocol's
 * constants, the XML response and error envelopes (fast-xml-parser), the operations' result shapes, and
 * the service's error codes with the meaning the service model documents for each.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { ErrorCode, type ProviderCodeTable } from '../../src/sdk/index.js';

export const API_VERSION = '2010-06-01';
/** The Developer Guide's samples say 2010-06-03; the model and both SDKs send 2010-06-01. */
export const ACCEPTED_API_VERSIONS: readonly string[] = [API_VERSION, '2010-06-03'];
const XML_NAMESPACE = 'http://importexport.amazonaws.com/doc/2010-06-01/';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

/**
 * A job id as the service writes them: five letters and digits (TEST1, WXSPP in the Developer Guide). Up to
 * 32 leaves room for longer ones; nothing else reaches a request.
 */
export const JOB_ID_SHAPE = /^[A-Za-z0-9]{1,32}$/;

export const OPERATIONS = ['CreateJob', 'GetStatus', 'ListJobs', 'UpdateJob', 'CancelJob', 'GetShippingLabel'] as const;
export type Operation = (typeof OPERATIONS)[number];
export const isOperation = (name: string | null | undefined): name is Operation =>
  OPERATIONS.includes(name as Operation);

/**
 * Every error code the service model declares (the shape name is the code), plus the generic AWS
 * authentication codes the Developer Guide and captured responses show. Texts are the model's docs.
 */
export const ERROR_DOCS = {
  BucketPermissionException: 'The account specified does not have the appropriate bucket permissions.',
  CanceledJobIdException: 'The specified job ID has been canceled and is no longer valid.',
  CreateJobQuotaExceededException: 'Each account can create only a certain number of jobs per day.',
  ExpiredJobIdException: 'Indicates that the specified job has expired out of the system.',
  InvalidAccessKeyIdException:
    "The AWS Access Key ID specified in the request did not match the manifest's accessKeyId value.",
  InvalidAddressException: 'The address specified in the manifest is invalid.',
  InvalidCustomsException: 'One or more customs parameters was invalid.',
  InvalidFileSystemException: 'File system specified in export manifest is invalid.',
  InvalidJobIdException: 'The JOBID was missing, not found, or not associated with the AWS account.',
  InvalidManifestFieldException: 'One or more manifest fields was invalid.',
  InvalidParameterException: 'One or more parameters had an invalid value.',
  InvalidVersionException: 'The client tool version is invalid.',
  MalformedManifestException: 'Your manifest is not well-formed.',
  MissingCustomsException: 'One or more required customs parameters was missing from the manifest.',
  MissingManifestFieldException: 'One or more required fields were missing from the manifest file.',
  MissingParameterException: 'One or more required parameters was missing from the request.',
  MultipleRegionsException: 'Your manifest file contained buckets from multiple regions.',
  NoSuchBucketException: 'The specified bucket does not exist.',
  UnableToCancelJobIdException: 'AWS Import/Export cannot cancel the job.',
  UnableToUpdateJobIdException: 'AWS Import/Export cannot update the job.',
  InvalidClientTokenIdException: 'The AWS Access Key ID does not exist.',
  InvalidClientTokenId: 'The AWS Access Key ID does not exist.',
  SignatureDoesNotMatch:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  MissingAuthenticationToken: 'Request is missing Authentication Token.',
  InvalidAction: 'The action or operation requested is invalid.',
  Throttling: 'Rate exceeded.',
  ServiceUnavailable: 'The service is unavailable. Please try again later.',
  InternalFailure: 'The request processing has failed because of an unknown error.',
} as const;
export type KnownErrorCode = keyof typeof ERROR_DOCS;

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Job ids, tracking numbers and postal codes must stay strings ("00123" is not 123).
  parseTagValue: false,
  // Lists are non-flattened: every item is a <member>, even when there is only one.
  isArray: (name) => name === 'member',
});

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });

/**
 * Parses an XML body; undefined when it is not well-formed XML. The parser alone is lenient: it would read the
 * first half of a cut-off ListJobs answer as a shorter, valid-looking listing (jobs that seem to have vanished).
 */
function parseXml(text: string): Record<string, unknown> | undefined {
  if (XMLValidator.validate(text) !== true) return undefined;
  try {
    const doc: unknown = parser.parse(text);
    return doc && typeof doc === 'object' ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The `<{Op}Result>` element of a `<{Op}Response>`; the root's name is not checked, as the SDKs do not. */
function resultElement(doc: Record<string, unknown>, operation: Operation): unknown {
  for (const [name, root] of Object.entries(doc)) {
    if (name === '?xml' || !root || typeof root !== 'object') continue;
    return (root as Record<string, unknown>)[`${operation}Result`];
  }
  return undefined;
}

export interface WireError {
  code: string;
  message: string | null;
  type: string | null;
}

/** `<ErrorResponse><Error><Type/><Code/><Message/></Error>…` (or EC2's `<Response><Errors><Error>`), as aws-sdk reads it. */
export function parseErrorEnvelope(text: string): WireError | undefined {
  const doc = parseXml(text);
  const root = (doc?.ErrorResponse ?? doc?.Response) as Record<string, unknown> | undefined;
  if (!root || typeof root !== 'object') return undefined;
  const error = (root.Error ?? (root.Errors as Record<string, unknown> | undefined)?.Error) as
    | Record<string, unknown>
    | undefined;
  const code = error?.Code;
  if (typeof code !== 'string' || !code) return undefined;
  return {
    code,
    message: typeof error?.Message === 'string' ? error.Message : null,
    type: typeof error?.Type === 'string' ? error.Type : null,
  };
}

/** XML text nodes as the simulator builds them: lists are `{ member: [...] }`, absent values empty elements. */
export type XmlValue = string | number | boolean | null | XmlValue[] | { [name: string]: XmlValue };

const XML_DECLARATION = { '@_version': '1.0', '@_encoding': 'UTF-8' };

export function renderResult(operation: Operation, result: Record<string, XmlValue>, requestId: string): string {
  return builder.build({
    '?xml': XML_DECLARATION,
    [`${operation}Response`]: {
      '@_xmlns': XML_NAMESPACE,
      [`${operation}Result`]: result,
      ResponseMetadata: { RequestId: requestId },
    },
  });
}

export function renderError(code: string, message: string, type: 'Sender' | 'Receiver', requestId: string): string {
  return builder.build({
    '?xml': XML_DECLARATION,
    ErrorResponse: {
      '@_xmlns': XML_NAMESPACE,
      Error: { Type: type, Code: code, Message: message },
      RequestId: requestId,
    },
  });
}

export type AwsJobType = 'Import' | 'Export';

// --- response shapes (service-2.json output shapes; element names are the model's member names) ---

/** Absent and empty elements (`<Carrier/>`) both mean "no value". */
const text = z
  .string()
  .optional()
  .transform((v) => (v ? v : null));
const integer = text.transform((v) => (v === null || !/^-?\d+$/.test(v) ? null : Number(v)));
const bool = text.transform((v) => v === 'true');
const members = <T extends z.ZodType>(item: T) =>
  z
    .union([z.object({ member: z.array(item) }), z.literal('')])
    .optional()
    .transform((v): z.output<T>[] => (typeof v === 'object' ? v.member : []));

const artifact = z.object({ Description: text, URL: text });
export type Artifact = z.output<typeof artifact>;

const listJobsOutput = z.object({
  Jobs: members(z.object({ JobId: z.string(), CreationDate: text, IsCanceled: bool, JobType: text })),
  IsTruncated: bool,
});
export type ListJobsOutput = z.output<typeof listJobsOutput>;
export type ListJobsEntry = ListJobsOutput['Jobs'][number];

const getStatusOutput = z.object({
  JobId: z.string(),
  JobType: text,
  LocationCode: text,
  LocationMessage: text,
  ProgressCode: text,
  ProgressMessage: text,
  Carrier: text,
  TrackingNumber: text,
  LogBucket: text,
  LogKey: text,
  ErrorCount: integer,
  Signature: text,
  SignatureFileContents: text,
  CurrentManifest: text,
  CreationDate: text,
  ArtifactList: members(artifact),
});
export type GetStatusOutput = z.output<typeof getStatusOutput>;

const createJobOutput = z.object({
  JobId: text,
  JobType: text,
  Signature: text,
  SignatureFileContents: text,
  WarningMessage: text,
  ArtifactList: members(artifact),
});
export type CreateJobOutput = z.output<typeof createJobOutput>;

const updateJobOutput = z.object({ Success: bool, WarningMessage: text, ArtifactList: members(artifact) });
export type UpdateJobOutput = z.output<typeof updateJobOutput>;

const cancelJobOutput = z.object({ Success: bool });
export type CancelJobOutput = z.output<typeof cancelJobOutput>;

const getShippingLabelOutput = z.object({ ShippingLabelURL: text, Warning: text });
export type GetShippingLabelOutput = z.output<typeof getShippingLabelOutput>;

const OUTPUTS = {
  ListJobs: listJobsOutput,
  GetStatus: getStatusOutput,
  CreateJob: createJobOutput,
  UpdateJob: updateJobOutput,
  CancelJob: cancelJobOutput,
  GetShippingLabel: getShippingLabelOutput,
} as const satisfies Record<Operation, z.ZodType>;
export type OutputOf<O extends Operation> = z.output<(typeof OUTPUTS)[O]>;

/** A successful answer's `<{Op}Result>`, typed; undefined when the body is not one. */
export function decodeResult<O extends Operation>(operation: O, body: string): OutputOf<O> | undefined {
  const doc = parseXml(body);
  const parsed = doc ? OUTPUTS[operation].safeParse(resultElement(doc, operation)) : undefined;
  return parsed?.success ? (parsed.data as OutputOf<O>) : undefined;
}

// --- errors ---

/** The codes aws-sdk v2 itself treats as throttling (SDK_WIRE.md §1.6), and the daily create quota. */
const THROTTLING_CODES = [
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
  // A daily quota: the same request works again tomorrow, so it is a rate limit, not bad input.
  'CreateJobQuotaExceededException',
];
const AUTH_CODES = [
  'InvalidClientTokenId',
  'InvalidClientTokenIdException',
  'SignatureDoesNotMatch',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'AuthFailure',
  'ExpiredToken',
  'OptInRequired',
];
/** Problems with the manifest or the request's values: the caller can fix them. */
const INPUT_CODES = [
  'BucketPermissionException',
  'InvalidAddressException',
  'InvalidCustomsException',
  'InvalidFileSystemException',
  'InvalidManifestFieldException',
  'InvalidParameterException',
  'MalformedManifestException',
  'MissingCustomsException',
  'MissingManifestFieldException',
  'MissingParameterException',
  'MultipleRegionsException',
  'NoSuchBucketException',
];
const GONE_CODES = ['CanceledJobIdException', 'ExpiredJobIdException'] as const;
export type GoneCode = (typeof GONE_CODES)[number];
export const isGoneCode = (code: string | undefined): code is GoneCode => GONE_CODES.includes(code as GoneCode);

/** What AWS's codes mean (the classification in the SDK does the rest). */
const FAILURE_CODES: ProviderCodeTable = {
  throttling: THROTTLING_CODES,
  auth: AUTH_CODES,
  notFound: ['InvalidJobIdException'],
  // A cancelled or expired job cannot be changed any more; on GetStatus the client turns these into states.
  state: ['UnableToCancelJobIdException', 'UnableToUpdateJobIdException', ...GONE_CODES],
  input: INPUT_CODES,
  configuration: ['InvalidVersionException', 'InvalidAction'],
  // Every service exception comes as 400: one the table does not know is no proof that the input was wrong.
  statuses: { 400: ErrorCode.PROVIDER_ERROR },
};
/**
 * On CreateJob/UpdateJob, InvalidAccessKeyIdException means that the manifest's accessKeyId is not the signing
 * key (model docs), which the caller can fix; anywhere else it can only be the credentials.
 */
const MANIFEST_OPERATIONS: readonly Operation[] = ['CreateJob', 'UpdateJob'];
const MANIFEST_FAILURE_CODES: ProviderCodeTable = {
  ...FAILURE_CODES,
  input: [...INPUT_CODES, 'InvalidAccessKeyIdException'],
};
const OTHER_FAILURE_CODES: ProviderCodeTable = {
  ...FAILURE_CODES,
  auth: [...AUTH_CODES, 'InvalidAccessKeyIdException'],
};

/** The code table for an operation's failures. */
export const failureCodesFor = (operation: Operation): ProviderCodeTable =>
  MANIFEST_OPERATIONS.includes(operation) ? MANIFEST_FAILURE_CODES : OTHER_FAILURE_CODES;
