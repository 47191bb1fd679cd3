/**
 * The manifest (YAML, AWS Import/Export Developer Guide "manifest file" pages) and the GraphQL input
 * branches: parsed and checked before any provider call, each problem named by its path and by the
 * error code the service would answer with. The simulator checks manifests with the same rules, so the
 * gateway and the sandbox never disagree about what a valid manifest is.
 */
import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';
import { z } from 'zod';
import {
  formatFieldPath,
  type InputProblem,
  InvalidInputError,
  type ParsedUpdate,
  parseInput,
} from '../../src/sdk/index.js';
import type { AwsJobType } from './wire.js';

export type ManifestErrorCode =
  | 'MalformedManifestException'
  | 'MissingManifestFieldException'
  | 'InvalidManifestFieldException'
  | 'InvalidAddressException'
  | 'InvalidFileSystemException'
  | 'InvalidCustomsException';

export interface ManifestProblem {
  /** Path inside the manifest (`returnAddress.city`, `operations[0].exportBucket`); '' for the whole text. */
  path: string;
  code: ManifestErrorCode;
  message: string;
}

/** A manifest as parsed with YAML's failsafe schema: every scalar a string, as the service reads them. */
export type ManifestFields = { [name: string]: ManifestValue };
export type ManifestValue = string | ManifestValue[] | { [name: string]: ManifestValue };

/**
 * The guide's own examples write `key:value` without a space (`manifestVersion:2.0`), which YAML reads
 * as one plain scalar. The service accepted both spellings, so a key at the start of a line (or of a list
 * item) followed directly by a colon gets its space before the text is handed to the YAML parser.
 */
export function normalizeManifestText(text: string): string {
  return text.replace(/^(\s*(?:-\s+)?)([A-Za-z][A-Za-z0-9_]*):(?=[^\s:])/gm, '$1$2: ');
}

export function parseManifest(text: string): { fields: ManifestFields } | { problem: ManifestProblem } {
  const malformed = (message: string) => ({
    problem: { path: '', code: 'MalformedManifestException' as const, message },
  });
  if (!text.trim()) return malformed('the manifest is empty');
  const doc = YAML.parseDocument(normalizeManifestText(text), { schema: 'failsafe' });
  if (doc.errors.length > 0) {
    const at = doc.errors[0]?.linePos?.[0];
    return malformed(`not well-formed YAML${at ? ` (line ${at.line}, column ${at.col})` : ''}`);
  }
  const value: unknown = doc.toJS();
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return malformed('the manifest must be a set of name-value pairs');
  }
  return { fields: value as ManifestFields };
}

/** Renders fields back to YAML for the wire; failsafe keeps `2.0` and `no` unquoted, as the guide writes them. */
export function renderManifest(fields: ManifestFields): string {
  return YAML.stringify(fields, { schema: 'failsafe', lineWidth: 0 });
}

export const sameManifest = (a: ManifestFields, b: ManifestFields): boolean => isDeepStrictEqual(a, b);

// --- field rules ---

/**
 * S3 bucket names. Legacy US Standard buckets allowed upper case and underscores (the guide's own example
 * is `myBucket`), so this accepts them; the simulator warns about them as the service did.
 */
const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;
/** IAM's pattern for access key ids. */
const ACCESS_KEY_ID = /^\w{16,128}$/;
const EMAIL = /^[^@\s;]+@[^@\s;]+\.[^@\s;]+$/;
/** S3 canned ACLs. */
const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
] as const;
/** Export file systems (the guide names NTFS; the others are **unverified** and accepted leniently). */
const EXPORT_FILE_SYSTEMS = ['NTFS', 'FAT32', 'EXT2', 'EXT3', 'EXT4'] as const;
/** The log key is `logPrefix + export-log-JOBID` and must fit in 1024 bytes; job ids are 5 characters. */
const MAX_LOG_PREFIX_BYTES = 1024 - 'export-log-'.length - 5;

const required = z.string({ error: 'is required' }).refine((v) => v.trim().length > 0, 'must not be empty');
const optional = z.string({ error: 'must be a single value' }).optional();
const bucket = z.string({ error: 'is required' }).regex(BUCKET_NAME, 'must be an S3 bucket name');

const returnAddress = z.object(
  {
    name: required,
    company: optional,
    street1: required,
    street2: optional,
    street3: optional,
    city: required,
    stateOrProvince: optional,
    postalCode: optional,
    phoneNumber: required,
    country: required,
  },
  { error: 'must be a set of address fields' },
);

const common = {
  manifestVersion: z.literal('2.0', {
    error: 'must be 2.0 for Amazon S3 import and export; EBS import (version 3.0) is not supported',
  }),
  /** Optional in the gateway's input: the adapter fills in the account's own key id when it is absent. */
  accessKeyId: z.string().regex(ACCESS_KEY_ID, 'must be an AWS access key id').optional(),
  deviceId: required,
  generator: optional,
  logPrefix: optional.refine(
    (v) => v === undefined || Buffer.byteLength(v, 'utf8') <= MAX_LOG_PREFIX_BYTES,
    `must be at most ${MAX_LOG_PREFIX_BYTES} bytes (the log key may not exceed 1024 bytes)`,
  ),
  notificationEmail: optional.refine(
    (v) => !v || v.split(';').every((address) => EMAIL.test(address.trim())),
    'must be e-mail addresses separated by semicolons',
  ),
  serviceLevel: z
    .enum(['standard', 'expeditedShipping'], { error: 'must be standard or expeditedShipping' })
    .optional(),
  returnAddress,
  // Sub-fields are not documented in the material we have; the service checks them.
  customs: z.record(z.string(), z.unknown(), { error: 'must be a set of customs fields' }).optional(),
};

