/** What several benchmarks need of the compiled CLI and of the processes they start. */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '../src/sandbox/index.js';

export const root = fileURLToPath(new URL('..', import.meta.url));
/** The compiled CLI, as a user runs it. */
export const bin = join(root, 'bin', 'crossdock.js');

let built = false;

/** Builds the current sources once per benchmark run: what is measured is the build. */
export function buildOnce(): void {
  if (built) return;
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  if (result.status !== 0) throw new Error('npm run build failed');
  built = true;
}

/** Resident memory of a process in MB (Linux /proc; the benchmarks run where CI does). */
export function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/**
 * A config for the CLI in `dir` on the sandbox's accounts: SQLite store in `dir`, and rounds an hour apart, so the
 * gateway observes each account once and is then quiet while it is measured. `extra` is merged on top.
 */
export function writeQuietSandboxConfig(
  dir: string,
  sandbox: Pick<Sandbox, 'description'>,
  extra: Record<string, unknown> = {},
): string {
  const config = join(dir, 'crossdock.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      ...sandbox.description,
      store: { kind: 'sqlite', path: join(dir, 'index.sqlite') },
      polling: { intervalMs: { active: 3_600_000, waiting: 3_600_000 } },
      ...extra,
    }),
  );
  return config;
}
