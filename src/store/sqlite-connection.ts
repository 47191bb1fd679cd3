/**
 * One sqlite3 connection with promises and a queue: every call runs after the ones queued before it, so
 * the statements of a transaction never interleave with another call's. sqlite3 is the N-API build (the same
 * node_modules serve Node 20 and 24); it has no promise API of its own.
 */
import sqlite3 from 'sqlite3';

import { inTransaction, type Row } from './sql.js';

export type { Row };

export class SqliteConnection {
  private db: sqlite3.Database | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  static async open(path: string, opts: { busyTimeoutMs: number; readOnly?: boolean }): Promise<SqliteConnection> {
    const connection = new SqliteConnection();
    const mode = opts.readOnly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE;
    connection.db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db = new sqlite3.Database(path, mode, (error) => (error ? reject(error) : resolve(db)));
    });
    connection.db.configure('busyTimeout', opts.busyTimeoutMs);
    return connection;
  }

  /** Runs `work` after everything queued before it; one call at a time on this connection. */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(() => {
      if (!this.db) throw new Error('store is closed');
      return work();
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** `work` inside BEGIN … COMMIT (ROLLBACK when it throws); call it inside `serial`. */
  transaction<T>(work: () => Promise<T>, begin = 'BEGIN IMMEDIATE'): Promise<T> {
    return inTransaction((sql) => this.run(sql), work, begin);
  }

  run(sql: string, params: unknown[] = []): Promise<void> {
    return new Promise((resolve, reject) =>
      this.connection().run(sql, params, (error: Error | null) => (error ? reject(error) : resolve())),
    );
  }

  /** Runs an INSERT and resolves with the new row's rowid. */
  insert(sql: string, params: unknown[]): Promise<number> {
    return this.runFor(sql, params, (result) => result.lastID);
  }

  /** Runs an UPDATE or DELETE and resolves with the number of rows it changed. */
  change(sql: string, params: unknown[]): Promise<number> {
    return this.runFor(sql, params, (result) => result.changes);
  }

  private runFor(sql: string, params: unknown[], pick: (result: sqlite3.RunResult) => number): Promise<number> {
    return new Promise((resolve, reject) =>
      this.connection().run(sql, params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve(pick(this));
      }),
    );
  }

  get(sql: string, params: unknown[] = []): Promise<Row | undefined> {
    return new Promise((resolve, reject) =>
      this.connection().get(sql, params, (error: Error | null, row: Row | undefined) =>
        error ? reject(error) : resolve(row),
      ),
    );
  }

  all(sql: string, params: unknown[] = []): Promise<Row[]> {
    return new Promise((resolve, reject) =>
      this.connection().all(sql, params, (error: Error | null, rows: Row[]) => (error ? reject(error) : resolve(rows))),
    );
  }

  /** Waits for queued work, then closes; later calls fail as closed. */
  async close(): Promise<void> {
    const db = this.db;
    if (!db) return;
    await this.serial(async () => {
      this.db = undefined;
    }).catch(() => undefined);
    await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
  }

  private connection(): sqlite3.Database {
    if (!this.db) throw new Error('store is closed');
    return this.db;
  }
}
