/**
 * The logger's redaction, as the gateway and the CLI build it (createLogger with the real registry): every
 * secret-bearing key of every adapter's config, and the generic ones, is censored at each of the first three
 * levels of nesting, whatever the value, while the rest of the line stays as logged. The secrets e2e suite
 * proves no secret reaches a log on the failure paths it drives; this is the net under code that would log
 * a config entry, a request or an error carrying one.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, secretKeys } from '../src/log.js';
import { registry } from '../src/registry.js';

const GENERIC = ['authorization', 'token', 'password', 'secret', 'connectionString', 'caCertificate'];

/** A logger exactly as the gateway's, writing its JSON lines into an array. */
function capturedLogger(level: Parameters<typeof createLogger>[0] = 'trace') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger(level, registry, stream), lines };
}

describe('secretKeys', () => {
  it("is the generic secret keys plus every adapter's secret config fields, each once", () => {
    const adapterFields = registry.adapters.flatMap((a) => [...a.secretFields]);
    expect(adapterFields).toEqual(
      expect.arrayContaining(['token', 'clientSecret', 'secretAccessKey', 'sessionToken', 'connectionString']),
    );
    expect([...secretKeys(registry)].sort()).toEqual([...new Set([...GENERIC, ...adapterFields])].sort());
  });
});

describe('createLogger', () => {
  const keys = secretKeys(registry);
  /** A distinct value per key and level, so a leak names where it came from. */
  const valueFor = (key: string, level: number) => `secret-of-${key}-at-${level}-7f3c9a`;

  it('censors every secret key at the top level, one level down and two levels down', () => {
    const { logger, lines } = capturedLogger();
    for (const key of keys) {
      logger.info(
        {
          [key]: valueFor(key, 1),
          account: { name: 'east', [key]: valueFor(key, 2) },
          request: { headers: { [key]: valueFor(key, 3), accept: 'application/json' } },
        },
        `logging ${key}`,
      );
    }
    expect(lines).toHaveLength(keys.length);
    for (const [index, key] of keys.entries()) {
      const line = JSON.parse(lines[index]!) as Record<string, unknown>;
      expect(line, key).toMatchObject({
        msg: `logging ${key}`,
        [key]: '[redacted]',
        account: { name: 'east', [key]: '[redacted]' },
        request: { headers: { [key]: '[redacted]', accept: 'application/json' } },
      });
      for (const level of [1, 2, 3]) expect(lines[index], `${key} at ${level}`).not.toContain(valueFor(key, level));
    }
  });

  it('censors secrets inside a logged error and any value type, and leaves other keys alone', () => {
    const { logger, lines } = capturedLogger();
    const error = Object.assign(new Error('the provider refused'), {
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      headers: { authorization: 'Bearer eyJhbGciOi.secret.part' },
    });
    logger.error({ err: error, token: { nested: 'object-secret' }, password: 12345, account: 'east' }, 'failed');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 50,
      msg: 'failed',
      account: 'east',
      token: '[redacted]',
      password: '[redacted]',
      err: {
        message: 'the provider refused',
        secretAccessKey: '[redacted]',
        headers: { authorization: '[redacted]' },
      },
    });
    for (const leaked of ['wJalrXUtnFEMI', 'eyJhbGciOi', 'object-secret', '12345']) {
      expect(lines[0]).not.toContain(leaked);
    }
  });

  it('logs at the level asked for and not below it', () => {
    const { logger, lines } = capturedLogger('warn');
    logger.info({ account: 'east' }, 'not shown');
    logger.warn({ account: 'east' }, 'shown');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['shown']);
  });
});
