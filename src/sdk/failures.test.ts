/** The one classification of provider failures: public code, retryability, Retry-After and unknown outcomes. */
import { describe, expect, it } from 'vitest';
import { ErrorCode, GatewayError, ProviderError } from './errors.js';
import {
  classifyFailure,
  createOutcomeUnknown,
  isOutcomeUnknown,
  jobNotFound,
  type ProviderCodeTable,
  providerFailure,
  unreadableAnswer,
} from './failures.js';
import { InvalidInputError } from './model.js';

/** Shaped like AWS's: every service exception is a 400, throttling also comes as 503. */
const TABLE: ProviderCodeTable = {
  throttling: ['Throttling'],
  notFound: ['NoSuchJob'],
  state: ['CannotCancel'],
  auth: ['BadSignature'],
  input: ['BadManifest'],
  configuration: ['QuotaExceeded'],
  statuses: { 400: ErrorCode.PROVIDER_ERROR },
};

describe('classifyFailure', () => {
  it.each([
    ['no answer', undefined, undefined, ErrorCode.PROVIDER_UNAVAILABLE, true, true],
    ['500', 500, undefined, ErrorCode.PROVIDER_UNAVAILABLE, true, true],
    ['408', 408, undefined, ErrorCode.PROVIDER_UNAVAILABLE, true, true],
    ['401', 401, undefined, ErrorCode.PROVIDER_AUTH_FAILED, false, false],
    ['403', 403, undefined, ErrorCode.PROVIDER_AUTH_FAILED, false, false],
    ['404', 404, undefined, ErrorCode.NOT_FOUND, false, false],
    ['410', 410, undefined, ErrorCode.NOT_FOUND, false, false],
    ['409', 409, undefined, ErrorCode.NOT_ALLOWED_IN_STATE, false, false],
    ['429', 429, undefined, ErrorCode.RATE_LIMITED, true, false],
    ['400', 400, undefined, ErrorCode.BAD_USER_INPUT, false, false],
    ['422', 422, undefined, ErrorCode.BAD_USER_INPUT, false, false],
    ['412', 412, undefined, ErrorCode.PROVIDER_ERROR, false, false],
  ])('by status alone: %s', (_, status, providerCode, code, retryable, outcomeUnknown) => {
    expect(classifyFailure({ status, providerCode })).toEqual({
      code,
      retryable,
      retryAfterSeconds: undefined,
      outcomeUnknown,
    });
  });

  it.each([
    ['a throttling code on a 400: refused, retry later', 400, 'Throttling', ErrorCode.RATE_LIMITED, true, false],
    [
      'a throttling code on a 503: throttled, and it may have been done',
      503,
      'Throttling',
      ErrorCode.RATE_LIMITED,
      true,
      true,
    ],
    ['a state code on a 400', 400, 'CannotCancel', ErrorCode.NOT_ALLOWED_IN_STATE, false, false],
    ['a not-found code on a 400', 400, 'NoSuchJob', ErrorCode.NOT_FOUND, false, false],
    ['an auth code on a 400', 400, 'BadSignature', ErrorCode.PROVIDER_AUTH_FAILED, false, false],
    ['an input code', 400, 'BadManifest', ErrorCode.BAD_USER_INPUT, false, false],
    ['a configuration code on a 404', 404, 'QuotaExceeded', ErrorCode.PROVIDER_ERROR, false, false],
    ['an unknown code on a 400: the status table', 400, 'Whatever', ErrorCode.PROVIDER_ERROR, false, false],
    ['an unknown code on a 502', 502, 'Whatever', ErrorCode.PROVIDER_UNAVAILABLE, true, true],
  ])('by the provider table: %s', (_, status, providerCode, code, retryable, outcomeUnknown) => {
    expect(classifyFailure({ status, providerCode }, TABLE)).toMatchObject({ code, retryable, outcomeUnknown });
  });

  it('falls back to the status for a code of a provider whose table lists only some kinds, or none', () => {
    expect(classifyFailure({ status: 409, providerCode: 'Conflict' }, { throttling: ['Slow'] }).code).toBe(
      ErrorCode.NOT_ALLOWED_IN_STATE,
    );
    expect(classifyFailure({ status: 404, providerCode: 'Gone' }).code).toBe(ErrorCode.NOT_FOUND);
  });

  it('reads Retry-After in seconds, as an HTTP date, or in milliseconds, only for retryable failures', () => {
    const now = Date.parse('2026-11-24T12:00:00Z');
    const at = (headers: Record<string, string>, status = 429) =>
      classifyFailure({ status, headers }, {}, now).retryAfterSeconds;
    expect(at({ 'retry-after': '7' })).toBe(7);
    expect(at({ 'retry-after': 'Tue, 24 Nov 2026 12:00:30 GMT' })).toBe(30);
    expect(at({ 'retry-after-ms': '1500' })).toBe(2);
    expect(at({ 'x-ms-retry-after-ms': '200' })).toBe(1);
    expect(at({ 'retry-after': 'soon' })).toBeUndefined();
    expect(at({ 'retry-after-ms': '0' })).toBe(0);
    expect(at({ 'retry-after-ms': '-5' })).toBeUndefined();
    expect(at({ 'retry-after-ms': 'Infinity' })).toBeUndefined();
    expect(at({ 'retry-after': '-3' })).toBe(0);
    expect(at({ 'retry-after': 'Tue, 24 Nov 2026 11:00:00 GMT' })).toBe(0); // a date already past
    // An empty Retry-After says nothing: the millisecond header decides.
    expect(at({ 'retry-after': '', 'retry-after-ms': '2500' })).toBe(3);
    expect(at({ 'retry-after': '7' }, 503)).toBe(7);
    expect(at({ 'retry-after': '7' }, 400)).toBeUndefined();
  });
});

