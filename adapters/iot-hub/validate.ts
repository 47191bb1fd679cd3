/**
 * `createJob(input: { iotHub: ... })` → the body of IoT Hub's POST /jobs/create, checked before any provider
 * call. Every problem names its field (relative to `iotHub`) and never quotes the value: container URIs
 * carry SAS tokens. IoT Hub has no update operation, so there is no parseUpdate.
 */
import { z } from 'zod';
import { type InputProblem, InvalidInputError, inputErrorMap } from '../../src/sdk/index.js';
import type { CreateJobRequest } from './wire.js';

const blobName = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .refine((name) => !name.startsWith('/') && !name.endsWith('/'), 'must not start or end with "/"');

const fields = {
  type: z.enum(['IMPORT', 'EXPORT'], { error: 'must be IMPORT or EXPORT' }).nullish(),
  inputBlobContainerUri: z.string({ error: 'must be a string' }).nullish(),
  inputBlobName: blobName.nullish(),
  outputBlobContainerUri: z.string({ error: 'must be a string' }).nullish(),
  outputBlobName: blobName.nullish(),
  excludeKeysInExport: z.boolean({ error: 'must be a boolean' }).nullish(),
  includeConfigurations: z.boolean({ error: 'must be a boolean' }).nullish(),
  configurationsBlobName: blobName.nullish(),
  storageAuthenticationType: z
    .enum(['KEY_BASED', 'IDENTITY_BASED'], { error: 'must be KEY_BASED or IDENTITY_BASED' })
    .nullish(),
  userAssignedIdentity: z.string({ error: 'must be a string' }).nullish(),
};
type Fields = { [K in keyof typeof fields]?: NonNullable<z.infer<(typeof fields)[K]>> };

/** Azure container names: 3–63 lowercase letters, digits and single hyphens, starting with a letter or digit. */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;
const USER_ASSIGNED_IDENTITY =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i;

/**
 * What is wrong with a blob container URI, or null. A key-based job needs a SAS in the URI (IoT Hub has no
 * other way to reach the container); an identity-based one does not.
 */
function containerUriProblem(value: string, keyBased: boolean, access: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL of a blob container, e.g. https://<account>.blob.core.windows.net/<container>';
  }
  if (url.protocol !== 'https:') return 'must be an https URL (IoT Hub reaches blob storage over TLS only)';
  if (url.username || url.password) return 'must not contain user credentials';
  if (url.hash) return 'must not contain a fragment (#...)';
  const segments = url.pathname.split('/').filter(Boolean);
  if (segments.length !== 1) {
    return 'must name exactly one blob container, e.g. https://<account>.blob.core.windows.net/<container>';
  }
  const container = segments[0]!;
  if (container !== '$root' && !CONTAINER_NAME.test(container)) {
    return 'names an invalid container (3–63 lowercase letters, digits and single hyphens)';
  }
  if (keyBased && !url.searchParams.get('sig')) {
    return (
      `needs a SAS token with ${access} access in its query string (...?sv=...&sig=...) for KEY_BASED ` +
      'authentication, or use storageAuthenticationType IDENTITY_BASED'
    );
  }
  return null;
}

/** Validates the `iotHub` branch of CreateJobInput; throws InvalidInputError listing every bad field. */
export function parseCreate(input: unknown): CreateJobRequest {
  const raw: Record<string, unknown> = input && typeof input === 'object' && !Array.isArray(input) ? { ...input } : {};
  const problems: InputProblem[] = [];
  const got: Fields = {};
  for (const key of Object.keys(raw)) {
    if (!(key in fields)) problems.push({ field: key, message: 'is not a field of IotHubCreateJobInput' });
  }
  for (const [key, schema] of Object.entries(fields)) {
    const result = (schema as z.ZodType).safeParse(raw[key], { error: inputErrorMap });
    if (result.success) {
      if (result.data !== null && result.data !== undefined) (got as Record<string, unknown>)[key] = result.data;
    } else {
      problems.push({ field: key, message: result.error.issues[0]?.message ?? 'is invalid' });
    }
  }
  const bad = new Set(problems.map((p) => p.field));
  const problem = (field: string, message: string) => {
    if (!bad.has(field)) problems.push({ field, message });
    bad.add(field);
  };

  if (!got.type && !bad.has('type')) problem('type', 'is required (IMPORT or EXPORT)');
  const isImport = got.type === 'IMPORT';
  const isExport = got.type === 'EXPORT';
  const keyBased = (got.storageAuthenticationType ?? 'KEY_BASED') === 'KEY_BASED';

  if (isImport && got.inputBlobContainerUri === undefined) {
    problem('inputBlobContainerUri', 'is required for an IMPORT job');
  }
  if (isExport) {
    if (got.inputBlobContainerUri !== undefined) problem('inputBlobContainerUri', 'is for IMPORT jobs only');
    if (got.inputBlobName !== undefined) problem('inputBlobName', 'is for IMPORT jobs only');
  }
  if (isImport && got.excludeKeysInExport !== undefined) problem('excludeKeysInExport', 'is for EXPORT jobs only');
  if (got.outputBlobContainerUri === undefined && !bad.has('outputBlobContainerUri')) {
    problem('outputBlobContainerUri', 'is required (EXPORT writes the devices there, IMPORT its error log)');
  }
  if (got.inputBlobContainerUri !== undefined) {
    const message = containerUriProblem(got.inputBlobContainerUri, keyBased, 'read');
    if (message) problem('inputBlobContainerUri', message);
  }
  if (got.outputBlobContainerUri !== undefined) {
    const message = containerUriProblem(got.outputBlobContainerUri, keyBased, 'write, read and delete');
    if (message) problem('outputBlobContainerUri', message);
  }
  if (got.configurationsBlobName !== undefined && got.includeConfigurations !== true) {
    problem('configurationsBlobName', 'is used only with includeConfigurations: true');
  }
  if (got.userAssignedIdentity !== undefined) {
    if (keyBased) problem('userAssignedIdentity', 'is used only with storageAuthenticationType IDENTITY_BASED');
    else if (!USER_ASSIGNED_IDENTITY.test(got.userAssignedIdentity)) {
      problem(
        'userAssignedIdentity',
        'must be the resource id of a user-assigned identity: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>',
      );
    }
  }
  if (problems.length) throw new InvalidInputError(problems);

  // Field order and spelling as the SDK sends them (SDK_WIRE.md §3.2); the Swagger's camelCase enum values.
  const request: CreateJobRequest = {
    type: isImport ? 'import' : 'export',
    ...(isImport ? { inputBlobContainerUri: got.inputBlobContainerUri! } : {}),
    ...(got.inputBlobName !== undefined ? { inputBlobName: got.inputBlobName } : {}),
    outputBlobContainerUri: got.outputBlobContainerUri!,
    ...(got.outputBlobName !== undefined ? { outputBlobName: got.outputBlobName } : {}),
    ...(isExport ? { excludeKeysInExport: got.excludeKeysInExport ?? false } : {}),
    storageAuthenticationType: keyBased ? 'keyBased' : 'identityBased',
    ...(got.includeConfigurations !== undefined ? { includeConfigurations: got.includeConfigurations } : {}),
    ...(got.configurationsBlobName !== undefined ? { configurationsBlobName: got.configurationsBlobName } : {}),
    ...(got.userAssignedIdentity !== undefined ? { identity: { userAssignedIdentity: got.userAssignedIdentity } } : {}),
  };
  return request;
}
