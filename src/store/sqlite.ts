/**
 * The store in an embedded SQLite file (`store.kind: sqlite`, the default). Atomicity: each `commit` is one
 * `BEGIN IMMEDIATE … COMMIT` on the writing connection, so events, index rows and poll state are written
 * together or, after a crash or an error, not at all (SQLite rolls an unfinished transaction back when the
 * file is next opened). Reads go through a second connection: in WAL mode they see the last commit and never
 * wait behind a long one. `AUTOINCREMENT` makes sequence numbers strictly increasing and never reused.
 *
 * The index is a table with a column per filter and a sort key; `jobs` pages are one indexed query plus a
 * COUNT. The file carries its schema version: a file of the previous version (event log + keyv tables) is
 * migrated in one transaction when opened; a file of a newer version is refused, never guessed at.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type JobEventRecord,
  type JobTransition,
  type NewJobEvent,
  type StoredJob,
  toTransition,
} from '../events/types.js';
import { jobGlobalId } from '../ids.js';
import { ReadCache } from './read-cache.js';
import { SingleInstanceStore } from './single-instance.js';
import {
  chunksOf,
  countJobsQuery,
  factsFromRow,
  INDEX_COLUMNS,
  indexSchema,
  jobFactsQuery,
  jobFromRow,
  pollFromRow,
  pruneLog,
  type Row,
  recentTransitions,
  rowParams,
  stateCountFromRow,
  transitionsByJob,
} from './sql.js';
import { SqliteConnection } from './sqlite-connection.js';
import {
  type AccountPollState,
  type AccountState,
  DEFAULT_CACHE_JOBS,
  type FactsQuery,
  type GatewayStore,
  type IdempotencyRecord,
  type JobFacts,
  type JobKey,
  type JobQuery,
  type JobQueryPage,
  jobKeyString,
  type LogBounds,
  MAX_HISTORY,
  type ObservationCommit,
  type PlannedCommit,
  type PurgeResult,
  planOf,
  type RoundFailure,
  type StateCount,
  StoreVersionError,
} from './types.js';

/** The schema this code reads and writes. */
export const SCHEMA_VERSION = 2;

const EVENTS_SCHEMA = [
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
];

const SCHEMA_V2 = [...EVENTS_SCHEMA, ...indexSchema({ int: 'INTEGER', text: 'TEXT', id: 'TEXT' })];

/** Bound parameters per statement: well below SQLite's limit (999 in older builds). */
const KEYS_PER_QUERY = 200;
const ROWS_PER_INSERT = 50;
const UPSERT_ROW = `(${INDEX_COLUMNS.split(',')
  .map(() => '?')
  .join(', ')})`;

const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/** A WHERE clause matching exactly these jobs. */
function matchingKeys(keys: readonly JobKey[]): { sql: string; params: string[] } {
  return {
    sql: keys.map(() => '(account = ? AND native_id = ?)').join(' OR '),
    params: keys.flatMap((k) => [k.account, k.nativeId]),
  };
}

export interface SqliteStoreOptions {
  path: string;
  now?: () => number;
  busyTimeoutMs?: number;
  /** Weight of the read cache (src/store/read-cache.ts): job rows and histories 1, pages 1 + their jobs; 0: none. */
  cacheJobs?: number;
}

export class SqliteStore extends SingleInstanceStore implements GatewayStore {
  private writer: SqliteConnection | undefined;
  private reader: SqliteConnection | undefined;
  /** Single statements, each its own implicit transaction: never queued behind another call (see `statement`). */
  private statements: SqliteConnection | undefined;
  private opening: Promise<void> | undefined;
  private id = '';
  private readonly now: () => number;
  private readonly cache: ReadCache;

  constructor(private readonly opts: SqliteStoreOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.cache = new ReadCache(opts.cacheJobs ?? DEFAULT_CACHE_JOBS);
  }

  get logId(): string {
    return this.id;
  }

