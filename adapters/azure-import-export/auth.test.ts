/** Entra ID tokens for ARM: cached and shared, refreshed before expiry, failures without their text. */
import { describe, expect, it } from 'vitest';
import { credentialTokenSource } from './auth.js';

const signal = () => AbortSignal.timeout(10_000);
const fail = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );

describe('tokens', () => {
  it('asks the credential once, shares it between concurrent calls and refreshes it before it expires', async () => {
    let now = 1_000_000;
    const calls: string[] = [];
    const source = credentialTokenSource(
      {
        getToken: async (scope) => {
          calls.push(String(scope));
          return { token: `token-${calls.length}`, expiresOnTimestamp: now + 60 * 60_000 };
        },
      },
      'https://management.azure.com/.default',
      'acct',
      () => now,
    );
    const s = signal();
    expect(await Promise.all([source.token(s), source.token(s), source.token(s)])).toEqual([
      'token-1',
      'token-1',
      'token-1',
    ]);
    now += 50 * 60_000;
    expect(await source.token(s)).toBe('token-1');
    now += 6 * 60_000; // within five minutes of expiry
    expect(await source.token(s)).toBe('token-2');
    expect(calls).toEqual(['https://management.azure.com/.default', 'https://management.azure.com/.default']);
  });

  it('reports a credential failure as PROVIDER_AUTH_FAILED without its message', async () => {
    const failure = Object.assign(new Error('AADSTS7000215: Invalid client secret s3cr3t provided'), {
      name: 'AuthenticationError',
    });
    const source = credentialTokenSource(
      {
        getToken: async () => {
          throw failure;
        },
      },
      'https://management.azure.com/.default',
      'acct',
      Date.now,
    );
    const error = await fail(source.token(signal()));
    expect(error).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', providerCode: 'AuthenticationError', account: 'acct' });
    expect((error as Error).message).not.toContain('s3cr3t');
  });

  it('gives up on a credential that never answers after the call timeout, as PROVIDER_UNAVAILABLE', async () => {
    const source = credentialTokenSource(
      // Ignores the abort signal, as a hung token endpoint behind a library might.
      { getToken: () => new Promise(() => {}) },
      'https://management.azure.com/.default',
      'acct',
      Date.now,
      200,
    );
    const error = await fail(source.token(signal()));
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: true, account: 'acct' });
    expect((error as Error).message).toBe('Entra ID did not issue a token within 200 ms');
  });
});
