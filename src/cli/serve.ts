/** `crossdock serve`: the gateway on a config file's accounts, or on the embedded sandbox without one. */
import { loadConfigFile } from '../config.js';
import { dashboardUrl } from '../dashboard/index.js';
import { createGateway } from '../gateway.js';
import { createLogger, type LogLevel, logDestination } from '../log.js';
import { registry } from '../registry.js';
import type { Sandbox } from '../sandbox/index.js';
import { startServer } from '../server/index.js';
import type { Command } from './main.js';
import { LOG_FORMATS, LOG_LEVELS, UsageError } from './options.js';
import { onShutdown } from './signals.js';

export const serve: Command = async (cli) => {
  if (cli.args.length) throw new UsageError(`unexpected argument "${cli.args[0]}"`);
  const logLevelOption = cli.choice('log-level', LOG_LEVELS);
  const logFormat = cli.choice('log-format', LOG_FORMATS) ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const portOption = cli.int('port', 0, 65535);
  let config = loadConfigFile(cli.string('config'), registry);
  let sandbox: Sandbox | undefined;
  if (!config) {
    // Loaded only here: a gateway on real accounts never loads the sandbox or the simulators.
    const { startSandboxForGateway } = await import('./sandbox.js');
    ({ sandbox, config } = await startSandboxForGateway(cli));
  }
  const logLevel: LogLevel = logLevelOption ?? config.logLevel;
  const logger = createLogger(logLevel, registry, await logDestination(logFormat));
  const gateway = createGateway({ ...config, logLevel }, { logger, registry });
  const server = await startServer(gateway, {
    host: cli.string('host') ?? config.server.host,
    port: portOption ?? config.server.port,
  });
  onShutdown(async () => {
    await server.close();
    await gateway.dispose();
    await sandbox?.close();
  });
  if (sandbox) {
    const kinds = sandbox.description.providers.map((p) => p.kind).join(', ');
    process.stdout.write(`crossdock: no config file, serving the embedded sandbox (${kinds || 'no providers'})\n`);
  }
  process.stdout.write(`crossdock: GraphQL at ${server.url} (websocket subscriptions on the same URL)\n`);
  if (config.server.dashboard) process.stdout.write(`crossdock: dashboard at ${dashboardUrl(server.url)}\n`);
  logger.info({ url: server.url, accounts: [...gateway.accounts.keys()] }, 'gateway listening');
  return 'serving';
};
