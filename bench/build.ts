/** What several benchmarks need of the compiled CLI and of the processes they start. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
