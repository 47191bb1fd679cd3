/**
 * `crossdock serve` and `crossdock sandbox`. Argument parsing is node:util's parseArgs (built in, so no
 * CLI framework is needed for two commands). Everything started here is closed on SIGINT/SIGTERM.
 */
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { ConfigError, type GatewayConfig, loadConfigFile, parseConfig } from '../config.js';
import { createGateway } from '../gateway.js';
import { createLogger, type LogLevel } from '../log.js';
import { registry } from '../registry.js';
import {
  DEFAULT_SANDBOX_SEED_JOBS,
  DEFAULT_SANDBOX_STEP_MS,
  type Sandbox,
  type SandboxDescription,
  startSandbox,
} from '../sandbox/index.js';
import { startServer } from '../server/index.js';

const HELP = `crossdock — one GraphQL schema over Azure Import/Export, AWS Import/Export and IoT Hub jobs

Usage:
  crossdock serve [--config FILE] [--port N] [--host H] [--log-level L]
      Start the gateway. Without a config file (and no crossdock.config.yaml in the working
      directory) it starts the bundled simulators on loopback and wires the gateway to them.
  crossdock sandbox [--json] [--seed-jobs N]
      Start only the simulators. --json prints one JSON line {"providers":[...],"caCertificate":...}
      first (pasteable into a config file); otherwise endpoints, credentials and a config file.

Options:
  --config FILE      YAML or JSON config (default: ./crossdock.config.yaml if present)
  --port N           port for HTTP and websocket (default: $PORT, the config, or 4000; 0 = any free port)
  --host H           interface to listen on (default 127.0.0.1)
  --log-level L      fatal|error|warn|info|debug|trace|silent (default info; logs go to stderr)
  --seed N           sandbox: random seed (default 42)
  --step-ms N        sandbox: real milliseconds per simulated lifecycle step (default ${DEFAULT_SANDBOX_STEP_MS})
  --seed-jobs N      sandbox: jobs each simulated account holds at start (default ${DEFAULT_SANDBOX_SEED_JOBS})
  -h, --help         this help
  -v, --version      the version
`;

const SANDBOX_STORE = '.crossdock/sandbox.sqlite';
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

function version(): string {
  return (JSON.parse(readFileSync(`${packageRoot}package.json`, 'utf8')) as { version: string }).version;
}

class UsageError extends Error {}

function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

function onShutdown(close: () => Promise<void>) {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) process.exit(130); // a second signal means "now"
    closing = true;
    process.stderr.write(`crossdock: ${signal}, shutting down\n`);
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * Polling paced to the simulators' clock, so the sandbox shows live changes within seconds: moving jobs
 * every lifecycle step, waiting ones (and discovery of new jobs) every two, terminal ones every thirty.
 */
export function sandboxPolling(stepMs: number) {
  const step = stepMs > 0 ? stepMs : DEFAULT_SANDBOX_STEP_MS;
  return { intervalMs: { active: step, waiting: 2 * step, terminal: 30 * step }, backoff: { initialMs: step } };
}

/** The embedded store lives under the working directory's `.crossdock/`, like a configured gateway's. */
function sandboxConfig(description: SandboxDescription, stepMs: number): GatewayConfig {
  // The simulators start afresh every run, so the sandbox's store (snapshots, event log) does too.
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${SANDBOX_STORE}${suffix}`, { force: true });
  return parseConfig(
    {
      ...description,
      store: { kind: 'sqlite', path: SANDBOX_STORE },
      polling: sandboxPolling(stepMs),
    },
    registry,
  );
}

export function sandboxConfigYaml(description: SandboxDescription): string {
  return YAML.stringify(description, { lineWidth: 0 });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'log-level': { type: 'string' },
      json: { type: 'boolean' },
      seed: { type: 'string' },
      'step-ms': { type: 'string' },
      'seed-jobs': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(HELP);
    return values.help ? 0 : 1;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const logLevelOption = values['log-level'];
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (logLevelOption !== undefined && !levels.includes(logLevelOption)) {
    throw new UsageError(`--log-level must be one of ${levels.join(', ')}`);
  }
  const sandboxOptions = {
    registry,
    seed: intOption('seed', values.seed, 0, 2 ** 31 - 1) ?? 42,
    stepMs: intOption('step-ms', values['step-ms'], 0, 3_600_000) ?? DEFAULT_SANDBOX_STEP_MS,
    seedJobs: intOption('seed-jobs', values['seed-jobs'], 0, 1_000_000) ?? DEFAULT_SANDBOX_SEED_JOBS,
  };

  if (command === 'sandbox') {
    const sandbox = await startSandbox(sandboxOptions);
    onShutdown(() => sandbox.close());
    if (values.json) {
      process.stdout.write(`${JSON.stringify(sandbox.description)}\n`);
    } else {
      const lines = sandbox.description.providers.map(
        (p) => `  ${p.kind.padEnd(22)} ${p.account.padEnd(32)} ${p.endpoint}`,
      );
      process.stdout.write(
        `crossdock sandbox: ${lines.length} simulated provider accounts on loopback\n${lines.join('\n')}\n\n` +
          `A config file for them (save as crossdock.config.yaml, then run \`crossdock serve\`):\n\n` +
          `${sandboxConfigYaml(sandbox.description)}\nPress Ctrl-C to stop.\n`,
      );
    }
    return -1; // keep serving
  }

  if (command !== 'serve') throw new UsageError(`unknown command "${command}" (try --help)`);
  const portOption = intOption('port', values.port ?? process.env.PORT, 0, 65535);
  let config = loadConfigFile(values.config, registry);
  let sandbox: Sandbox | undefined;
  if (!config) {
    sandbox = await startSandbox(sandboxOptions);
    config = sandboxConfig(sandbox.description, sandboxOptions.stepMs);
  }
  const logLevel = (logLevelOption ?? config.logLevel) as LogLevel;
  const logger = createLogger(logLevel, registry);
  const gateway = createGateway({ ...config, logLevel }, { logger, registry });
  try {
    // A store file it cannot read (a newer crossdock's) stops the gateway here, with the store's own message.
    await gateway.store.open();
  } catch (error) {
    await gateway.dispose().catch(() => undefined);
    await sandbox?.close();
    throw error;
  }
  const server = await startServer(gateway, {
    host: values.host ?? config.server.host,
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
  logger.info({ url: server.url, accounts: [...gateway.accounts.keys()] }, 'gateway listening');
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`crossdock: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`crossdock: ${(error as Error).message}\n${HELP}`);
      process.exit(2);
    }
    process.stderr.write(`crossdock: ${(error as Error).message ?? String(error)}\n`);
    process.exit(1);
  },
);
