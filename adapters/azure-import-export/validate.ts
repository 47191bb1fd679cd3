/**
 * Validation of the `azureImportExport` input branches before any call to Azure, and their translation
 * into ARM request bodies. Pure. Every problem names its field relative to the branch
 * (`driveList[0].bitLockerKey`) and never repeats the value: BitLocker keys and carrier account numbers
 * pass through here.
 *
 * Sources of the rules: seed 004 (classic Put Job: drive fields, ten drives, Base16 MD5 manifest hash,
 * export blob paths and prefixes, 32 KB blob list, import XOR export), seed 001 (what a create needs),
 * the ARM spec (required address and carrier fields) and the ARM naming rules for
 * `Microsoft.ImportExport/jobs` (2-64 characters, alphanumerics and hyphens, starting with a letter).
 */
import { z } from 'zod';
import {
  type InputProblem,
  InvalidInputError,
  inputErrorMap,
  inputProblemsFromZod,
  type ParsedUpdate,
  parseInput,
  throwInputProblems,
} from '../../src/sdk/index.js';
import {
  type ArmDriveStatus,
  type ArmExport,
  type ArmPutJobParameters,
  type ArmUpdateJobParameters,
  MAX_DRIVES,
  RESOURCE_GROUP_NAME,
} from './wire.js';

/** What `parseCreate` hands to `createJob`: where the job goes and the PUT body. */
export interface AzureCreateRequest {
  name: string;
  /** Only when the input names one; otherwise the account's resource group is used. */
  resourceGroup?: string;
  body: ArmPutJobParameters;
}

export type AzureUpdatePatch = ArmUpdateJobParameters;

// ---- field rules ---------------------------------------------------------------------------------

const JOB_NAME = /^[A-Za-z][A-Za-z0-9-]{1,63}$/;
const STORAGE_ACCOUNT_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.(Classic)?Storage\/storageAccounts\/[a-z0-9]{3,24}$/i;
/** The drive's hardware serial number, without spaces (length cap is ours: serials are short). */
const DRIVE_ID = /^[\x21-\x7E]{1,64}$/;
/** Base16 MD5 (32 hex digits). The official ARM example carries 64 hex digits, so that length passes too. */
const MANIFEST_HASH = /^(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{64})$/;
/** A BitLocker recovery password: eight groups of six digits. */
const BITLOCKER_SHAPE = /^\d{6}(?:-\d{6}){7}$/;
const CONTAINER = /^(?:\$root|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$/;
const PHONE = /^\+?[0-9()\-. ]{4,30}$/;
/** Seed 004: a blob list larger than 32 KB must be given as a blob (blobListBlobPath). */
const MAX_BLOB_LIST_BYTES = 32 * 1024;
const MAX_TEXT = 256;

/**
 * Each group of a BitLocker recovery password is a multiple of 11 below 720896 (2^16 × 11): that is how
 * BitLocker checks a typed password, and every example key in the docs passes it. Hand-written: no
 * maintained package validates recovery passwords.
 */
export function isBitLockerRecoveryPassword(value: string): boolean {
  if (!BITLOCKER_SHAPE.test(value)) return false;
  return value.split('-').every((group) => {
    const n = Number(group);
    return n % 11 === 0 && n < 720_896;
  });
}

/** `container/blob`, with `$root` for the root container (seed 004, BlobPath and BlobListBlobPath). */
function blobPathProblem(path: string): string | null {
  if (path.startsWith('/')) return 'must start with the container name, not "/" (prefixes go in blobPathPrefix)';
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) return 'must be "container/blob" (use $root for the root container)';
  if (!CONTAINER.test(path.slice(0, slash))) return 'does not start with a valid container name';
  if (path.length > 1024 + 64) return 'is too long';
  return null;
}

/**
 * A prefix starts with "/" and then the whole or the start of a container name: "/" (everything),
 * "/bob" (containers bob, bobkids), "/bob/" (container bob), "/pictures/image" (blobs starting "image"),
 * "/$root/" (the root container) — the examples of seed 004.
 */
