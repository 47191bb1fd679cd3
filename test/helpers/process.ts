/** Runs the real CLI as a child process, as a user would, and always reaps it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Tests run the CLI's TypeScript sources through tsx, like vitest runs the rest (bin/ runs the build). */
export const CLI_ARGS = [
  '--import',
  pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, // tsx as this checkout has it, whatever the cwd
  fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url)),
];

export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout line matching `pattern`, or rejects after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ProcessOptions {
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** The CLI from this checkout's sources. */
export function runCli(args: string[], opts: ProcessOptions = {}): CliProcess {
  return runNode([...CLI_ARGS, ...args], opts);
}

/** `node …args` with this test run's Node, as a user would start it. */
export function runNode(args: string[], opts: ProcessOptions = {}): CliProcess {
  // As a user runs it: vitest's NODE_ENV=test changes what libraries do (Apollo installs no signal handlers).
  const { NODE_ENV: _test, ...userEnv } = process.env;
  const child = spawn(process.execPath, args, {
    cwd: opts.cwd,
    env: { ...userEnv, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += String(d);
  });
  child.stderr!.on('data', (d) => {
    err += String(d);
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForLine(pattern, timeoutMs = 25_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const line = out.split('\n').find((l) => pattern.test(l));
        if (line) return line;
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no stdout line matched ${pattern}; stdout: ${out.slice(0, 2000)} stderr: ${err.slice(0, 2000)}`);
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
