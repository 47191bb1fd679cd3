/**
 * The `crossdock` package: the gateway as a library, for embedding it in your own process (your own auth hook
 * for websocket connections, your own logger, extra Apollo plugins). Adapters are written against
 * `crossdock/adapter` (src/sdk), never against this module.
 *
 *   import { createGateway, loadConfig, startServer } from 'crossdock';
 *   const gateway = createGateway(loadConfig('crossdock.config.yaml')!);
 *   const server = await startServer(gateway, { host: '127.0.0.1', port: 4000 });
 *   // ... later: await server.close(); await gateway.dispose();
 *
 * Every function defaults `registry` to the bundled adapters (Azure Import/Export, AWS Import/Export, IoT Hub).
 */
import { type GatewayConfig, loadConfigFile, parseConfig as parseConfigWith } from './config.js';
import { createGateway as createGatewayWith, type Gateway, type GatewayOptions } from './gateway.js';
import { createLogger } from './log.js';
import { registry } from './registry.js';
import type { Sandbox, SandboxOptions } from './sandbox/index.js';
import type { AdapterRegistry } from './sdk/index.js';

export type { EventsConfig, GatewayConfig, PollingConfig } from './config.js';
export { ConfigError, configJsonSchema, DEFAULT_CONFIG_FILE } from './config.js';
export type { Gateway, GatewayOptions } from './gateway.js';
export { buildSchema } from './graphql/schema.js';
export { createLogger, type LogLevel } from './log.js';
export type { Sandbox, SandboxDescription, SandboxOptions } from './sandbox/index.js';
export type { AdapterRegistry } from './sdk/index.js';
export {
  type ConnectionAuthenticator,
  type ConnectionVerdict,
  GRAPHQL_PATH,
  type RunningServer,
  type ServerOptions,
  startServer,
  type WebSocketOptions,
} from './server/index.js';
/** The bundled adapters and their simulators. */
export { registry };

export interface LoadConfigOptions {
  registry?: AdapterRegistry;
  /** Where a relative `file` (and the default crossdock.config.yaml) is looked up; default process.cwd(). */
  cwd?: string;
}

/**
 * Reads and validates a YAML or JSON config file (`${ENV}` interpolated from process.env). Without `file`,
 * ./crossdock.config.yaml, and undefined when that does not exist. Throws ConfigError listing every bad field.
 */
export function loadConfig(file?: string, opts: LoadConfigOptions = {}): GatewayConfig | undefined {
  return loadConfigFile(file, opts.registry ?? registry, opts.cwd);
}

/** Validates a config given as an object (as parsed from YAML or JSON); throws ConfigError. */
export function parseConfig(
  raw: unknown,
  opts: { registry?: AdapterRegistry; env?: NodeJS.ProcessEnv } = {},
): GatewayConfig {
  return parseConfigWith(raw, opts.registry ?? registry, opts.env);
}

export type CreateGatewayOptions = Omit<GatewayOptions, 'registry' | 'logger'> &
  Partial<Pick<GatewayOptions, 'registry' | 'logger'>>;

/**
 * The gateway's long-lived parts (store, pollers, event log) for a validated config; pass it to startServer.
 * Logs go to stderr as JSON at the config's `logLevel` unless you give a pino `logger`.
 */
export function createGateway(config: GatewayConfig, opts: CreateGatewayOptions = {}): Gateway {
  const adapters = opts.registry ?? registry;
  return createGatewayWith(config, {
    ...opts,
    registry: adapters,
    logger: opts.logger ?? createLogger(config.logLevel, adapters),
  });
}

/**
 * The simulators on loopback (what `crossdock sandbox` runs); `description` is a valid config's `providers`
 * and `caCertificate`: `parseConfig({ ...sandbox.description, store: { kind: 'memory' } })`.
 */
export async function startSandbox(
  opts: Omit<SandboxOptions, 'registry'> & { registry?: AdapterRegistry } = {},
): Promise<Sandbox> {
  // Loaded on first use: a gateway on real accounts never loads the sandbox.
  const sandbox = await import('./sandbox/index.js');
  return sandbox.startSandbox({ ...opts, registry: opts.registry ?? registry });
}