export function blobPrefixProblem(prefix: string): string | null {
  if (!prefix.startsWith('/')) return 'must start with "/" followed by the container name or its start';
  if (prefix === '/') return null;
  const rest = prefix.slice(1);
  const slash = rest.indexOf('/');
  const container = slash < 0 ? rest : rest.slice(0, slash);
  if (slash < 0) {
    if (container !== '$root' && !/^[a-z0-9-]{1,63}$/.test(container)) {
      return 'must continue with (the start of) a container name: lower-case letters, digits, hyphens or $root';
    }
  } else if (!CONTAINER.test(container)) {
    return 'names an invalid container before the "/"';
  }
  if (prefix.length > 1024 + 64) return 'is too long';
  return null;
}

const required = () => z.string().refine((s) => s.trim() !== '', 'is required');
const text = (max = MAX_TEXT) => required().refine((s) => s.length <= max, `must be at most ${max} characters`);
const optionalText = (max = MAX_TEXT) =>
  z
    .string()
    .refine((s) => s.length <= max, `must be at most ${max} characters`)
    .optional();

const addressSchema = z
  .object({
    recipientName: text(),
    streetAddress1: text(),
    streetAddress2: optionalText(),
    city: text(),
    stateOrProvince: optionalText(),
    postalCode: text(32),
    countryOrRegion: text(),
    phone: required().refine((s) => PHONE.test(s), 'must be a phone number (digits, spaces, + - ( ) .)'),
    email: required().pipe(z.email('must be an email address')),
  })
  .strict();

const returnShippingSchema = z
  .object({
    carrierName: text(64),
    carrierAccountNumber: text(64),
  })
  .strict();

const driveSchema = z
  .object({
    driveId: required().refine((s) => DRIVE_ID.test(s), 'must be the drive serial number without spaces (1-64)'),
    bitLockerKey: required().refine(
      isBitLockerRecoveryPassword,
      'must be a BitLocker recovery password: eight groups of six digits, each a multiple of 11',
    ),
    manifestFile: text(260).refine(
      (s) => !/^[A-Za-z]:/.test(s),
      'must be the path of the manifest relative to the drive root (no drive letter)',
    ),
    manifestHash: required().refine((s) => MANIFEST_HASH.test(s), 'must be the Base16 (hex) MD5 hash of the manifest'),
    driveHeaderHash: optionalText(4096),
  })
  .strict();

const blobListSchema = z
  .object({
    blobPath: z.array(z.string().superRefine(refineWith(blobPathProblem))).optional(),
    blobPathPrefix: z.array(z.string().superRefine(refineWith(blobPrefixProblem))).optional(),
  })
  .strict();

const exportSchema = z
  .object({
    blobList: blobListSchema.optional(),
    blobListBlobPath: z.string().superRefine(refineWith(blobPathProblem)).optional(),
  })
  .strict();

const encryptionKeySchema = z
  .object({
    kekType: z.enum(['MICROSOFT_MANAGED', 'CUSTOMER_MANAGED']),
    kekUrl: z
      .string()
      .refine((s) => /^https:\/\/[^/]+\/keys\/[^/]+(\/[^/]*)?$/.test(s), 'must be a Key Vault key URL')
      .optional(),
    kekVaultResourceId: z
      .string()
      .refine(
        (s) =>
          /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i.test(s),
        'must be the ARM id of a Key Vault',
      )
      .optional(),
  })
  .strict();

const logLevelSchema = z.enum(['ERROR', 'VERBOSE']);

const createSchema = z
  .object({
    name: required().refine(
      (s) => JOB_NAME.test(s),
      'must be 2-64 letters, digits and hyphens, starting with a letter',
    ),
    resourceGroup: z
      .string()
      .refine((s) => RESOURCE_GROUP_NAME.test(s), 'must be a resource group name (1-90 of letters, digits, _ - . ( ))')
      .optional(),
    location: text(64),
    type: z.enum(['IMPORT', 'EXPORT'], { error: 'must be IMPORT or EXPORT' }),
    storageAccountId: required().refine(
      (s) => STORAGE_ACCOUNT_ID.test(s),
      'must be the ARM id of a storage account (/subscriptions/…/resourceGroups/…/providers/Microsoft.Storage/storageAccounts/name)',
    ),
    returnAddress: addressSchema,
    returnShipping: returnShippingSchema.optional(),
    diagnosticsPath: z
      .string()
      .refine((s) => CONTAINER.test(s.split('/')[0] ?? ''), 'must start with a container name')
      .optional(),
    logLevel: logLevelSchema.optional(),
    backupDriveManifest: z.boolean().optional(),
    driveList: z.array(driveSchema).optional(),
    export: exportSchema.optional(),
    encryptionKey: encryptionKeySchema.optional(),
  })
  .strict();

