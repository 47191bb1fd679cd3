/**
 * How long the CLI takes to start, as ratios to a bare `node -e 0` measured in the same run: `--version` and
 * `--help` (which should load nothing but the CLI's entry), importing the library, `serve` until it listens
 * (on the sandbox, and on one configured account), and the TypeScript sources through tsx (how the CLI ran
 * before it was compiled). The cases take turns round after round, so a busy machine slows them alike.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { bin, buildOnce, root } from './build.js';
import { fmt, median, percentile } from './stats.js';

const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface StartupCase {
  name: string;
  args: string[];
  /** Measured until this stdout text appears (the process is then killed), else until the process exits. */
  until?: string;
  /** Then further, until the GraphQL URL printed on that line answers this query with data. */
  firstAnswer?: string;
  rounds: number;
}

/** Asks `url` until it answers `query` with data (the gateway listens before its first poll round ends). */
async function firstAnswer(url: string, query: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    }).catch(() => undefined);
    const body = (await res?.json().catch(() => undefined)) as { data?: unknown } | undefined;
    if (res?.ok && body?.data) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${url} gave no answer to ${query}`);
}

/** Milliseconds from spawn to exit, or to the first stdout chunk containing `until` (and then its first answer). */
function time(args: string[], cwd: string, until?: string, query?: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let elapsed: number | undefined;
    let seen = false;
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
      if (!until || seen || !out.includes(until)) return;
      seen = true;
      const url = /(http:\/\/\S+)/.exec(out.slice(out.indexOf(until)))?.[1];
      const answered = query && url ? firstAnswer(url, query) : Promise.resolve();
      answered.then(
        () => {
          elapsed = performance.now() - started;
          child.kill('SIGTERM');
        },
        (error: unknown) => {
          child.kill('SIGTERM');
          reject(error);
        },
      );
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (until && elapsed === undefined) reject(new Error(`${args.join(' ')} exited (${code}) before "${until}"`));
      else if (!until && code !== 0) reject(new Error(`${args.join(' ')} exited with ${code}`));
      else resolve(elapsed ?? performance.now() - started);
    });
  });
}

export async function measureStartup(): Promise<string[][]> {
  buildOnce();

  const dir = mkdtempSync(join(tmpdir(), 'crossdock-bench-startup-'));
  // One account on loopback where nothing answers: the gateway starts; its polls fail without leaving the host.
  writeFileSync(
    join(dir, 'account.yaml'),
    'store: { kind: memory }\nproviders:\n  - { kind: aws-import-export, account: a, accessKeyId: AKIA0, secretAccessKey: s, endpoint: "https://127.0.0.1:9" }\n',
  );
  const cases: StartupCase[] = [
    { name: 'node -e 0 (bare Node, the unit)', args: ['-e', '0'], rounds: 15 },
    { name: 'crossdock --version', args: [bin, '--version'], rounds: 15 },
    { name: 'crossdock --help', args: [bin, '--help'], rounds: 15 },
    {
      name: "import('crossdock')",
      args: ['--input-type=module', '-e', `await import(${JSON.stringify(join(root, 'dist/src/index.js'))})`],
      rounds: 15,
    },
    {
      name: 'crossdock serve --config (one account), until listening',
      args: [bin, 'serve', '--config', 'account.yaml', '--port', '0', '--log-level', 'silent'],
      until: 'GraphQL at',
      rounds: 5,
    },
    {
      name: 'crossdock serve (sandbox), until listening',
      args: [bin, 'serve', '--port', '0', '--log-level', 'silent'],
      until: 'GraphQL at',
      rounds: 5,
    },
    {
      name: 'crossdock serve (sandbox), until its first answer to jobs(first: 10)',
      args: [bin, 'serve', '--port', '0', '--log-level', 'silent'],
      until: 'GraphQL at',
      firstAnswer: '{ jobs(first: 10) { totalCount edges { node { id state } } } }',
      rounds: 5,
    },
    {
      name: 'sources through tsx: --version',
      args: ['--import', tsx, join(root, 'src/cli/main.ts'), '--version'],
      rounds: 5,
    },
  ];
  const samples = cases.map(() => [] as number[]);
  try {
    for (let round = 0; round < Math.max(...cases.map((c) => c.rounds)); round++) {
      for (const [i, c] of cases.entries()) {
        if (round < c.rounds) samples[i]!.push(await time(c.args, dir, c.until, c.firstAnswer));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const unit = median(samples[0]!);
  return [
    ['command', 'median ms', 'p90 ms', 'x node -e 0'],
    ...cases.map((c, i) => [
      c.name,
      fmt(median(samples[i]!)),
      fmt(percentile(samples[i]!, 0.9)),
      `${fmt(median(samples[i]!) / unit)}x`,
    ]),
  ];
}
