/**
 * The CLI's options, each also readable from a `CROSSDOCK_*` environment variable (a flag wins over the
 * variable; an empty variable counts as unset). One table drives node:util's parseArgs, the environment
 * fallback and the help text, so the three cannot disagree. Built-ins only: `--help` and `--version` are
 * answered from here without loading anything else.
 */
import { parseArgs } from 'node:util';

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The environment variable read when the flag is absent. */
  env?: string;
  /** A conventional variable read after `env` (PORT, as hosting platforms set it). */
  fallbackEnv?: string;
  /** How the value is shown in the help (`--port N`). */
  value?: string;
  help: string;
}

export const DEFAULT_SANDBOX_SEED = 42;
/** Mirror DEFAULT_SANDBOX_STEP_MS and DEFAULT_SANDBOX_SEED_JOBS of src/sandbox (not imported: the help must not load the sandbox). */
const SANDBOX_STEP_MS_HELP = 2_000;
const SANDBOX_SEED_JOBS_HELP = 12;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['pretty', 'json'] as const;

const OPTIONS = {
  config: {
    type: 'string',
    env: 'CROSSDOCK_CONFIG',
    value: 'FILE',
    help: 'YAML or JSON config (default: ./crossdock.config.yaml if present)',
  },
  port: {
    type: 'string',
    env: 'CROSSDOCK_PORT',
    fallbackEnv: 'PORT',
    value: 'N',
    help: 'port for HTTP and websocket (then $PORT, the config, 4000; 0 = any free port)',
  },
  host: { type: 'string', env: 'CROSSDOCK_HOST', value: 'H', help: 'interface to listen on (default 127.0.0.1)' },
  'log-level': {
    type: 'string',
    env: 'CROSSDOCK_LOG_LEVEL',
    value: 'L',
    help: `${LOG_LEVELS.join('|')} (default: the config's, or info; logs go to stderr)`,
  },
  'log-format': {
    type: 'string',
    env: 'CROSSDOCK_LOG_FORMAT',
    value: 'F',
    help: 'pretty|json (default: pretty when stderr is a terminal, JSON lines otherwise)',
  },
  subgraph: {
    type: 'boolean',
    env: 'CROSSDOCK_SUBGRAPH',
    help: "serve, print-schema: the schema as a Federation v2 subgraph (default: the config's server.federation)",
  },
  json: { type: 'boolean', env: 'CROSSDOCK_JSON', help: 'sandbox: print the description as one JSON line first' },
  seed: {
    type: 'string',
    env: 'CROSSDOCK_SEED',
    value: 'N',
    help: `sandbox: random seed of jobs and credentials (default ${DEFAULT_SANDBOX_SEED})`,
  },
  'step-ms': {
    type: 'string',
    env: 'CROSSDOCK_STEP_MS',
    value: 'N',
    help: `sandbox: real milliseconds per simulated lifecycle step (default ${SANDBOX_STEP_MS_HELP}; 0 = frozen)`,
  },
  'seed-jobs': {
    type: 'string',
    env: 'CROSSDOCK_SEED_JOBS',
    value: 'N',
    help: `sandbox: jobs each simulated account holds at start (default ${SANDBOX_SEED_JOBS_HELP})`,
  },
  help: { type: 'boolean', short: 'h', help: 'this help' },
  version: { type: 'boolean', short: 'v', help: 'the version' },
} satisfies Record<string, OptionSpec>;

type OptionName = keyof typeof OPTIONS;
type StringOption = { [K in OptionName]: (typeof OPTIONS)[K]['type'] extends 'string' ? K : never }[OptionName];

export class UsageError extends Error {
  override name = 'UsageError';
}

