/**
 * The one classification of provider failures, for every adapter and the core: what a failed call means
 * (the public code), whether calling again may help (`retryable`, `retryAfterSeconds`) and whether the
 * provider may have done it anyway (`outcomeUnknown`). Adapters only say what their own error codes mean, in
 * a small table; the HTTP status decides the rest, the same way for every provider.
 */
import { ErrorCode, ProviderError } from './errors.js';

/**
 * A provider's own error codes, by what they mean. A code listed here decides the public code whatever the
 * HTTP status (AWS answers throttling with 400 or 503, IoT Hub quotas with 403); codes not listed fall back
 * to the status.
 */
export interface ProviderCodeTable {
  /** The provider is throttling or a quota refills with time: RATE_LIMITED, retryable. */
  readonly throttling?: readonly string[];
  /** The job (or the resource asked for) does not exist: NOT_FOUND. */
  readonly notFound?: readonly string[];
  /** Refused because of the job's current state: NOT_ALLOWED_IN_STATE. */
  readonly state?: readonly string[];
  /** The account's credentials were refused: PROVIDER_AUTH_FAILED. */
  readonly auth?: readonly string[];
  /** The request's values are wrong and the caller can fix them: BAD_USER_INPUT. */
  readonly input?: readonly string[];
  /** The account or the gateway is misconfigured, or a limit waiting will not lift: PROVIDER_ERROR. */
  readonly configuration?: readonly string[];
  /** Where the provider's statuses mean something else than HTTP says (IoT Hub's 403s are quotas). */
  readonly statuses?: Readonly<Record<number, ErrorCode>>;
}

/** What is known of a failed call. */
export interface FailureFacts {
  /** The HTTP status; absent when no answer arrived (connection refused or dropped, timeout). */
  status?: number | undefined;
  /** The provider's own error code from the answer, where it sent one. */
  providerCode?: string | undefined;
  /** The answer's headers, lower-case names (Retry-After and its millisecond variants). */
  headers?: Readonly<Record<string, string | undefined>> | undefined;
}

export interface FailureVerdict {
  code: ErrorCode;
  /** Calling again later may succeed (throttling, no answer, a server fault): pollers back off and retry. */
  retryable: boolean;
  /** How long the provider asked us to wait, when it did and the failure is retryable. */
  retryAfterSeconds: number | undefined;
  /**
   * The provider may have done what was asked: it did not answer, or failed on its side (5xx, 408), whatever
   * its error code says. Any other answer refused the request. A create with an unknown outcome must be looked
   * for, never repeated blindly; its idempotency key stays taken.
   */
  outcomeUnknown: boolean;
}

const CODE_LISTS = [
  ['throttling', ErrorCode.RATE_LIMITED],
  ['auth', ErrorCode.PROVIDER_AUTH_FAILED],
  ['notFound', ErrorCode.NOT_FOUND],
  ['state', ErrorCode.NOT_ALLOWED_IN_STATE],
  ['input', ErrorCode.BAD_USER_INPUT],
  ['configuration', ErrorCode.PROVIDER_ERROR],
] as const satisfies readonly (readonly [keyof ProviderCodeTable, ErrorCode])[];

/** What an HTTP status means when neither the provider's code nor its status table says more. */
function codeForStatus(status: number | undefined): ErrorCode {
  if (status === undefined || status === 408 || status >= 500) return ErrorCode.PROVIDER_UNAVAILABLE;
  if (status === 401 || status === 403) return ErrorCode.PROVIDER_AUTH_FAILED;
  if (status === 404 || status === 410) return ErrorCode.NOT_FOUND;
  if (status === 409) return ErrorCode.NOT_ALLOWED_IN_STATE;
  if (status === 429) return ErrorCode.RATE_LIMITED;
  if (status === 400 || status === 422) return ErrorCode.BAD_USER_INPUT;
  return ErrorCode.PROVIDER_ERROR;
}

/** The provider may have acted: no answer, or a failure on its side. */
const mayHaveActed = (status: number | undefined): boolean => status === undefined || status === 408 || status >= 500;

