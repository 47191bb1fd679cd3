import pino, { type Logger } from 'pino';
import type { AdapterRegistry } from './sdk/index.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Keys that hold secrets in any adapter's config, plus the generic ones. */
export function secretKeys(registry: AdapterRegistry): string[] {
  const keys = new Set(['authorization', 'token', 'password', 'secret', 'connectionString', 'caCertificate']);
  for (const adapter of registry.adapters) for (const key of adapter.secretFields) keys.add(key);
  return [...keys];
}

/**
 * Structured logs on stderr (stdout is reserved for what the CLI prints, e.g. the sandbox JSON line),
 * with every secret-bearing key censored at any of the first three levels of nesting.
 */
export function createLogger(
  level: LogLevel,
  registry: AdapterRegistry,
  destination: pino.DestinationStream = pino.destination(2),
): Logger {
  const keys = secretKeys(registry);
  const paths = keys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino({ level, redact: { paths, censor: '[redacted]' } }, destination);
}
