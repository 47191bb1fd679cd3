/**
 * Start-up faults, each reported as one line with its own exit code before anything of another running
 * instance is touched: a port in use (1), a store another process holds (1), a store file that is corrupt or
 * belongs to something else (2). The CLI calls these before it starts the simulators or opens the store.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import sqlite3 from 'sqlite3';
import type { AuthConfig } from '../auth/config.js';
import { isLoopbackHost } from './origins.js';

export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

/** The one-line error for a failed listen (EADDRINUSE, EACCES, ...). */
export function listenFailure(error: unknown, host: string, port: number): StartupError {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE')
    return new StartupError(
      `port ${port} on ${host} is already in use (is another crossdock running?); choose another with --port`,
      1,
    );
  if (code === 'EACCES') return new StartupError(`not allowed to listen on port ${port} on ${host}`, 1);
  if (code === 'EADDRNOTAVAIL') return new StartupError(`${host} is not an address of this machine`, 1);
  return new StartupError(`cannot listen on ${host}:${port}: ${(error as Error).message}`, 1);
}

/** Fails with the one-line error when host:port cannot be listened on (port 0 always can). */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) => reject(listenFailure(error, host, port)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export interface StoreLock {
  readonly path: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * A pid file beside the store, created exclusively (O_EXCL). A lock whose process is gone is taken over at
 * once, so a gateway restarted after a crash starts without waiting; proper-lockfile and its kin decide
 * staleness by age instead, which would make that restart wait, hence this small hand-written lock.
 */
export function lockStore(storePath: string): StoreLock {
  const path = `${storePath}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        path,
        release() {
          try {
            if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new StartupError(`store ${storePath} is in use by another running crossdock (pid ${pid})`, 1);
      unlinkSync(path); // its process is gone: a stale lock
    }
  }
  throw new StartupError(`could not lock store ${storePath} (${path} keeps reappearing)`, 1);
}

const SQLITE_HEADER = 'SQLite format 3\0';
/** `PRAGMA application_id` of crossdock stores ("CDOK"): tells our file from another program's database. */
export const CROSSDOCK_APPLICATION_ID = 0x43444f4b;
/** Tables a crossdock store has had before it carried the application id. */
const OUR_TABLES = /^(crossdock_|keyv)/;

function query<T>(db: sqlite3.Database, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => db.all(sql, (error, rows) => (error ? reject(error) : resolve(rows as T[]))));
}

/**
 * Fails (exit 2) when the store file is not a SQLite database, is damaged, or is another program's database;
 * marks a crossdock store with the application id on the way. A missing or empty file is a new store.
 */
export async function checkStoreFile(storePath: string): Promise<void> {
  if (!existsSync(storePath)) return;
  const stat = statSync(storePath);
  if (stat.isDirectory()) throw new StartupError(`store ${storePath} is a directory, not a SQLite file`, 2);
  if (stat.size === 0) return;
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(storePath, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  const foreign = `store ${storePath} is not a crossdock store`;
  if (header.toString('latin1') !== SQLITE_HEADER)
    throw new StartupError(`${foreign} (not a SQLite database, or damaged); move it away or set store.path`, 2);
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(storePath, sqlite3.OPEN_READWRITE, (error) =>
      error ? reject(error) : resolve(opened),
    );
  }).catch((error: Error) => {
    throw new StartupError(`${foreign} (${error.message.replace(/^SQLITE_\w+: /, '')})`, 2);
  });
  try {
    const [{ application_id: id } = { application_id: 0 }] = await query<{ application_id: number }>(
      db,
      'PRAGMA application_id',
    );
    const tables = (await query<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table'")).map(
      (t) => t.name,
    );
    const ours =
      id === CROSSDOCK_APPLICATION_ID || (id === 0 && (tables.length === 0 || tables.some((t) => OUR_TABLES.test(t))));
    if (!ours) throw new StartupError(`${foreign} (it belongs to another program); move it away or set store.path`, 2);
    if (id === 0) await query(db, `PRAGMA application_id = ${CROSSDOCK_APPLICATION_ID}`);
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(
      `${foreign} (${(error as Error).message.replace(/^SQLITE_\w+: /, '')}); move it away or set store.path`,
      2,
    );
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

/**
 * Refuses to serve a host other than loopback without an `auth` section: the one-line reason, or undefined.
 * `auth: { mode: none }` written explicitly serves any host open.
 */
export function openHostProblem(auth: AuthConfig | undefined, host: string): string | undefined {
  if (auth || isLoopbackHost(host)) return undefined;
  return `server.host ${host} is not loopback and the config has no auth section: add auth (apiKeys or jwt), or write auth: { mode: none } to serve it open`;
}

export interface ServePlan {
  auth: AuthConfig | undefined;
  host: string;
  port: number;
  /** The SQLite store file (absolute), if the store is SQLite. */
  storePath: string | undefined;
  /** Start the store afresh (the sandbox's simulators start afresh every run): delete it once it is ours. */
  freshStore?: boolean;
}

/**
 * Every check before a gateway starts, in an order that touches nothing of another instance: host without auth
 * (exit 2), port in use (1), store locked by a live process (1), then — under our lock — a fresh store is
 * deleted or an existing one checked (2). Returns the lock, held until `release()` or the process exits.
 */
export async function prepareToServe(plan: ServePlan): Promise<StoreLock | undefined> {
  const openHost = openHostProblem(plan.auth, plan.host);
  if (openHost) throw new StartupError(openHost, 2);
  await assertPortFree(plan.host, plan.port);
  if (!plan.storePath) return undefined;
  mkdirSync(dirname(plan.storePath), { recursive: true });
  const lock = lockStore(plan.storePath);
  try {
    if (plan.freshStore)
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${plan.storePath}${suffix}`, { force: true });
    await checkStoreFile(plan.storePath);
  } catch (error) {
    lock.release();
    throw error;
  }
  process.once('exit', () => lock.release());
  return lock;
}
