/** The CLI as a user runs it: a real process, real ports, signals. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliProcess, runCli } from './helpers/process.js';

describe('crossdock CLI', () => {
  const procs: CliProcess[] = [];
  const dirs: string[] = [];
  const cli = (args: string[], cwd?: string) => {
    const p = runCli(args, { cwd, env: { PORT: '' } });
    procs.push(p);
    return p;
  };
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'crossdock-cli-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('prints help and version', async () => {
    const help = cli(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('crossdock serve');
    const version = cli(['--version']);
    expect(await version.exited).toBe(0);
    expect(version.stdout().trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 with one clear line per bad field and no stack trace on a bad config', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'bad.yaml'),
      'server:\n  port: eighty\nproviders:\n  - kind: floppy-mail\n    account: a\n    token: s3cr3t-value\n',
    );
    const p = cli(['serve', '--config', 'bad.yaml'], dir);
    expect(await p.exited).toBe(2);
    const err = p.stderr();
    expect(err).toMatch(/server\.port: /);
    expect(err).toMatch(/providers\[0\]\.kind: unknown provider "floppy-mail"/);
    expect(err).not.toMatch(/\n\s+at /);
    expect(err).not.toContain('s3cr3t-value');
  });

  it('refuses a store file written by a newer crossdock, saying so, instead of touching it', async () => {
    const dir = tempDir();
    const store = join(dir, 'newer.sqlite');
    const db = new sqlite3.Database(store);
    await new Promise<void>((resolve, reject) =>
      db.exec(
        "CREATE TABLE crossdock_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO crossdock_meta VALUES ('schema_version', '99');",
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    await new Promise<void>((resolve) => db.close(() => resolve()));
    const sandbox = cli(['sandbox', '--json', '--seed-jobs', '1']);
    const description = JSON.parse(await sandbox.waitForLine(/^\{/)) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...description, store: { kind: 'sqlite', path: store } }));
    const p = cli(['serve', '--config', 'config.json', '--port', '0'], dir);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/newer crossdock \(store schema 99\)/);
    expect(p.stderr()).not.toMatch(/\n\s+at /);
  });

  it('rejects a bad option with a usage message', async () => {
    const p = cli(['serve', '--port', 'abc']);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain('--port must be a whole number');
  });

  it('sandbox --json prints one JSON object first, then serves until SIGTERM', async () => {
    const p = cli(['sandbox', '--json']);
    const line = await p.waitForLine(/^\{/);
    expect(p.stdout().startsWith(line)).toBe(true);
    const description = JSON.parse(line) as { providers: { kind: string; endpoint: string }[]; caCertificate: string };
    expect(description.caCertificate).toContain('BEGIN CERTIFICATE');
    expect(description.providers.length).toBeGreaterThan(0);
    for (const provider of description.providers) expect(provider.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await p.stop('SIGTERM')).toBe(0);
  });

  it('serve without config starts the sandbox and a gateway that answers GraphQL, then shuts down cleanly', async () => {
    const dir = tempDir();
    const p = cli(['serve', '--port', '0', '--log-level', 'warn'], dir);
    const line = await p.waitForLine(/GraphQL at http:\/\//);
    const url = line.match(/(http:\/\/\S+)/)![1]!;
    const health = await fetch(new URL('/healthz', url));
    expect(health.status).toBe(200);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ jobs(first: 5) { totalCount edges { node { id provider state } } } }' }),
    });
    const body = (await res.json()) as { data: { jobs: { totalCount: number } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.jobs.totalCount).toBeGreaterThan(0);
    expect(await p.stop('SIGTERM')).toBe(0);
    // The store was closed, not abandoned: SQLite folds its write-ahead log back when the last connection closes.
    expect(existsSync(join(dir, '.crossdock', 'sandbox.sqlite'))).toBe(true);
    expect(existsSync(join(dir, '.crossdock', 'sandbox.sqlite-wal'))).toBe(false);
  });
});
