/**
 * The event log in the embedded SQLite database (the same file as the keyv store, through its own
 * connection). Atomicity: each `commit` is one `BEGIN IMMEDIATE … COMMIT` transaction, so the events and the
 * job rows they describe are written together or, after a crash or an error, not at all (SQLite rolls an
 * unfinished transaction back when the file is next opened). Every statement of this connection runs through
 * one queue, so no statement of another call can slip into an open transaction. `AUTOINCREMENT` makes
 * sequence numbers strictly increasing and never reused, also after pruning.
 */
import { randomUUID } from 'node:crypto';
import sqlite3 from 'sqlite3';
import {
  type JobEventRecord,
  type JobTransition,
  type NewJobEvent,
  type StoredJob,
  TRANSITION_KINDS,
  toTransition,
} from '../events/types.js';
import type { AccountState, EventStore, JobKey, LogBounds, LogCommit } from './event-store.js';
import { MAX_HISTORY } from './event-store.js';

const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS crossdock_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  `CREATE TABLE IF NOT EXISTS crossdock_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     logged_ms INTEGER NOT NULL,
     account TEXT NOT NULL,
     native_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     transition TEXT NOT NULL,
     body TEXT
   )`,
  'CREATE INDEX IF NOT EXISTS crossdock_events_job ON crossdock_events (account, native_id, seq)',
  'CREATE INDEX IF NOT EXISTS crossdock_events_logged ON crossdock_events (logged_ms)',
  `CREATE TABLE IF NOT EXISTS crossdock_jobs (
     account TEXT NOT NULL,
     native_id TEXT NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (account, native_id)
   )`,
  'CREATE TABLE IF NOT EXISTS crossdock_accounts (account TEXT PRIMARY KEY, baselined_at TEXT NOT NULL)',
];

const TRANSITION_KIND_LIST = TRANSITION_KINDS.map((k) => `'${k}'`).join(', ');
const JOB_EXISTS =
  'EXISTS (SELECT 1 FROM crossdock_jobs j WHERE j.account = crossdock_events.account AND j.native_id = crossdock_events.native_id)';
/** SQLite's default limit of bound parameters is 999 (older builds); stay well below it. */
const KEYS_PER_QUERY = 200;

type Row = Record<string, unknown>;

const keyOf = (k: JobKey) => `${k.account}\n${k.nativeId}`;

function* chunksOf(keys: readonly JobKey[]): Generator<readonly JobKey[]> {
  for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) yield keys.slice(i, i + KEYS_PER_QUERY);
}

/** A WHERE clause matching exactly these jobs. */
function matchingKeys(keys: readonly JobKey[]): { sql: string; params: string[] } {
  return {
    sql: keys.map(() => '(account = ? AND native_id = ?)').join(' OR '),
    params: keys.flatMap((k) => [k.account, k.nativeId]),
  };
}

export interface SqliteEventStoreOptions {
  path: string;
  now?: () => number;
  busyTimeoutMs?: number;
}

