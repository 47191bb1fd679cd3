/**
 * The `auth` section of the config. Raw API keys are hashed while the config is parsed, so the parsed config
 * (and so the running gateway) keeps only SHA-256 digests of them.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ROLES } from './principal.js';

export const sha256Hex = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

const accountsSchema = z.union([z.literal('*'), z.array(z.string().min(1))]).default('*');

const apiKeySchema = z
  .object({
    /** Shown in audit lines and used for rate limits; never the key itself. */
    name: z.string().min(1).max(200),
    /** The key itself (use `${ENV}`); at least 24 characters. Hashed at once, never kept. */
    key: z.string().min(24, 'must be at least 24 characters (use a random key)').optional(),
    /** Or only its SHA-256, as 64 hex digits (`printf %s "$KEY" | sha256sum`). */
    keySha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits')
      .optional(),
    role: z.enum(ROLES),
    accounts: accountsSchema,
  })
  .strict()
  .refine((k) => (k.key === undefined) !== (k.keySha256 === undefined), {
    message: 'give exactly one of key or keySha256',
  })
  .transform(({ name, key, keySha256, role, accounts }) => ({
    name,
    sha256: (keySha256 ?? sha256Hex(key as string)).toLowerCase(),
    role,
    accounts,
  }));

const LOOPBACK_URL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const jwtSchema = z
  .object({
    /** Tokens must carry exactly this `iss`. */
    issuer: z.string().min(1),
    /** Tokens must carry this `aud` (one of these). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Where the issuer publishes its signing keys (JWKS); fetched again when a token names an unknown key. */
    jwksUri: z
      .url()
      .refine((u) => u.startsWith('https://') || LOOPBACK_URL_HOSTS.has(new URL(u).host.replace(/:\d+$/, '')), {
        message: 'must be https (plain http only on loopback)',
      })
      .optional(),
    /** Or one PEM public key (SPKI) ... */
    publicKey: z.string().includes('BEGIN PUBLIC KEY', { message: 'must be a PEM public key' }).optional(),
    /** ... or a shared HMAC secret (HS256/384/512), at least 32 characters. */
    secret: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Signature algorithms accepted (default: RS256, ES256, EdDSA for keys; HS256 for a secret). */
    algorithms: z.array(z.string().min(1)).min(1).optional(),
    /** Claim holding the role: viewer, operator or admin. */
    roleClaim: z.string().min(1).default('role'),
    /** Claim holding the account names (array, or space-separated string, or "*"); absent: every account. */
    accountsClaim: z.string().min(1).default('accounts'),
    /** Claim naming the caller in audit lines and rate limits. */
    nameClaim: z.string().min(1).default('sub'),
    /** Tolerated clock difference for exp/nbf/iat. */
    clockToleranceSeconds: z.number().int().min(0).max(600).default(60),
    /** Least time between two JWKS fetches triggered by unknown key ids. */
    jwksCooldownMs: z.number().int().min(0).max(3_600_000).default(30_000),
    /** A JWKS fetch is abandoned after this. */
    jwksTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  })
  .strict()
  .refine((j) => [j.jwksUri, j.publicKey, j.secret].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of jwksUri, publicKey or secret',
  });

export const authSchema = z.union([
  z.object({ mode: z.literal('none') }).strict(),
  z
    .object({
      mode: z.literal('required').default('required'),
      apiKeys: z.array(apiKeySchema).default([]),
      jwt: jwtSchema.optional(),
    })
    .strict()
    .refine((a) => a.apiKeys.length > 0 || a.jwt !== undefined, {
      message: 'list apiKeys, configure jwt, or write `mode: none` to run without authentication',
    }),
]);

export type AuthConfig = z.infer<typeof authSchema>;
export type RequiredAuthConfig = Extract<AuthConfig, { mode: 'required' }>;
export type JwtConfig = NonNullable<RequiredAuthConfig['jwt']>;
export type ApiKeyEntry = RequiredAuthConfig['apiKeys'][number];
