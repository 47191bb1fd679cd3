/** `crossdock serve`: the gateway on a config file's accounts, or on the embedded sandbox without one. */
import { resolve } from 'node:path';
import { type GatewayConfig, loadConfigFile } from '../config.js';
import { dashboardUrl } from '../dashboard/index.js';
import { createGateway } from '../gateway.js';
import { createLogger, type LogLevel, logDestination } from '../log.js';
import { registry } from '../registry.js';
import type { Sandbox } from '../sandbox/index.js';
import { startServer } from '../server/index.js';
import { prepareToServe } from '../server/startup.js';
import type { Command } from './main.js';
import { LOG_FORMATS, LOG_LEVELS, UsageError } from './options.js';
import { onShutdown } from './signals.js';

export const serve: Command = async (cli) => {
  if (cli.args.length) throw new UsageError(`unexpected argument "${cli.args[0]}"`);
  const logLevelOption = cli.choice('log-level', LOG_LEVELS);
  const logFormat = cli.choice('log-format', LOG_FORMATS) ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const portOption = cli.int('port', 0, 65535);
  const configFile = loadConfigFile(cli.string('config'), registry);
  const host = cli.string('host') ?? configFile?.server.host ?? '127.0.0.1';
  const port = portOption ?? configFile?.server.port ?? 4000;
  // Loaded only without a config: a gateway on real accounts never loads the sandbox or the simulators.
  const sandboxModule = configFile ? undefined : await import('./sandbox.js');
  const storePath = configFile
    ? configFile.store.kind === 'sqlite'
      ? configFile.store.path
      : undefined
    : sandboxModule?.SANDBOX_STORE;
  // Checked before the simulators start or any file is touched: a second instance leaves the first's alone.
  const lock = await prepareToServe({
    auth: configFile?.auth,
    host,
    port,
    storePath: storePath === undefined ? undefined : resolve(storePath),
    freshStore: !configFile,
  });
  const { sandbox, config }: { sandbox?: Sandbox; config: GatewayConfig } = sandboxModule
    ? await sandboxModule.startSandboxForGateway(cli)
    : { config: configFile! };
  const logLevel: LogLevel = logLevelOption ?? config.logLevel;
  const logger = createLogger(logLevel, registry, await logDestination(logFormat));
  const federation = cli.subgraph ?? config.server.federation;
  const gateway = createGateway(
    { ...config, logLevel, server: { ...config.server, federation } },
    { logger, registry },
  );
  try {
    // A store file it cannot read (a newer crossdock's) stops the gateway here, with the store's own message.
    await gateway.store.open();
  } catch (error) {
    await gateway.dispose().catch(() => undefined);
    await sandbox?.close();
    lock?.release();
    throw error;
  }
  const server = await startServer(gateway, { host, port });
  onShutdown(async () => {
    await server.close();
    await gateway.dispose();
    await sandbox?.close();
    lock?.release();
  });
  if (sandbox) {
    const kinds = sandbox.description.providers.map((p) => p.kind).join(', ');
    process.stdout.write(`crossdock: no config file, serving the embedded sandbox (${kinds || 'no providers'})\n`);
  }
  process.stdout.write(`crossdock: GraphQL at ${server.url} (websocket subscriptions on the same URL)\n`);
  process.stdout.write(`crossdock: ${server.authSummary}\n`);
  if (federation)
    process.stdout.write(
      'crossdock: serving a Federation v2 subgraph (entities Job, ProviderAccount); subscriptions stay on the websocket above\n',
    );
  if (config.server.dashboard) process.stdout.write(`crossdock: dashboard at ${dashboardUrl(server.url)}\n`);
  if (server.metricsUrl)
    process.stdout.write(`crossdock: metrics at ${server.metricsUrl} (loopback, no credentials)\n`);
  logger.info({ url: server.url, accounts: [...gateway.accounts.keys()] }, 'gateway listening');
  return 'serving';
};
