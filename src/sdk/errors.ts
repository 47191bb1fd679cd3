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
  /** The provider may have done what was asked (see classifyFailure); false unless the classification says so. */
  outcomeUnknown?: boolean;
  cause?: unknown;
}

/**
 * A provider answered with an error, or could not be reached. Messages are written by adapters from the
 * provider's answer and must not carry secrets (adapters build them from codes and ids, never from requests).
 * Adapters build it with `providerFailure` (failures.ts), so code, retryability and outcome follow one rule.
 */
export class ProviderError extends Error {
  readonly account: string;
  readonly provider: string;
  readonly code: ErrorCode;
  readonly providerCode: string | undefined;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  /** The provider may have done it anyway: a create failing so must be looked for, not repeated. */
  readonly outcomeUnknown: boolean;

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
    this.outcomeUnknown = init.outcomeUnknown ?? false;
  }
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