const packageSchema = z
  .object({
    carrierName: text(64),
    trackingNumber: text(64),
    driveCount: z.number().int().min(1).max(MAX_DRIVES).optional(),
    shipDate: optionalText(64),
  })
  .strict();

const updateSchema = z
  .object({
    deliveryPackage: packageSchema.optional(),
    ship: z.boolean().optional(),
    returnAddress: addressSchema.optional(),
    returnShipping: returnShippingSchema.optional(),
    logLevel: logLevelSchema.optional(),
    backupDriveManifest: z.boolean().optional(),
  })
  .strict();

type CreateInput = z.infer<typeof createSchema>;
type UpdateInput = z.infer<typeof updateSchema>;

function refineWith(problem: (value: string) => string | null) {
  return (value: string, ctx: z.RefinementCtx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  };
}

// ---- problems -------------------------------------------------------------------------------------

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Rules across fields. Run on the raw input even when zod found field problems, so one answer lists
 * everything wrong (zod skips refinements of an object whose fields already failed).
 */
function crossFieldProblems(raw: Record<string, unknown>): InputProblem[] {
  const problems: InputProblem[] = [];
  const drives = raw.driveList;
  const exportSpec = raw.export;
  if (raw.type === 'IMPORT') {
    if (!Array.isArray(drives) || drives.length === 0) {
      problems.push({ field: 'driveList', message: 'an import job needs at least one drive' });
    }
    if (exportSpec !== undefined && exportSpec !== null) {
      problems.push({ field: 'export', message: 'must not be set for an import job' });
    }
  }
  if (raw.type === 'EXPORT') {
    if (Array.isArray(drives) && drives.length > 0) {
      problems.push({ field: 'driveList', message: 'must not be set for an export job (Azure lists the drives)' });
    }
    if (!isObject(exportSpec)) {
      problems.push({ field: 'export', message: 'an export job needs blobList or blobListBlobPath' });
    }
  }
  if (Array.isArray(drives)) {
    if (drives.length > MAX_DRIVES) {
      problems.push({ field: 'driveList', message: `a job takes at most ${MAX_DRIVES} drives` });
    }
    const seen = new Set<string>();
    drives.forEach((drive, index) => {
      const id = isObject(drive) && typeof drive.driveId === 'string' ? drive.driveId.toUpperCase() : undefined;
      if (id === undefined) return;
      if (seen.has(id)) problems.push({ field: `driveList[${index}].driveId`, message: 'appears twice in the job' });
      seen.add(id);
    });
  }
  if (isObject(exportSpec)) {
    const list = exportSpec.blobList;
    const hasList = list !== undefined && list !== null;
    const hasPath = exportSpec.blobListBlobPath !== undefined && exportSpec.blobListBlobPath !== null;
    if (hasList === hasPath) {
      problems.push({ field: 'export', message: 'set exactly one of blobList and blobListBlobPath' });
    }
    if (isObject(list)) {
      const count = (key: string) => (Array.isArray(list[key]) ? (list[key] as unknown[]).length : 0);
      if (count('blobPath') + count('blobPathPrefix') === 0) {
        problems.push({ field: 'export.blobList', message: 'list at least one blobPath or blobPathPrefix' });
      } else if (Buffer.byteLength(JSON.stringify(list)) > MAX_BLOB_LIST_BYTES) {
        problems.push({
          field: 'export.blobList',
          message: 'is larger than 32 KB: store the list in a blob and give blobListBlobPath instead',
        });
      }
    }
  }
  const key = raw.encryptionKey;
  if (isObject(key)) {
    const customer = key.kekType === 'CUSTOMER_MANAGED';
    for (const field of ['kekUrl', 'kekVaultResourceId'] as const) {
      const set = key[field] !== undefined && key[field] !== null;
      if (customer && !set)
        problems.push({ field: `encryptionKey.${field}`, message: 'is required for CUSTOMER_MANAGED' });
      if (!customer && set) problems.push({ field: `encryptionKey.${field}`, message: 'is only for CUSTOMER_MANAGED' });
    }
  }
  return problems;
}

// ---- translation ----------------------------------------------------------------------------------

const LOG_LEVEL = { ERROR: 'Error', VERBOSE: 'Verbose' } as const;