describe('the errors adapters throw', () => {
  it('providerFailure carries the verdict, with a message that may depend on it', () => {
    const error = providerFailure(
      {
        account: 'acct',
        provider: 'p',
        status: 503,
        providerCode: 'Throttling',
        headers: { 'retry-after': '3' },
        message: ({ code }) => `failed: ${code}`,
      },
      TABLE,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      account: 'acct',
      provider: 'p',
      code: ErrorCode.RATE_LIMITED,
      providerCode: 'Throttling',
      status: 503,
      retryable: true,
      retryAfterSeconds: 3,
      outcomeUnknown: true,
      message: 'failed: RATE_LIMITED',
    });
  });

  it('createOutcomeUnknown keeps the lost create’s code and unknown outcome, not for automatic retries', () => {
    const lost = providerFailure(
      { account: 'a', provider: 'p', status: 503, providerCode: 'Throttling', message: 'x' },
      TABLE,
    );
    const still = createOutcomeUnknown(lost, 'looked, found nothing');
    expect(still).toMatchObject({
      code: ErrorCode.RATE_LIMITED,
      providerCode: 'Throttling',
      outcomeUnknown: true,
      retryable: false,
      message: 'looked, found nothing',
      cause: lost,
    });
  });

  it('jobNotFound: NOT_FOUND with the provider code, an outcome that is known, and no id quoted', () => {
    const error = jobNotFound('acct', 'p', 'NoSuchJob', 'CancelJob');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      account: 'acct',
      provider: 'p',
      code: ErrorCode.NOT_FOUND,
      providerCode: 'NoSuchJob',
      message: 'CancelJob: no such job (NoSuchJob)',
      retryable: false,
      outcomeUnknown: false,
    });
  });

  it('isOutcomeUnknown: only a provider failure can say the job may exist', () => {
    const failure = (status: number | undefined) =>
      providerFailure({ account: 'a', provider: 'p', status, message: 'x' });
    expect(isOutcomeUnknown(failure(undefined))).toBe(true);
    expect(isOutcomeUnknown(failure(503))).toBe(true);
    expect(isOutcomeUnknown(failure(429))).toBe(false);
    expect(isOutcomeUnknown(failure(400))).toBe(false);
    // Built without the classification (e.g. by the core, which never called the provider): refused.
    expect(
      isOutcomeUnknown(
        new ProviderError({ account: 'a', provider: 'p', code: ErrorCode.PROVIDER_UNAVAILABLE, message: 'x' }),
      ),
    ).toBe(false);
    expect(isOutcomeUnknown(new InvalidInputError([{ field: 'name', message: 'is taken' }]))).toBe(false);
    expect(isOutcomeUnknown(new GatewayError(ErrorCode.UNSUPPORTED, 'no'))).toBe(false);
    // Accepted (2xx) with an answer that cannot be read: done, with a result nobody knows.
    expect(unreadableAnswer({ account: 'a', provider: 'p', message: 'x', status: 200 })).toMatchObject({
      code: ErrorCode.PROVIDER_ERROR,
      outcomeUnknown: true,
    });
  });
});