function retryAfterOf(headers: FailureFacts['headers'], now: number): number | undefined {
  if (!headers) return undefined;
  const seconds = parseRetryAfter(headers['retry-after'], now);
  if (seconds !== undefined) return seconds;
  // ARM also sends milliseconds.
  const ms = Number(headers['retry-after-ms'] ?? headers['x-ms-retry-after-ms'] ?? Number.NaN);
  return Number.isFinite(ms) && ms >= 0 ? Math.ceil(ms / 1000) : undefined;
}

export function classifyFailure(facts: FailureFacts, table: ProviderCodeTable = {}, now = Date.now()): FailureVerdict {
  const { status, providerCode } = facts;
  const listed = providerCode ? CODE_LISTS.find(([list]) => table[list]?.includes(providerCode)) : undefined;
  const code = listed?.[1] ?? (status !== undefined ? table.statuses?.[status] : undefined) ?? codeForStatus(status);
  const outcomeUnknown = mayHaveActed(status);
  const retryable = outcomeUnknown || code === ErrorCode.RATE_LIMITED;
  return {
    code,
    retryable,
    retryAfterSeconds: retryable ? retryAfterOf(facts.headers, now) : undefined,
    outcomeUnknown,
  };
}

export interface ProviderFailure extends FailureFacts {
  account: string;
  provider: string;
  /**
   * Written by the adapter from codes and ids, never from the request or the provider's free text (either may
   * quote a secret). A function receives the verdict, for messages that depend on it.
   */
  message: string | ((verdict: FailureVerdict) => string);
  cause?: unknown;
}

/** A ProviderError carrying the classification's verdict. */
export function providerFailure(failure: ProviderFailure, table?: ProviderCodeTable, now?: number): ProviderError {
  const verdict = classifyFailure(failure, table, now);
  return new ProviderError({
    account: failure.account,
    provider: failure.provider,
    message: typeof failure.message === 'function' ? failure.message(verdict) : failure.message,
    providerCode: failure.providerCode,
    status: failure.status,
    cause: failure.cause,
    ...verdict,
  });
}

/**
 * The one rule the core applies to a failed create: may the job exist anyway? Only a ProviderError can say
 * so; anything else was a refusal before or by the provider (invalid input, an unsupported operation).
 */
export function isOutcomeUnknown(error: unknown): boolean {
  return error instanceof ProviderError && error.outcomeUnknown;
}

/**
 * The provider accepted the request (it answered 2xx) but the answer cannot be read: whatever was asked was
 * done, with a result the adapter does not know. PROVIDER_ERROR with the outcome unknown, so a create failing
 * so is looked for, not repeated.
 */
export function unreadableAnswer(init: {
  account: string;
  provider: string;
  message: string;
  status?: number | undefined;
}): ProviderError {
  return new ProviderError({ ...init, code: ErrorCode.PROVIDER_ERROR, outcomeUnknown: true });
}

/**
 * A create whose answer was lost (its failure has `outcomeUnknown`) and whose job the adapter could not find
 * afterwards: the outcome stays unknown, so the idempotency key stays taken and a retry looks first; and it
 * is not for automatic retries, since a create is not idempotent. `message` says what the adapter tried.
 */
export function createOutcomeUnknown(lost: ProviderError, message: string): ProviderError {
  return new ProviderError({
    account: lost.account,
    provider: lost.provider,
    code: lost.code,
    message,
    providerCode: lost.providerCode,
    status: lost.status,
    retryAfterSeconds: lost.retryAfterSeconds,
    outcomeUnknown: true,
    retryable: false,
    cause: lost,
  });
}

/** Parses Retry-After (seconds or an HTTP date) into seconds, as ARM and most providers send it. */
function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * NOT_FOUND with the provider's own not-found code, for a job id the adapter refuses before any request
 * (not its shape) or one the provider answered without. The id is not quoted: it may be anything.
 */
export function jobNotFound(account: string, provider: string, providerCode: string, operation: string): ProviderError {
  return new ProviderError({
    account,
    provider,
    code: ErrorCode.NOT_FOUND,
    providerCode,
    message: `${operation}: no such job (${providerCode})`,
  });
}