function armDrive(drive: NonNullable<CreateInput['driveList']>[number]): ArmDriveStatus {
  return {
    driveId: drive.driveId,
    bitLockerKey: drive.bitLockerKey,
    manifestFile: drive.manifestFile,
    manifestHash: drive.manifestHash.toUpperCase(),
    ...(drive.driveHeaderHash !== undefined ? { driveHeaderHash: drive.driveHeaderHash } : {}),
  };
}

function armExport(spec: NonNullable<CreateInput['export']>): ArmExport {
  if (spec.blobListBlobPath !== undefined) return { blobListBlobPath: spec.blobListBlobPath };
  return {
    blobList: {
      ...(spec.blobList?.blobPath ? { blobPath: spec.blobList.blobPath } : {}),
      ...(spec.blobList?.blobPathPrefix ? { blobPathPrefix: spec.blobList.blobPathPrefix } : {}),
    },
  };
}

/** GraphQL clients send `null` for fields they leave out; for these inputs null and absent mean the same. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

export function parseCreate(input: unknown): AzureCreateRequest {
  const cleaned = withoutNulls(input);
  const raw = isObject(cleaned) ? cleaned : {};
  const parsed = createSchema.safeParse(cleaned, { error: inputErrorMap });
  // Cross-field problems are listed too; for a field zod already named, its message wins.
  throwInputProblems([...inputProblemsFromZod(parsed.error), ...crossFieldProblems(raw)]);
  const data = parsed.data!;
  const body: ArmPutJobParameters = {
    location: data.location,
    properties: {
      storageAccountId: data.storageAccountId,
      jobType: data.type === 'IMPORT' ? 'Import' : 'Export',
      returnAddress: data.returnAddress,
      ...(data.returnShipping ? { returnShipping: data.returnShipping } : {}),
      ...(data.diagnosticsPath !== undefined ? { diagnosticsPath: data.diagnosticsPath } : {}),
      ...(data.logLevel ? { logLevel: LOG_LEVEL[data.logLevel] } : {}),
      ...(data.backupDriveManifest !== undefined ? { backupDriveManifest: data.backupDriveManifest } : {}),
      ...(data.type === 'IMPORT' ? { driveList: (data.driveList ?? []).map(armDrive) } : {}),
      ...(data.type === 'EXPORT' && data.export ? { export: armExport(data.export) } : {}),
      ...(data.encryptionKey
        ? {
            encryptionKey:
              data.encryptionKey.kekType === 'CUSTOMER_MANAGED'
                ? {
                    kekType: 'CustomerManaged',
                    kekUrl: data.encryptionKey.kekUrl,
                    kekVaultResourceID: data.encryptionKey.kekVaultResourceId,
                  }
                : { kekType: 'MicrosoftManaged' },
          }
        : {}),
    },
  };
  return { name: data.name, ...(data.resourceGroup ? { resourceGroup: data.resourceGroup } : {}), body };
}

/**
 * SHIP when the input tells Azure the package left (a delivery package, or `ship: true` for one reported
 * earlier): PATCH `state: "Shipping"`. Everything else — and a delivery package with `ship: false`, which
 * corrects what was reported — is an UPDATE.
 */
export function parseUpdate(input: unknown): ParsedUpdate<AzureUpdatePatch> {
  const data: UpdateInput = parseInput(updateSchema, withoutNulls(input));
  const ship = data.ship ?? data.deliveryPackage !== undefined;
  const properties: NonNullable<AzureUpdatePatch['properties']> = {
    ...(ship ? { state: 'Shipping' } : {}),
    ...(data.deliveryPackage ? { deliveryPackage: data.deliveryPackage } : {}),
    ...(data.returnAddress ? { returnAddress: data.returnAddress } : {}),
    ...(data.returnShipping ? { returnShipping: data.returnShipping } : {}),
    ...(data.logLevel ? { logLevel: LOG_LEVEL[data.logLevel] } : {}),
    ...(data.backupDriveManifest !== undefined ? { backupDriveManifest: data.backupDriveManifest } : {}),
  };
  if (Object.keys(properties).length === 0) {
    throw new InvalidInputError([
      {
        field: 'deliveryPackage',
        message:
          'nothing to change: set deliveryPackage, ship, returnAddress, returnShipping, logLevel or backupDriveManifest',
      },
    ]);
  }
  return { action: ship ? 'SHIP' : 'UPDATE', patch: { properties } };
}