const importManifest = z.looseObject({
  ...common,
  bucket,
  logBucket: bucket.optional(),
  eraseDevice: z
    .string()
    .regex(/^(yes|no)$/i, 'must be yes or no')
    .optional(),
  acl: z.enum(CANNED_ACLS, { error: 'must be an S3 canned ACL' }).optional(),
  trueCryptPassword: optional,
});

const exportManifest = z.looseObject({
  ...common,
  logBucket: bucket,
  fileSystem: z.enum(EXPORT_FILE_SYSTEMS, { error: `must be one of ${EXPORT_FILE_SYSTEMS.join(', ')}` }),
  operations: z
    .array(z.looseObject({ exportBucket: bucket, prefix: optional, beginMarker: optional, endMarker: optional }), {
      error: 'must be a list of export operations',
    })
    .min(1, 'must list at least one export operation'),
});

/** Fields that belong to one job type only; in the other they are a mistake the service rejects. */
const IMPORT_ONLY = ['bucket', 'eraseDevice', 'acl'] as const;
const EXPORT_ONLY = ['fileSystem', 'operations'] as const;

function valueAt(fields: unknown, path: readonly PropertyKey[]): unknown {
  let current = fields;
  for (const part of path) {
    if (!current || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function codeFor(path: readonly PropertyKey[], missing: boolean): ManifestErrorCode {
  const [top] = path;
  if (top === 'returnAddress' && path.length > 1) return 'InvalidAddressException';
  if (missing) return 'MissingManifestFieldException';
  if (top === 'fileSystem') return 'InvalidFileSystemException';
  if (top === 'customs') return 'InvalidCustomsException';
  if (top === 'returnAddress') return 'InvalidAddressException';
  return 'InvalidManifestFieldException';
}

/** Every problem of a parsed manifest for the job type, each with the service's error code. */
export function checkManifest(fields: ManifestFields, jobType: AwsJobType): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const result = (jobType === 'Import' ? importManifest : exportManifest).safeParse(fields);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const missing = valueAt(fields, issue.path) === undefined;
      problems.push({
        path: formatFieldPath(issue.path),
        code: codeFor(issue.path, missing),
        message: missing ? 'is required' : issue.message,
      });
    }
  }
  const foreign = jobType === 'Import' ? EXPORT_ONLY : IMPORT_ONLY;
  for (const name of foreign) {
    if (fields[name] !== undefined) {
      problems.push({
        path: name,
        code: 'InvalidManifestFieldException',
        message: `belongs in ${jobType === 'Import' ? 'export' : 'import'} manifests only`,
      });
    }
  }
  return problems;
}

// --- GraphQL input branches ---

export interface AwsCreateJobInput {
  jobType: AwsJobType;
  manifest: ManifestFields;
  manifestAddendum: string | null;
}

export interface AwsUpdatePatch {
  jobType: AwsJobType;
  manifest: ManifestFields;
}

const jobTypeInput = z.enum(['IMPORT', 'EXPORT'], { error: 'must be IMPORT or EXPORT' });
const manifestInput = z.string({ error: 'is required' }).min(1, 'must not be empty');

const createInput = z.object({
  jobType: jobTypeInput,
  manifest: manifestInput,
  manifestAddendum: z.string({ error: 'must be a string' }).nullish(),
});
const updateInput = z.object({ jobType: jobTypeInput, manifest: manifestInput });

const toAwsJobType = (t: 'IMPORT' | 'EXPORT'): AwsJobType => (t === 'IMPORT' ? 'Import' : 'Export');

/** Messages carry the service's error code and never the value (a manifest may hold a TrueCrypt password). */
function manifestProblems(text: string, jobType: AwsJobType): { fields?: ManifestFields; problems: InputProblem[] } {
  const parsed = parseManifest(text);
  const problems = 'problem' in parsed ? [parsed.problem] : checkManifest(parsed.fields, jobType);
  return {
    ...('fields' in parsed ? { fields: parsed.fields } : {}),
    problems: problems.map((p) => ({
      field: p.path ? `manifest.${p.path}` : 'manifest',
      message: `${p.message} (${p.code})`,
      providerCode: p.code,
    })),
  };
}

function parseBranch<T extends { jobType: 'IMPORT' | 'EXPORT'; manifest: string }>(
  schema: z.ZodType<T>,
  input: unknown,
): { data: T; jobType: AwsJobType; manifest: ManifestFields } {
  const data = parseInput(schema, input ?? {}, 'input');
  const jobType = toAwsJobType(data.jobType);
  const { fields, problems } = manifestProblems(data.manifest, jobType);
  if (problems.length > 0 || !fields) throw new InvalidInputError(problems);
  return { data, jobType, manifest: fields };
}

export function parseCreate(input: unknown): AwsCreateJobInput {
  const { data, jobType, manifest } = parseBranch(createInput, input);
  return { jobType, manifest, manifestAddendum: data.manifestAddendum ?? null };
}

/** UpdateJob replaces the whole manifest; the service requires the job type with it. */
export function parseUpdate(input: unknown): ParsedUpdate<AwsUpdatePatch> {
  const { jobType, manifest } = parseBranch(updateInput, input);
  return { action: 'UPDATE', patch: { jobType, manifest } };
}

/** The manifest as sent: the account's own key id filled in where the caller left it out. */
export function withAccessKeyId(fields: ManifestFields, accessKeyId: string): ManifestFields {
  if (fields.accessKeyId !== undefined) return fields;
  const { manifestVersion, ...rest } = fields;
  return manifestVersion === undefined ? { accessKeyId, ...rest } : { manifestVersion, accessKeyId, ...rest };
}
