import { GraphQLError } from 'graphql';

/** The public error codes; every GraphQL error carries one in `extensions.code`. Mirrored in schema/errors.graphql. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  NOT_ALLOWED_IN_STATE: 'NOT_ALLOWED_IN_STATE',
  UNSUPPORTED: 'UNSUPPORTED',
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  PROVIDER_UNAVAILABLE: 'PROVIDER_UNAVAILABLE',
  PROVIDER_AUTH_FAILED: 'PROVIDER_AUTH_FAILED',
  PROVIDER_ERROR: 'PROVIDER_ERROR',
  RATE_LIMITED: 'RATE_LIMITED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  CURSOR_EXPIRED: 'CURSOR_EXPIRED',
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

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

export function gatewayError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** Turns anything thrown below a resolver into a GraphQLError with a public code and no internals. */
export function toGraphQLError(error: unknown, path?: readonly (string | number)[]): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof ProviderError) {
    return new GraphQLError(`${error.account}: ${error.message}`, {
      path,
      extensions: {
        code: error.code,
        account: error.account,
        provider: error.provider,
        ...(error.providerCode ? { providerCode: error.providerCode } : {}),
        ...(error.status ? { providerStatus: error.status } : {}),
        ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
      },
    });
  }
  return new GraphQLError('Internal error', { path, extensions: { code: ErrorCode.INTERNAL } });
}
