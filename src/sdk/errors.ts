import { ErrorCode } from '../generated/enums.js';

/** The public error codes (schema/common.graphql, through codegen): every GraphQL error carries one in `extensions.code`. */
export { ErrorCode };

export interface ProviderErrorInit {
  account: string;
  provider: string;
  code: ErrorCode;
  message: string;
  providerCode?: string | undefined;
  status?: number | undefined;
  retryable?: boolean;
  /** Seconds the provider asked us to wait (Retry-After). */
  retryAfterSeconds?: number | undefined;
  cause?: unknown;
}

/**
 * A provider answered with an error, or could not be reached. Messages are written by adapters from the
 * provider's answer and must not carry secrets (adapters build them from codes and ids, never from requests).
 */
export class ProviderError extends Error {
  readonly account: string;
  readonly provider: string;
  readonly code: ErrorCode;
  readonly providerCode: string | undefined;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: ProviderErrorInit) {
    super(init.message, { cause: init.cause });
    this.name = 'ProviderError';
    this.account = init.account;
    this.provider = init.provider;
    this.code = init.code;
    this.providerCode = init.providerCode;
    this.status = init.status;
    this.retryable = init.retryable ?? false;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** Chooses the public code for a provider HTTP status when the adapter has nothing more specific. */
export function errorCodeForStatus(status: number | undefined): ErrorCode {
  if (status === undefined) return ErrorCode.PROVIDER_UNAVAILABLE;
  if (status === 401 || status === 403) return ErrorCode.PROVIDER_AUTH_FAILED;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 429) return ErrorCode.RATE_LIMITED;
  if (status >= 500) return ErrorCode.PROVIDER_UNAVAILABLE;
  return ErrorCode.PROVIDER_ERROR;
}

/**
 * A failure the gateway itself reports with a public code (a malformed cursor, an unknown account, an expired
 * cursor). Plain data, so the layers below the GraphQL edge need no graphql; the edge turns it into a
 * GraphQL error with `extensions.code`.
 */
export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

export function gatewayError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GatewayError {
  return new GatewayError(code, message, extensions);
}