  open(): Promise<void> {
    this.opening ??= this.openNow();
    return this.opening;
  }

  private async openNow(): Promise<void> {
    mkdirSync(dirname(this.opts.path), { recursive: true });
    const busyTimeoutMs = this.opts.busyTimeoutMs ?? 5_000;
    const writer = await SqliteConnection.open(this.opts.path, { busyTimeoutMs });
    try {
      await writer.serial(async () => {
        // WAL lets the reading connection (and other processes) go on while a commit writes.
        await writer.all('PRAGMA journal_mode = WAL').catch(() => undefined);
        await writer.transaction(() => this.migrate(writer));
        const row = await writer.get("SELECT value FROM crossdock_meta WHERE key = 'log_id'");
        this.id = String(row?.value);
      });
      this.reader = await SqliteConnection.open(this.opts.path, { busyTimeoutMs });
      this.statements = await SqliteConnection.open(this.opts.path, { busyTimeoutMs });
      this.writer = writer;
    } catch (error) {
      await writer.close().catch(() => undefined);
      throw error;
    }
  }

  /** Brings the file to SCHEMA_VERSION: creates it, migrates the previous version, or refuses. */
  private async migrate(db: SqliteConnection): Promise<void> {
    const tables = new Set(
      (await db.all("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => String(r.name)),
    );
    await db.run('CREATE TABLE IF NOT EXISTS crossdock_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const versionRow = await db.get("SELECT value FROM crossdock_meta WHERE key = 'schema_version'");
    let version = versionRow ? Number(versionRow.value) : undefined;
    if (version === undefined) {
      // Version 1 (crossdock 0.1) had an event log, a job table and keyv tables, and no version mark.
      if (tables.has('crossdock_jobs') || tables.has('crossdock_events')) version = 1;
      else if ([...tables].some((t) => !t.startsWith('sqlite_') && !t.startsWith('keyv_'))) {
        throw new StoreVersionError(
          `${this.opts.path} is not a crossdock store (it has other tables); point store.path at a new file.`,
        );
      } else version = 0;
    }
    if (!Number.isInteger(version) || version > SCHEMA_VERSION) {
      throw new StoreVersionError(
        `${this.opts.path} was written by a newer crossdock (store schema ${versionRow?.value}); this version reads schema ${SCHEMA_VERSION} and older. Upgrade crossdock or point store.path at another file.`,
      );
    }
    if (version === SCHEMA_VERSION) return;
    if (version === 1 && tables.has('crossdock_accounts')) {
      await db.run('ALTER TABLE crossdock_accounts RENAME TO crossdock_accounts_v1');
    }
    for (const statement of SCHEMA_V2)
      await db.run(statement.replace(/^CREATE (TABLE|INDEX) (?!IF)/, 'CREATE $1 IF NOT EXISTS '));
    if (version === 1) await this.migrateFromV1(db, tables);
    await db.run("INSERT OR IGNORE INTO crossdock_meta (key, value) VALUES ('log_id', ?)", [randomUUID()]);
    await db.run(
      "INSERT INTO crossdock_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      [String(SCHEMA_VERSION)],
    );
  }

  /**
   * Version 1 kept each job as one JSON body, baselines in crossdock_accounts and idempotency keys in a keyv
   * table: carried over as index rows (the provider from the account's newest event), poll state and keys.
   */
  private async migrateFromV1(db: SqliteConnection, tables: ReadonlySet<string>): Promise<void> {
    if (tables.has('crossdock_accounts')) {
      await db.run(
        `INSERT INTO crossdock_accounts (account, baselined_at, failed_rounds)
         SELECT account, baselined_at, 0 FROM crossdock_accounts_v1`,
      );
      await db.run('DROP TABLE crossdock_accounts_v1');
    }
    if (tables.has('crossdock_jobs')) {
      const providers = new Map<string, string>();
      for (const row of await db.all(
        'SELECT account, body FROM crossdock_events WHERE seq IN (SELECT MAX(seq) FROM crossdock_events WHERE body IS NOT NULL GROUP BY account)',
      )) {
        providers.set(String(row.account), String((JSON.parse(String(row.body)) as NewJobEvent).provider));
      }
      const old = await db.all('SELECT body FROM crossdock_jobs');
      const jobs = old.map((row) => {
        const v1 = JSON.parse(String(row.body)) as Omit<StoredJob, 'id' | 'provider' | 'listingHash'>;
        return {
          ...v1,
          id: jobGlobalId(v1.account, v1.nativeId),
          provider: providers.get(v1.account) ?? '',
          listingHash: null,
        } satisfies StoredJob;
      });
      await this.upsertRows(db, jobs);
      await db.run('DROP TABLE crossdock_jobs');
    }
    if (tables.has('keyv_idempotency')) {
      for (const row of await db.all('SELECT key, value FROM keyv_idempotency')) {
        const match = /^idempotency:([^\n]*)\n([\s\S]*)$/.exec(String(row.key));
        let entry: { value?: IdempotencyRecord; expires?: number } | undefined;
        try {
          entry = JSON.parse(String(row.value)) as typeof entry;
        } catch {
          entry = undefined;
        }
        if (!match || !entry?.value) continue;
        await db.run(
          'INSERT OR REPLACE INTO crossdock_idempotency (account, key, record, expires_ms) VALUES (?, ?, ?, ?)',
          [match[1], match[2], JSON.stringify(entry.value), entry.expires ?? this.now() + 7 * 86_400_000],
        );
      }
      await db.run('DROP TABLE keyv_idempotency');
    }
  }

  private async upsertRows(db: SqliteConnection, jobs: readonly StoredJob[]): Promise<void> {
    for (const chunk of chunksOf(jobs, ROWS_PER_INSERT)) {
      await db.run(
        `INSERT OR REPLACE INTO crossdock_job_index (${INDEX_COLUMNS}) VALUES ${chunk.map(() => UPSERT_ROW).join(', ')}`,
        chunk.flatMap(rowParams),
      );
    }
  }

  /** Serial work on the writing connection (once open). */
  private async write<T>(work: (db: SqliteConnection) => Promise<T>): Promise<T> {
    await this.open();
    const db = this.writer;
    if (!db) throw new Error('store is closed');
    try {
      return await db.serial(() => db.transaction(() => work(db)));
    } finally {
      this.cache.invalidate();
    }
  }

  /** Work on the reading connection, as one read transaction (one consistent view). */
  private async read<T>(work: (db: SqliteConnection) => Promise<T>): Promise<T> {
    await this.open();
    const db = this.reader;
    if (!db) throw new Error('store is closed');
    return db.serial(() => db.transaction(() => work(db), 'BEGIN'));
  }

  /**
   * ONE statement on a connection that never opens a transaction: a single SELECT is its own consistent view (in
   * WAL mode it sees the last commit), so it needs neither BEGIN/COMMIT nor a place in `read`'s queue. Concurrent
   * readers' statements are all handed to sqlite3 at once instead of one per round trip through the thread pool,
   * which under load left the event loop idle between them.
   */
  private async statement<T>(work: (db: SqliteConnection) => Promise<T>): Promise<T> {
    await this.open();
    const db = this.statements;
    if (!db) throw new Error('store is closed');
    return work(db);
  }

  loadAccount(account: string): Promise<AccountState> {
    return this.read(async (db) => {
      const row = await db.get('SELECT * FROM crossdock_accounts WHERE account = ?', [account]);
      const jobs = await db.all('SELECT * FROM crossdock_job_index WHERE account = ?', [account]);
      return { poll: pollFromRow(row), jobs: jobs.map(jobFromRow) };
    });
  }

  loadPollState(account: string): Promise<AccountPollState> {
    return this.read(async (db) =>
      pollFromRow(await db.get('SELECT * FROM crossdock_accounts WHERE account = ?', [account])),
    );
  }

  commit(planned: ObservationCommit | PlannedCommit): Promise<JobEventRecord[]> {
    const plan = planOf(planned);
    return this.write(async (db) => {
      const current = new Map<string, StoredJob>();
      for (const chunk of chunksOf(plan.read, KEYS_PER_QUERY)) {
        const rows = await db.all(
          `SELECT * FROM crossdock_job_index WHERE account = ? AND native_id IN (${placeholders(chunk.length)})`,
          [plan.account, ...chunk],
        );
        for (const row of rows) current.set(String(row.native_id), jobFromRow(row));
      }
      const change = plan.build(current);
      const loggedMs = this.now();
      const records: JobEventRecord[] = [];
      for (const event of change.events) {
        const seq = await db.insert(
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
      await this.upsertRows(db, change.upserts);
      for (const chunk of chunksOf(change.removals, KEYS_PER_QUERY)) {
        await db.run(
          `DELETE FROM crossdock_job_index WHERE account = ? AND native_id IN (${placeholders(chunk.length)})`,
          [change.account, ...chunk],
        );
      }
      if (change.seen) {
        for (const chunk of chunksOf(change.seen.nativeIds, KEYS_PER_QUERY)) {
          await db.run(
            `UPDATE crossdock_job_index SET observed_ms = ? WHERE account = ? AND observed_ms < ? AND native_id IN (${placeholders(chunk.length)})`,
            [change.seen.observedAtMs, change.account, change.seen.observedAtMs, ...chunk],
          );
        }
      }
      if (change.baseline || change.round) {
        await db.run('INSERT OR IGNORE INTO crossdock_accounts (account, failed_rounds) VALUES (?, 0)', [
          change.account,
        ]);
      }
      if (change.baseline) {
        await db.run('UPDATE crossdock_accounts SET baselined_at = COALESCE(baselined_at, ?) WHERE account = ?', [
          new Date(loggedMs).toISOString(),
          change.account,
        ]);
      }
      if (change.round) {
        await db.run(
          'UPDATE crossdock_accounts SET last_round_started_ms = ?, last_complete_round_ms = ?, failed_rounds = 0 WHERE account = ?',
          [change.round.startedMs, change.round.completedMs, change.account],
        );
      }
      return records;
    });
  }

  recordRoundFailure(account: string, failure: RoundFailure): Promise<void> {
    return this.write(async (db) => {
      await db.run(
        `INSERT INTO crossdock_accounts (account, failed_rounds, last_failure) VALUES (?, 1, ?)
         ON CONFLICT(account) DO UPDATE SET failed_rounds = failed_rounds + 1, last_failure = excluded.last_failure`,
        [account, JSON.stringify(failure)],
      );
    });
  }

  findJobs(query: JobQuery): Promise<JobQueryPage> {
    if (query.accounts.length === 0) return Promise.resolve({ jobs: [], hasNextPage: false, totalCount: 0 });
    return this.cache.one(`page\n${JSON.stringify(query)}`, () => this.loadPage(query));
  }

  private async loadPage(query: JobQuery): Promise<JobQueryPage> {
    const where = [`account IN (${placeholders(query.accounts.length)})`];
    const params: unknown[] = [...query.accounts];
    if (query.states?.length) {
      where.push(`state IN (${placeholders(query.states.length)})`);
      params.push(...query.states);
    }
    if (query.types?.length) {
      where.push(`type IN (${placeholders(query.types.length)})`);
      params.push(...query.types);
    }
    if (query.updatedSinceMs != null) {
      where.push('activity_ms >= ?');
      params.push(query.updatedSinceMs);
    }
    const filter = where.join(' AND ');
    const page = query.after ? `${filter} AND (sort_ms < ? OR (sort_ms = ? AND id > ?))` : filter;
    const pageParams = query.after ? [...params, query.after.sortMs, query.after.sortMs, query.after.id] : params;
    const count = `SELECT COUNT(*) AS n FROM crossdock_job_index WHERE ${filter}`;
    const pageOf = (rows: Row[], total: unknown): JobQueryPage => ({
      jobs: rows.slice(0, query.first).map(jobFromRow),
      hasNextPage: rows.length > query.first,
      totalCount: Number(total ?? 0),
    });
    // The page and its count in one statement (one view); only an empty page needs the count on its own.
    const rows = await this.statement((db) =>
      db.all(
        `SELECT *, (${count}) AS total_count FROM crossdock_job_index WHERE ${page} ORDER BY sort_ms DESC, id LIMIT ?`,
        [...params, ...pageParams, query.first + 1],
      ),
    );
    if (rows.length > 0) return pageOf(rows, rows[0]!.total_count);
    return this.read(async (db) =>
      pageOf(
        await db.all(`SELECT * FROM crossdock_job_index WHERE ${page} ORDER BY sort_ms DESC, id LIMIT ?`, [
          ...pageParams,
          query.first + 1,
        ]),
        (await db.get(count, params))?.n,
      ),
    );
  }

  getJobs(keys: readonly JobKey[]): Promise<(StoredJob | undefined)[]> {
    return this.cache.many(
      keys,
      (k) => `job\n${jobKeyString(k)}`,
      (missing) => this.loadJobs(missing),
    );
  }

  private loadJobs(keys: readonly JobKey[]): Promise<(StoredJob | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    // A DataLoader batch of one request fits one statement; larger ones read their chunks in one view.
    return (keys.length <= KEYS_PER_QUERY ? this.statement.bind(this) : this.read.bind(this))(async (db) => {
      const found = new Map<string, StoredJob>();
      for (const chunk of chunksOf(keys, KEYS_PER_QUERY)) {
        const where = matchingKeys(chunk);
        for (const row of await db.all(`SELECT * FROM crossdock_job_index WHERE ${where.sql}`, where.params)) {
          const job = jobFromRow(row);
          found.set(jobKeyString(job), job);
        }
      }
      return keys.map((k) => found.get(jobKeyString(k)));
    });
  }

  async transitions(keys: readonly JobKey[]): Promise<JobTransition[][]> {
    const found = await this.cache.many(
      keys,
      (k) => `history\n${jobKeyString(k)}`,
      (missing) => this.loadTransitions(missing),
    );
    return found.map((history) => history ?? []);
  }

  private loadTransitions(keys: readonly JobKey[]): Promise<JobTransition[][]> {
    if (keys.length === 0) return Promise.resolve([]);
    return (keys.length <= KEYS_PER_QUERY ? this.statement.bind(this) : this.read.bind(this))(async (db) => {
      const rows: Row[] = [];
      // One query per chunk of jobs (a page of `Job.history` fields), each job's newest MAX_HISTORY.
      for (const chunk of chunksOf(keys, KEYS_PER_QUERY)) {
        const where = matchingKeys(chunk);
        rows.push(...(await db.all(recentTransitions(where.sql, '?'), [...where.params, MAX_HISTORY])));
      }
      return transitionsByJob(rows, keys);
    });
  }

  countJobs(accounts: readonly string[]): Promise<StateCount[]> {
    if (accounts.length === 0) return Promise.resolve([]);
    return this.read(async (db) =>
      (await db.all(countJobsQuery(`account IN (${placeholders(accounts.length)})`), [...accounts])).map(
        stateCountFromRow,
      ),
    );
  }

  jobFacts(query: FactsQuery): Promise<JobFacts[]> {
    if (query.accounts.length === 0) return Promise.resolve([]);
    const sql = jobFactsQuery(
      `account IN (${placeholders(query.accounts.length)})`,
      '?',
      (path) => `json_extract(snapshot, '$.${path}')`,
    );
    return this.read(async (db) =>
      (await db.all(sql, [...query.accounts, new Date(query.finishedSinceMs).toISOString()])).map(factsFromRow),
    );
  }

  readAfter(after: number, limit: number): Promise<JobEventRecord[]> {
    return this.statement(async (db) => {
      const rows = await db.all(
        'SELECT seq, body FROM crossdock_events WHERE seq > ? AND body IS NOT NULL ORDER BY seq LIMIT ?',
        [after, limit],
      );
      return rows.map((r) => ({ ...(JSON.parse(String(r.body)) as NewJobEvent), seq: Number(r.seq) }));
    });
  }

  bounds(): Promise<LogBounds> {
    return this.read((db) => boundsOf(db));
  }

  prune(eventsBeforeMs: number): Promise<void> {
    return this.write((db) =>
      pruneLog(
        (sql, params) => db.all(sql, params),
        () => '?',
        eventsBeforeMs,
      ),
    );
  }

  purgeExpired(nowMs: number): Promise<PurgeResult> {
    return this.write(async (db) => ({
      idempotencyKeys: await db.change('DELETE FROM crossdock_idempotency WHERE expires_ms <= ?', [nowMs]),
    }));
  }

  getIdempotencyKey(account: string, key: string, nowMs: number): Promise<IdempotencyRecord | undefined> {
    return this.read(async (db) => {
      const row = await db.get(
        'SELECT record FROM crossdock_idempotency WHERE account = ? AND key = ? AND expires_ms > ?',
        [account, key, nowMs],
      );
      return row ? (JSON.parse(String(row.record)) as IdempotencyRecord) : undefined;
    });
  }

  putIdempotencyKey(account: string, key: string, record: IdempotencyRecord, expiresAtMs: number): Promise<void> {
    return this.write((db) =>
      db.run('INSERT OR REPLACE INTO crossdock_idempotency (account, key, record, expires_ms) VALUES (?, ?, ?, ?)', [
        account,
        key,
        JSON.stringify(record),
        expiresAtMs,
      ]),
    );
  }

  deleteIdempotencyKey(account: string, key: string): Promise<void> {
    return this.write((db) =>
      db.run('DELETE FROM crossdock_idempotency WHERE account = ? AND key = ?', [account, key]),
    );
  }

  claimIdempotencyKey(
    account: string,
    key: string,
    record: IdempotencyRecord,
    expiresAtMs: number,
    nowMs: number,
    previous?: IdempotencyRecord,
  ): Promise<boolean> {
    const text = JSON.stringify(record);
    return this.write(
      async (db) =>
        (previous === undefined
          ? await db.change(
              `INSERT INTO crossdock_idempotency (account, key, record, expires_ms) VALUES (?, ?, ?, ?)
               ON CONFLICT (account, key) DO UPDATE SET record = excluded.record, expires_ms = excluded.expires_ms
               WHERE crossdock_idempotency.expires_ms <= ?`,
              [account, key, text, expiresAtMs, nowMs],
            )
          : await db.change(
              `UPDATE crossdock_idempotency SET record = ?, expires_ms = ?
               WHERE account = ? AND key = ? AND record = ? AND expires_ms > ?`,
              [text, expiresAtMs, account, key, JSON.stringify(previous), nowMs],
            )) === 1,
    );
  }

  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    this.cache.invalidate();
    const connections = [this.statements, this.reader, this.writer];
    this.statements = undefined;
    this.reader = undefined;
    this.writer = undefined;
    // Queued work finishes first; anything called later fails as closed.
    for (const connection of connections) await connection?.close();
  }
}

async function boundsOf(db: SqliteConnection): Promise<LogBounds> {
  const pruned = await db.get("SELECT value FROM crossdock_meta WHERE key = 'pruned_through'");
  // sqlite_sequence remembers the highest seq ever given, even when that row was pruned.
  const latest = await db.get("SELECT seq FROM sqlite_sequence WHERE name = 'crossdock_events'");
  return { prunedThrough: Number(pruned?.value ?? 0), latest: Number(latest?.seq ?? 0) };
}
