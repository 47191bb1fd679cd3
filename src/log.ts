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

export type LogFormat = 'pretty' | 'json';

/**
 * Where the CLI's logs go, on stderr either way: JSON lines for machines, or pino-pretty's coloured lines for
 * a person at a terminal (loaded only then). Redaction happens in pino before either sees a line.
 */
export async function logDestination(format: LogFormat): Promise<pino.DestinationStream> {
  if (format === 'json') return pino.destination(2);
  const { default: pretty } = await import('pino-pretty');
  // Synchronous, so the last lines before process.exit (shutdown, a fatal error) are not lost.
  return pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY, translateTime: 'SYS:HH:MM:ss.l' });
}