export class SqliteEventStore implements EventStore {
  private db: sqlite3.Database | undefined;
  private id = '';
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly opts: SqliteEventStoreOptions) {
    this.now = opts.now ?? Date.now;
  }

  get logId(): string {
    return this.id;
  }

  async open(): Promise<void> {
    this.db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db = new sqlite3.Database(this.opts.path, (error) => (error ? reject(error) : resolve(db)));
    });
    this.db.configure('busyTimeout', this.opts.busyTimeoutMs ?? 5_000);
    await this.serial(async () => {
      // WAL lets readers (the keyv connection, a second process) go on while the log writes.
      await this.all('PRAGMA journal_mode = WAL').catch(() => undefined);
      for (const statement of SCHEMA) await this.run(statement);
      await this.run("INSERT OR IGNORE INTO crossdock_meta (key, value) VALUES ('log_id', ?)", [randomUUID()]);
      const row = await this.get("SELECT value FROM crossdock_meta WHERE key = 'log_id'");
      this.id = String(row?.value);
    });
  }

  loadAccount(account: string): Promise<AccountState> {
    return this.serial(async () => {
      const baselined = await this.get('SELECT 1 AS yes FROM crossdock_accounts WHERE account = ?', [account]);
      const rows = await this.all('SELECT body FROM crossdock_jobs WHERE account = ?', [account]);
      return { baselined: baselined !== undefined, jobs: rows.map((r) => JSON.parse(String(r.body)) as StoredJob) };
    });
  }

  commit(change: LogCommit): Promise<JobEventRecord[]> {
    return this.serial(() =>
      this.transaction(async () => {
        const loggedMs = this.now();
        const records: JobEventRecord[] = [];
        for (const event of change.events) {
          const seq = await this.insert(
            'INSERT INTO crossdock_events (logged_ms, account, native_id, kind, transition, body) VALUES (?, ?, ?, ?, ?, ?)',
            [
              loggedMs,
              event.account,
              event.nativeId,
              event.kind,
              JSON.stringify(toTransition(event)),
              JSON.stringify(event),
            ],
          );
          records.push({ ...event, seq });
        }
        for (const job of change.upserts) {
          await this.run('INSERT OR REPLACE INTO crossdock_jobs (account, native_id, body) VALUES (?, ?, ?)', [
            job.account,
            job.nativeId,
            JSON.stringify(job),
          ]);
        }
        for (const nativeId of change.removals) {
          await this.run('DELETE FROM crossdock_jobs WHERE account = ? AND native_id = ?', [change.account, nativeId]);
        }
        if (change.baseline) {
          await this.run('INSERT OR IGNORE INTO crossdock_accounts (account, baselined_at) VALUES (?, ?)', [
            change.account,
            new Date(loggedMs).toISOString(),
          ]);
        }
        return records;
      }),
    );
  }

  readAfter(after: number, limit: number): Promise<JobEventRecord[]> {
    return this.serial(async () => {
      const rows = await this.all(
        'SELECT seq, body FROM crossdock_events WHERE seq > ? AND body IS NOT NULL ORDER BY seq LIMIT ?',
        [after, limit],
      );
      return rows.map((r) => ({ ...(JSON.parse(String(r.body)) as NewJobEvent), seq: Number(r.seq) }));
    });
  }

  bounds(): Promise<LogBounds> {
    return this.serial(() => this.boundsNow());
  }

  jobs(keys: readonly JobKey[]): Promise<(StoredJob | undefined)[]> {
    return this.serial(async () => {
      const found = new Map<string, StoredJob>();
      for (const chunk of chunksOf(keys)) {
        const where = matchingKeys(chunk);
        for (const row of await this.all(`SELECT body FROM crossdock_jobs WHERE ${where.sql}`, where.params)) {
          const job = JSON.parse(String(row.body)) as StoredJob;
          found.set(keyOf(job), job);
        }
      }
      return keys.map((k) => found.get(keyOf(k)));
    });
  }

  transitions(keys: readonly JobKey[]): Promise<JobTransition[][]> {
    return this.serial(async () => {
      const byJob = new Map<string, JobTransition[]>();
      // One query per chunk of jobs (a page of `Job.history` fields), each job's newest MAX_HISTORY.
      for (const chunk of chunksOf(keys)) {
        const where = matchingKeys(chunk);
        const rows = await this.all(
          `SELECT account, native_id, transition FROM (
             SELECT account, native_id, seq, transition,
                    ROW_NUMBER() OVER (PARTITION BY account, native_id ORDER BY seq DESC) AS newest
             FROM crossdock_events WHERE kind IN (${TRANSITION_KIND_LIST}) AND (${where.sql})
           ) WHERE newest <= ? ORDER BY seq`,
          [...where.params, MAX_HISTORY],
        );
        for (const row of rows) {
          const key = keyOf({ account: String(row.account), nativeId: String(row.native_id) });
          const list = byJob.get(key) ?? [];
          list.push(JSON.parse(String(row.transition)) as JobTransition);
          byJob.set(key, list);
        }
      }
      return keys.map((k) => byJob.get(keyOf(k)) ?? []);
    });
  }

  prune(cutoffMs: number): Promise<void> {
    return this.serial(() =>
      this.transaction(async () => {
        const { prunedThrough } = await this.boundsNow();
        const row = await this.get('SELECT MAX(seq) AS through FROM crossdock_events WHERE logged_ms < ?', [cutoffMs]);
        const through = Math.max(prunedThrough, Number(row?.through ?? 0));
        if (through === prunedThrough) return;
        // Transitions of jobs that still exist stay for Job.history, without their snapshots.
        await this.run(
          `DELETE FROM crossdock_events WHERE seq <= ? AND (kind NOT IN (${TRANSITION_KIND_LIST}) OR NOT ${JOB_EXISTS})`,
          [through],
        );
        await this.run('UPDATE crossdock_events SET body = NULL WHERE seq <= ? AND body IS NOT NULL', [through]);
        await this.run(
          "INSERT INTO crossdock_meta (key, value) VALUES ('pruned_through', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
          [String(through)],
        );
      }),
    );
  }

  async close(): Promise<void> {
    const db = this.db;
    if (!db) return;
    // Queued work finishes first; anything called later fails as closed.
    await this.serial(async () => {
      this.db = undefined;
    }).catch(() => undefined);
    await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
  }

  private async boundsNow(): Promise<LogBounds> {
    const pruned = await this.get("SELECT value FROM crossdock_meta WHERE key = 'pruned_through'");
    // sqlite_sequence remembers the highest seq ever given, even when that row was pruned.
    const latest = await this.get("SELECT seq FROM sqlite_sequence WHERE name = 'crossdock_events'");
    return { prunedThrough: Number(pruned?.value ?? 0), latest: Number(latest?.seq ?? 0) };
  }

  /** Runs `work` after everything queued before it; one call at a time on this connection. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(() => {
      if (!this.db) throw new Error('event store is closed');
      return work();
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.run('BEGIN IMMEDIATE');
    try {
      const result = await work();
      await this.run('COMMIT');
      return result;
    } catch (error) {
      await this.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  private connection(): sqlite3.Database {
    if (!this.db) throw new Error('event store is closed');
    return this.db;
  }

  private run(sql: string, params: unknown[] = []): Promise<void> {
    return new Promise((resolve, reject) =>
      this.connection().run(sql, params, (error: Error | null) => (error ? reject(error) : resolve())),
    );
  }

  private insert(sql: string, params: unknown[]): Promise<number> {
    return new Promise((resolve, reject) =>
      this.connection().run(sql, params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve(this.lastID);
      }),
    );
  }

  private get(sql: string, params: unknown[] = []): Promise<Row | undefined> {
    return new Promise((resolve, reject) =>
      this.connection().get(sql, params, (error: Error | null, row: Row | undefined) =>
        error ? reject(error) : resolve(row),
      ),
    );
  }

  private all(sql: string, params: unknown[] = []): Promise<Row[]> {
    return new Promise((resolve, reject) =>
      this.connection().all(sql, params, (error: Error | null, rows: Row[]) => (error ? reject(error) : resolve(rows))),
    );
  }
}
