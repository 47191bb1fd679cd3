/** `crossdock sandbox`, and the config `crossdock serve` gives the gateway when it runs on the sandbox. */
import YAML from 'yaml';
import { type GatewayConfig, parseConfig } from '../config.js';
import { registry } from '../registry.js';
import {
  DEFAULT_SANDBOX_SEED_JOBS,
  DEFAULT_SANDBOX_STEP_MS,
  type Sandbox,
  type SandboxDescription,
  type SandboxOptions,
  startSandbox,
} from '../sandbox/index.js';
import type { Command } from './main.js';
import { type CliInput, DEFAULT_SANDBOX_SEED, UsageError } from './options.js';
import { onShutdown } from './signals.js';

/** The sandbox's store lives under the working directory's `.crossdock/`, like a configured gateway's. */
export const SANDBOX_STORE = '.crossdock/sandbox.sqlite';

export function sandboxOptions(cli: CliInput): SandboxOptions & { stepMs: number } {
  return {
    registry,
    seed: cli.int('seed', 0, 2 ** 31 - 1) ?? DEFAULT_SANDBOX_SEED,
    stepMs: cli.int('step-ms', 0, 3_600_000) ?? DEFAULT_SANDBOX_STEP_MS,
    seedJobs: cli.int('seed-jobs', 0, 1_000_000) ?? DEFAULT_SANDBOX_SEED_JOBS,
  };
}

/**
 * Polling paced to the simulators' clock, so the sandbox shows live changes within seconds: moving jobs
 * every lifecycle step, waiting ones (and discovery of new jobs) every two, terminal ones every thirty.
 */
export function sandboxPolling(stepMs: number) {
  const step = stepMs > 0 ? stepMs : DEFAULT_SANDBOX_STEP_MS;
  return { intervalMs: { active: step, waiting: 2 * step, terminal: 30 * step }, backoff: { initialMs: step } };
}

/** Starts the simulators and returns them with the gateway config wired to them (`serve` without a config). */
export async function startSandboxForGateway(cli: CliInput): Promise<{ sandbox: Sandbox; config: GatewayConfig }> {
  const options = sandboxOptions(cli);
  const sandbox = await startSandbox(options);
  // The simulators start afresh every run, so the sandbox's store does too: `serve` had prepareToServe delete
  // it, under the store's lock, before the simulators started.
  const config = parseConfig(
    {
      ...sandbox.description,
      store: { kind: 'sqlite', path: SANDBOX_STORE },
      polling: sandboxPolling(options.stepMs),
    },
    registry,
  );
  return { sandbox, config };
}

export function sandboxConfigYaml(description: SandboxDescription): string {
  return YAML.stringify(description, { lineWidth: 0 });
}

export const sandbox: Command = async (cli) => {
  if (cli.args.length) throw new UsageError(`unexpected argument "${cli.args[0]}"`);
  const running = await startSandbox(sandboxOptions(cli));
  onShutdown(() => running.close());
  if (cli.json) {
    process.stdout.write(`${JSON.stringify(running.description)}\n`);
  } else {
    const lines = running.description.providers.map(
      (p) => `  ${p.kind.padEnd(22)} ${p.account.padEnd(32)} ${p.endpoint}`,
    );
    process.stdout.write(
      `crossdock sandbox: ${lines.length} simulated provider accounts on loopback\n${lines.join('\n')}\n\n` +
        `A config file for them (save as crossdock.config.yaml, then run \`npx crossdock serve\`):\n\n` +
        `${sandboxConfigYaml(running.description)}\nPress Ctrl-C to stop.\n`,
    );
  }
  return 'serving';
};