function optionsHelp(): string {
  const specs = Object.entries(OPTIONS) as [OptionName, OptionSpec][];
  const flags = specs.map(([name, spec]) =>
    spec.short ? `-${spec.short}, --${name}` : `    --${name}${spec.value ? ` ${spec.value}` : ''}`,
  );
  const width = Math.max(...flags.map((f) => f.length)) + 2;
  const envWidth = Math.max(...specs.map(([, s]) => s.env?.length ?? 0)) + 2;
  return specs
    .map(([, spec], i) => `  ${flags[i]!.padEnd(width)}${(spec.env ?? '').padEnd(envWidth)}${spec.help}`)
    .join('\n');
}

export const HELP = `crossdock — one GraphQL schema over Azure Import/Export, AWS Import/Export and IoT Hub jobs

Usage:
  crossdock serve [--config FILE] [--port N] [--host H] [--log-level L] [--log-format F] [--subgraph]
      Start the gateway. Without a config file (and no crossdock.config.yaml in the working
      directory) it starts the bundled simulators on loopback and wires the gateway to them.
      --subgraph serves it as a Federation v2 subgraph, for a supergraph router in front.
  crossdock sandbox [--json] [--seed N] [--step-ms N] [--seed-jobs N]
      Start only the simulators. --json prints one JSON line {"providers":[...],"caCertificate":...}
      first (a valid config file); otherwise endpoints, credentials and a config file.
  crossdock config schema
      Print the JSON Schema of the config file (for editors and CI checks).
  crossdock print-schema [--subgraph]
      Print the GraphQL schema (SDL) the gateway serves; --subgraph: the subgraph SDL to compose with.

Options (flag, environment variable, meaning):
${optionsHelp()}
`;

export interface CliInput {
  command: string | undefined;
  /** Words after the command (`config schema` → ['schema']). */
  args: string[];
  help: boolean;
  version: boolean;
  json: boolean;
  /** `--subgraph` or CROSSDOCK_SUBGRAPH; undefined when neither is set (the config decides). */
  subgraph: boolean | undefined;
  string(name: StringOption): string | undefined;
  /** A whole number option in [min, max], or undefined when neither flag nor variable is set. */
  int(name: StringOption, min: number, max: number): number | undefined;
  /** A string option that must be one of `choices`. */
  choice<T extends string>(name: StringOption, choices: readonly T[]): T | undefined;
}

export function readCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliInput {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const fromEnv = (name: OptionName) => {
    const spec: OptionSpec = OPTIONS[name];
    for (const variable of [spec.env, spec.fallbackEnv]) {
      const value = variable ? env[variable] : undefined;
      if (variable && value !== undefined && value !== '') return { variable, value };
    }
    return undefined;
  };
  /** The value and how the user spelled where it came from, for error messages. */
  const lookup = (name: StringOption) => {
    const flag = values[name];
    if (flag !== undefined) return { source: `--${name}`, value: flag };
    const found = fromEnv(name);
    return found && { source: found.variable, value: found.value };
  };
  const bool = (name: 'json' | 'subgraph') => {
    if (values[name] !== undefined) return values[name];
    const found = fromEnv(name);
    if (!found) return undefined;
    if (/^(1|true|yes|on)$/i.test(found.value)) return true;
    if (/^(0|false|no|off)$/i.test(found.value)) return false;
    throw new UsageError(`${found.variable} must be true or false`);
  };
  return {
    command: positionals[0],
    args: positionals.slice(1),
    help: values.help ?? false,
    version: values.version ?? false,
    json: bool('json') ?? false,
    subgraph: bool('subgraph'),
    string: (name) => lookup(name)?.value,
    int(name, min, max) {
      const found = lookup(name);
      if (!found) return undefined;
      const n = Number(found.value);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new UsageError(`${found.source} must be a whole number from ${min} to ${max}`);
      return n;
    },
    choice(name, choices) {
      const found = lookup(name);
      if (!found) return undefined;
      if (!(choices as readonly string[]).includes(found.value))
        throw new UsageError(`${found.source} must be one of ${choices.join(', ')}`);
      return found.value as (typeof choices)[number];
    },
  };
}
