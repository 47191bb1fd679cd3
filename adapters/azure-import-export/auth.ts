/**
 * Bearer tokens for Azure Resource Manager: a static token (the sandbox prints one), or Entra ID through
 * @azure/identity (client secret or DefaultAzureCredential), cached until shortly before it expires and
 * bounded by the call timeout like every provider call.
 */
import type { TokenCredential } from '@azure/identity';
import { ErrorCode, ProviderError, untilAborted } from '../../src/sdk/index.js';
import { type AccountConfig, KIND } from './config.js';

/** Refresh an AAD token this long before it expires, so no call starts with a token about to lapse. */
const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/** A bearer token per call: static (sandbox), or from Entra ID, cached until shortly before it expires. */
export interface BearerTokenSource {
  token(signal: AbortSignal): Promise<string>;
}

export function credentialTokenSource(
  credential: TokenCredential | (() => Promise<TokenCredential>),
  scope: string,
  account: string,
  now: () => number,
  /** Like every provider call: a token endpoint that does not answer must not hold a poller forever. */
  timeoutMs = 15_000,
): BearerTokenSource {
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = async (callerSignal: AbortSignal): Promise<string> => {
    let result: Awaited<ReturnType<TokenCredential['getToken']>>;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([callerSignal, timeout]);
    try {
      const source = typeof credential === 'function' ? await credential() : credential;
      result = await untilAborted(source.getToken(scope, { abortSignal: signal }), signal);
    } catch (error) {
      if (callerSignal.aborted) throw callerSignal.reason ?? error;
      if (timeout.aborted) {
        throw new ProviderError({
          account,
          provider: KIND,
          code: ErrorCode.PROVIDER_UNAVAILABLE,
          message: `Entra ID did not issue a token within ${timeoutMs} ms`,
          retryable: true,
          cause: error,
        });
      }
      // The credential's message may name the tenant or the app; the code says enough.
      const name = (error as Error)?.name ?? 'CredentialError';
      throw new ProviderError({
        account,
        provider: KIND,
        code: ErrorCode.PROVIDER_AUTH_FAILED,
        message: `could not get an Entra ID token for Azure Resource Manager (${name})`,
        providerCode: name,
        cause: error,
      });
    }
    if (!result) {
      throw new ProviderError({
        account,
        provider: KIND,
        code: ErrorCode.PROVIDER_AUTH_FAILED,
        message: 'the Azure credential returned no token',
        providerCode: 'NoToken',
      });
    }
    const refreshAt = Math.min(
      result.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY,
      result.expiresOnTimestamp - TOKEN_REFRESH_MARGIN_MS,
    );
    cached = { token: result.token, refreshAt };
    return result.token;
  };
  return {
    async token(signal) {
      if (cached && now() < cached.refreshAt) return cached.token;
      // One token request at a time: a burst of calls shares it.
      pending ??= fetchToken(signal).finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}

export function tokenSourceFor(config: AccountConfig, now: () => number, timeoutMs: number): BearerTokenSource {
  if (config.token) {
    const token = config.token;
    return { token: async () => token };
  }
  const settings = config.credential;
  // Loaded on first use: the sandbox and static tokens never need the identity stack (MSAL).
  let credential: Promise<TokenCredential> | undefined;
  const load = () => {
    credential ??= import('@azure/identity').then((identity) =>
      settings === 'default' || settings === undefined
        ? new identity.DefaultAzureCredential()
        : new identity.ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret),
    );
    return credential;
  };
  // ARM's audience is its own origin: https://management.azure.com/.default in the public cloud.
  return credentialTokenSource(load, `${new URL(config.endpoint).origin}/.default`, config.account, now, timeoutMs);
}
