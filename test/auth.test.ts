/**
 * The authenticator on its own: the config keeps only digests, roles nest, `canSee` follows the grant, and
 * the JWT modes the e2e suite does not run (shared secret, PEM public key) verify and refuse as they should.
 */
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { authSchema } from '../src/auth/config.js';
import { createAuthenticator, createPrincipal, type Principal } from '../src/auth/index.js';
import type { GatewayError } from '../src/sdk/errors.js';

const KEY = 'k'.repeat(32);

async function refusal(promise: Promise<Principal>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return `${(error as GatewayError).code}: ${(error as Error).message}`;
  }
  return 'accepted';
}

describe('authentication config and principals', () => {
  it('keeps only the SHA-256 of API keys, and refuses half-configured sections', () => {
    const parsed = authSchema.parse({ apiKeys: [{ name: 'ci', key: KEY, role: 'operator' }] });
    expect(JSON.stringify(parsed)).not.toContain(KEY);
    expect(parsed).toMatchObject({ mode: 'required', apiKeys: [{ name: 'ci', role: 'operator', accounts: '*' }] });
    expect(authSchema.safeParse({}).success).toBe(false);
    expect(authSchema.safeParse({ apiKeys: [{ name: 'short', key: 'abc', role: 'viewer' }] }).success).toBe(false);
    expect(
      authSchema.safeParse({ apiKeys: [{ name: 'both', key: KEY, keySha256: 'a'.repeat(64), role: 'viewer' }] })
        .success,
    ).toBe(false);
    expect(
      authSchema.safeParse({ jwt: { issuer: 'i', audience: 'a', jwksUri: 'http://idp.example/keys' } }).success,
    ).toBe(false);
  });

  it('nests roles and limits what a principal may see to its accounts', () => {
    const viewer = createPrincipal({ name: 'v', role: 'viewer', accounts: ['east'], via: 'api-key' });
    const operator = createPrincipal({ name: 'o', role: 'operator', accounts: '*', via: 'jwt' });
    const admin = createPrincipal({ name: 'a', role: 'admin', accounts: [], via: 'api-key' });
    const actions = ['read', 'subscribe', 'create', 'update', 'cancel', 'delete'] as const;
    expect(actions.filter((a) => viewer.may(a))).toEqual(['read', 'subscribe']);
    expect(actions.filter((a) => operator.may(a))).toEqual(['read', 'subscribe', 'create', 'update', 'cancel']);
    expect(actions.filter((a) => admin.may(a))).toEqual([...actions]);
    expect([viewer.canSee('east'), viewer.canSee('west'), operator.canSee('west'), admin.canSee('east')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('verifies JWTs signed with a shared secret or a PEM public key, and nothing else', async () => {
    const secret = 's'.repeat(40);
    const claims = { role: 'operator', accounts: 'east west', sub: 'desk' };
    const sign = (alg: string, key: Parameters<SignJWT['sign']>[0], payload = claims) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg })
        .setIssuer('idp')
        .setAudience('gw')
        .setExpirationTime('5m')
        .sign(key);

    const bySecret = await createAuthenticator(authSchema.parse({ jwt: { issuer: 'idp', audience: 'gw', secret } }));
    const principal = await bySecret.authenticate(`Bearer ${await sign('HS256', new TextEncoder().encode(secret))}`);
    expect([principal.name, principal.role, principal.accounts, principal.via]).toEqual([
      'desk',
      'operator',
      ['east', 'west'],
      'jwt',
    ]);
    expect(
      await refusal(bySecret.authenticate(`Bearer ${await sign('HS256', new TextEncoder().encode('x'.repeat(40)))}`)),
    ).toMatch(/^UNAUTHENTICATED: The token is not valid/);

    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const byKey = await createAuthenticator(
      authSchema.parse({
        jwt: { issuer: 'idp', audience: 'gw', publicKey: await exportSPKI(publicKey), algorithms: ['ES256'] },
      }),
    );
    expect((await byKey.authenticate(`Bearer ${await sign('ES256', privateKey)}`)).role).toBe('operator');
    // A token signed with the shared-secret algorithm must not pass as the public key's (algorithm confusion).
    expect(
      await refusal(byKey.authenticate(`Bearer ${await sign('HS256', new TextEncoder().encode(secret))}`)),
    ).toMatch(/^UNAUTHENTICATED/);
    expect(
      await refusal(
        byKey.authenticate(`Bearer ${await sign('ES256', privateKey, { ...claims, accounts: 7 } as never)}`),
      ),
    ).toMatch(/"accounts" claim must list account names/);
  });

  it('lets everyone in as the anonymous admin when open, and no one without credentials otherwise', async () => {
    for (const config of [undefined, authSchema.parse({ mode: 'none' })]) {
      const open = await createAuthenticator(config);
      expect([open.required, (await open.authenticate(undefined)).role]).toEqual([false, 'admin']);
    }
    const keyed = await createAuthenticator(authSchema.parse({ apiKeys: [{ name: 'ci', key: KEY, role: 'viewer' }] }));
    expect(await refusal(keyed.authenticate(undefined))).toMatch(/^UNAUTHENTICATED: Authentication required/);
    expect(await refusal(keyed.authenticate(KEY))).toMatch(/^UNAUTHENTICATED: Malformed credentials/);
    expect((await keyed.authenticate(`bearer ${KEY}`)).name).toBe('ci');
  });
});
