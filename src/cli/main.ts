/**
 * The `crossdock` command. This module and ./options.ts import only Node built-ins, so `--version` and
 * `--help` answer without loading GraphQL, Apollo or the adapters; a command's module is imported when that
 * command runs. Everything a command starts is closed on SIGINT/SIGTERM.
 */
import { existsSync, readFileSync } from 'node:fs';
import { type CliInput, HELP, readCli, UsageError } from './options.js';

/** A command's outcome: an exit code, or `serving` to keep the process alive until a signal. */
export type CommandResult = number | 'serving';
export type Command = (cli: CliInput) => Promise<CommandResult>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serve,
  sandbox: async () => (await import('./sandbox.js')).sandbox,
  config: async () => (await import('./tooling.js')).configCommand,
  'print-schema': async () => (await import('./tooling.js')).printSchemaCommand,
};

/** package.json's version: two levels up from the sources (src/cli), three from the build (dist/src/cli). */
function version(): string {
  for (const up of ['../../', '../../../']) {
    const file = new URL(`${up}package.json`, import.meta.url);
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
    if (pkg.name === 'crossdock') return pkg.version;
  }
  throw new Error('package.json of crossdock not found');
}

async function main(argv: string[]): Promise<CommandResult> {
  const cli = readCli(argv);
  if (cli.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (cli.help || !cli.command) {
    process.stdout.write(HELP);
    return cli.help ? 0 : 1;
  }
  const load = Object.hasOwn(COMMANDS, cli.command) ? COMMANDS[cli.command] : undefined;
  if (!load) throw new UsageError(`unknown command "${cli.command}" (try --help)`);
  return (await load())(cli);
}

main(process.argv.slice(2)).then(
  (result) => {
    if (result !== 'serving') process.exitCode = result;
  },
  (error: unknown) => {
    const { name, code, message } = error as { name?: string; code?: string; message?: string };
    if (name === 'StartupError') {
      // One line saying why (port in use, store locked or not ours): exit 1 or 2 as the check decided.
      process.stderr.write(`crossdock: ${message}\n`);
      process.exit((error as { exitCode: number }).exitCode);
    }
    if (name === 'ConfigError') {
      process.stderr.write(`crossdock: ${message}\n`);
      process.exit(2);
    }
    if (name === 'UsageError' || code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`crossdock: ${message}\n${HELP}`);
      process.exit(2);
    }
    process.stderr.write(`crossdock: ${message ?? String(error)}\n`);
    process.exit(1);
  },
);
