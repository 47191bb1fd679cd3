/**
 * A real PostgreSQL for the suites that need one: the server CI starts (CROSSDOCK_TEST_POSTGRES_URL, from
 * .ci/postgres.sh), or else a throwaway cluster this test file starts with the same script when the server
 * binaries are installed. Each caller gets a database of its own, dropped afterwards.
 *
 * Without PostgreSQL the suites are skipped with a message, except in CI, where they fail.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

export const POSTGRES_URL_ENV = 'CROSSDOCK_TEST_POSTGRES_URL';
const SCRIPT = fileURLToPath(new URL('../../.ci/postgres.sh', import.meta.url));
const run = promisify(execFile);

function hasServerBinaries(): boolean {
  try {
    execFileSync('bash', [SCRIPT, 'bindir'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the PostgreSQL suites cannot run here, or undefined when they can (or must: in CI they fail instead). */
export function postgresUnavailable(): string | undefined {
  if (process.env[POSTGRES_URL_ENV] || process.env.CI || hasServerBinaries()) return undefined;
  return `no PostgreSQL (set ${POSTGRES_URL_ENV}, or apt-get install -y postgresql): PostgreSQL tests skipped`;
}

let server: Promise<{ url: string; stop(): Promise<void> }> | undefined;

/** The server's URL: CI's, or a cluster started for this test file (stopped by `stopPostgres`). */
function postgresServer(): Promise<{ url: string; stop(): Promise<void> }> {
  server ??= (async () => {
    const given = process.env[POSTGRES_URL_ENV];
    if (given) return { url: given, stop: async () => {} };
    if (!hasServerBinaries()) {
      throw new Error(`PostgreSQL is required here (CI): set ${POSTGRES_URL_ENV} or install postgresql`);
    }
    // The cluster runs as the `postgres` user when the tests run as root: it must reach its directory.
    const parent = mkdtempSync(join(tmpdir(), 'crossdock-pg-'));
    chmodSync(parent, 0o755);
    const dir = join(parent, 'cluster');
    const { stdout } = await run('bash', [SCRIPT, 'start', dir], { timeout: 120_000 });
    return {
      url: stdout.trim(),
      stop: async () => {
        await run('bash', [SCRIPT, 'stop', dir], { timeout: 60_000 });
        rmSync(parent, { recursive: true, force: true });
      },
    };
  })();
  return server;
}

/** Stops the cluster this file started, if any (call it in afterAll). */
export async function stopPostgres(): Promise<void> {
  const started = server;
  server = undefined;
  await (await started?.catch(() => undefined))?.stop();
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the server, for one test or suite. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { url: serverUrl } = await postgresServer();
  const name = `crossdock_test_${randomUUID().replaceAll('-', '')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
