/**
 * Turns the credentials a caller presents (`Authorization: Bearer …` on HTTP, `authorization` in a websocket's
 * connection_init payload) into a Principal. API keys are compared by SHA-256 digest in constant time, every
 * configured key each time; JWTs are verified with jose (issuer, audience, expiry with clock tolerance; JWKS
 * fetched again when a token names a key id it does not know, so the issuer can rotate keys).
 */
import { timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, importSPKI, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { ErrorCode, GatewayError } from '../sdk/errors.js';
import type { ApiKeyEntry, AuthConfig, JwtConfig } from './config.js';
import { sha256Hex } from './config.js';
import { type AccountGrant, createPrincipal, OPEN_PRINCIPAL, type Principal, ROLES, type Role } from './principal.js';

export interface Authenticator {
  /** False on an open gateway: every caller is the anonymous admin, credentials are not looked at. */
  readonly required: boolean;
  /** `authorization`: the header value (`Bearer <API key or JWT>`), or undefined when none was sent. */
  authenticate(authorization: string | undefined): Promise<Principal>;
}

export const unauthenticated = (message: string) => new GatewayError(ErrorCode.UNAUTHENTICATED, message);

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

type Verifier = (token: string) => Promise<JWTPayload>;

function apiKeyMatcher(keys: readonly ApiKeyEntry[]) {
  const digests = keys.map((k) => ({ entry: k, digest: Buffer.from(k.sha256, 'hex') }));
  return (presented: string): ApiKeyEntry | undefined => {
    const digest = Buffer.from(sha256Hex(presented), 'hex');
    let found: ApiKeyEntry | undefined;
    // Every key is compared, whichever matches: the time taken does not say which key is close.
    for (const { entry, digest: known } of digests) if (timingSafeEqual(digest, known) && !found) found = entry;
    return found;
  };
}

async function jwtVerifier(config: JwtConfig): Promise<Verifier> {
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: config.clockToleranceSeconds,
    ...(config.algorithms ? { algorithms: config.algorithms } : {}),
  };
  if (config.secret !== undefined) {
    const secret = new TextEncoder().encode(config.secret);
    const algorithms = config.algorithms ?? ['HS256', 'HS384', 'HS512'];
    return async (token) => (await jwtVerify(token, secret, { ...options, algorithms })).payload;
  }
  if (config.publicKey !== undefined) {
    const algorithm = config.algorithms?.[0] ?? 'RS256';
    const key = await importSPKI(config.publicKey, algorithm);
    return async (token) =>
      (await jwtVerify(token, key, { ...options, algorithms: config.algorithms ?? [algorithm] })).payload;
  }
  const jwks = createRemoteJWKSet(new URL(config.jwksUri as string), {
    cooldownDuration: config.jwksCooldownMs,
    timeoutDuration: config.jwksTimeoutMs,
  });
  return async (token) => (await jwtVerify(token, jwks, options)).payload;
}

function jwtFailure(error: unknown): GatewayError {
  if (error instanceof joseErrors.JWTExpired) return unauthenticated('The token has expired.');
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return unauthenticated(`The token's "${error.claim}" claim is not accepted.`);
  if (error instanceof joseErrors.JWKSNoMatchingKey) return unauthenticated('The token is signed by an unknown key.');
  // A timeout or a network failure fetching the JWKS is not the token's fault; say so.
  if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError))
    return unauthenticated('The token could not be verified now (the issuer keys are unreachable).');
  return unauthenticated('The token is not valid.');
}

function accountsFromClaim(value: unknown): AccountGrant | undefined {
  if (value === undefined || value === '*') return '*';
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

function principalFromClaims(payload: JWTPayload, config: JwtConfig): Principal {
  const role = payload[config.roleClaim];
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role))
    throw unauthenticated(`The token's "${config.roleClaim}" claim must be one of ${ROLES.join(', ')}.`);
  const accounts = accountsFromClaim(payload[config.accountsClaim]);
  if (!accounts) throw unauthenticated(`The token's "${config.accountsClaim}" claim must list account names.`);
  const name = payload[config.nameClaim];
  if (typeof name !== 'string' || name === '')
    throw unauthenticated(`The token has no "${config.nameClaim}" claim naming the caller.`);
  return createPrincipal({ name: name.slice(0, 200), role: role as Role, accounts, via: 'jwt' });
}

/** The authenticator for a config's `auth` section (undefined or `mode: none`: open). */
export async function createAuthenticator(config: AuthConfig | undefined): Promise<Authenticator> {
  if (!config || config.mode === 'none') return { required: false, authenticate: async () => OPEN_PRINCIPAL };
  const matchKey = apiKeyMatcher(config.apiKeys);
  const verifyJwt = config.jwt ? await jwtVerifier(config.jwt) : undefined;
  const jwt = config.jwt;
  return {
    required: true,
    async authenticate(authorization) {
      if (!authorization)
        throw unauthenticated('Authentication required: send Authorization: Bearer <API key or JWT>.');
      const match = /^Bearer\s+(\S{1,8192})\s*$/i.exec(authorization);
      if (!match) throw unauthenticated('Malformed credentials: send Authorization: Bearer <API key or JWT>.');
      const token = match[1] as string;
      const key = matchKey(token);
      if (key) return createPrincipal({ name: key.name, role: key.role, accounts: key.accounts, via: 'api-key' });
      if (verifyJwt && jwt && JWT_SHAPE.test(token)) {
        let payload: JWTPayload;
        try {
          payload = await verifyJwt(token);
        } catch (error) {
          throw jwtFailure(error);
        }
        return principalFromClaims(payload, jwt);
      }
      throw unauthenticated('Invalid credentials.');
    },
  };
}
