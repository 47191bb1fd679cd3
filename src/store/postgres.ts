/**
 * The store in PostgreSQL (`store.kind: postgres`), shared by several gateway instances: one job index, one
 * event log with one global sequence, the idempotency keys, each account's poll state, and the instances'
 * leases (one poller per account).
 *
 * Ordering: every commit takes one transaction-scoped advisory lock before it draws sequence numbers, so
 * commits are serialized and sequence numbers become visible in increasing order (the lock is released only
 * once the commit is visible). A reader that sees seq N has therefore seen every seq below it: the log can be
 * followed by "everything after the last seq I read", on every instance. Gaps (a rolled-back commit's
 * numbers) are harmless: nothing reads by counting.
 *
 * Several writers per account (the holder's rounds; any instance recording its own mutations' answers) stay
 * consistent because each commit is decided inside its transaction against the rows as they are then
 * (`PlannedCommit`), and a holder's round commit is fenced: it carries its lease token, and is refused when
 * another instance took the lease since (the lease row is locked FOR SHARE, so a takeover waits for a commit
 * in progress and every later commit of the stale holder fails).
 *
 * Every instance hears of every commit through NOTIFY (a hint carrying the newest seq: the log itself is read,
 * so a lost or repeated notification changes nothing) on one dedicated connection that reconnects by itself.
 *
 * Migrations are versioned (crossdock_meta.schema_version) and applied at start under a session advisory lock,
 * so instances starting together migrate once; a database of a newer version is refused, never guessed at.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { JobEventRecord, JobTransition, NewJobEvent, StoredJob } from '../events/types.js';
import { toTransition } from '../events/types.js';
import {
  countJobsQuery,
  factsFromRow,
  INDEX_COLUMNS,
  indexSchema,
  inTransaction,
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
import {
  type AccountPollState,
  type AccountState,
  type FactsQuery,
  type GatewayStore,
  type IdempotencyRecord,
  type JobFacts,
  type JobKey,
  type JobQuery,
  type JobQueryPage,
  jobKeyString,
  LeaseLostError,
  type LeaseView,
  type LogBounds,
  MAX_HISTORY,
  type ObservationCommit,
  type PlannedCommit,
  type PurgeResult,
  planOf,
  type RoundFailure,
  type StateCount,
  type StoreListener,
  StoreVersionError,
} from './types.js';

/** The schema versions, in order: each entry brings a database of the previous version to its own. */
const MIGRATIONS: readonly (readonly string[])[] = [
  [
    'CREATE SEQUENCE crossdock_event_seq',
    `CREATE TABLE crossdock_events (
       seq bigint PRIMARY KEY,
       logged_ms bigint NOT NULL,
       account text NOT NULL,
       native_id text NOT NULL,
       kind text NOT NULL,
       transition text NOT NULL,
       body text
     )`,
    'CREATE INDEX crossdock_events_job ON crossdock_events (account, native_id, seq)',
    'CREATE INDEX crossdock_events_logged ON crossdock_events (logged_ms)',
    // Ids ordered by code point, as the other stores order them.
    ...indexSchema({ int: 'bigint', text: 'text', id: 'text COLLATE "C"' }),
    // A lease row is never deleted: its token only grows, so a stale holder's token never becomes valid again.
    `CREATE TABLE crossdock_leases (
       account text PRIMARY KEY,
       owner text NOT NULL,
       token bigint NOT NULL,
       expires_at timestamptz NOT NULL
     )`,
    'CREATE TABLE crossdock_instances (id text PRIMARY KEY, expires_at timestamptz NOT NULL)',
  ],
];

/** The schema this code reads and writes. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/** Advisory lock keys (two-int form): the first names crossdock, the second what is locked. */
const LOCK_SPACE = 0x6364;
const COMMIT_LOCK = 1;
const MIGRATION_LOCK = 2;
const EVENTS_CHANNEL = 'crossdock_events';
const ROUNDS_CHANNEL = 'crossdock_rounds';
/** After a lost notification connection, how long before connecting again (doubling up to the max). */
const RELISTEN_MS = { initial: 500, max: 30_000 };

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (sslmode and other libpq parameters are understood). */
  url: string;
  /** Connections in the pool (the notification connection is one more). */
  poolSize?: number;
  /** Statements running longer are cancelled by the server. */
  statementTimeoutMs?: number;
  /** TLS to the server: true (verified against the system's CAs), or the CA, client certificate and options. */
  ssl?: boolean | { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean; servername?: string };
  now?: () => number;
}

/** The columns of the index as `unnest` array parameters, in INDEX_COLUMNS order. */
const INDEX_ARRAY_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'bigint',
  'bigint',
  'bigint',
  'text',
  'text',
  'text',
] as const;
const UPSERT_INDEX = `INSERT INTO crossdock_job_index (${INDEX_COLUMNS})
  SELECT * FROM unnest(${INDEX_ARRAY_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})
  ON CONFLICT (account, native_id) DO UPDATE SET ${INDEX_COLUMNS.split(', ')
    .slice(2)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

/** Columns of rows as arrays (one per column), for one `unnest` statement however many rows. */
function columnsOf(rows: readonly unknown[][], width: number): unknown[][] {
  return Array.from({ length: width }, (_, column) => rows.map((row) => row[column] ?? null));
}

/** Bound parameters with their `$n` placeholders, for statements assembled from optional parts. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** `(account, native_id)` of the given jobs, as an `unnest` of two array parameters. */
const keysOf = (keys: readonly JobKey[]) => [keys.map((k) => k.account), keys.map((k) => k.nativeId)];
const MATCHING_KEYS = '(account, native_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))';

export class PostgresStore implements GatewayStore {
  readonly shared = true;
  private readonly pool: pg.Pool;
  private readonly now: () => number;
  private opening: Promise<void> | undefined;
  private id = '';
  private closed = false;
  private readonly listeners = new Set<StoreListener>();
  private notifications: pg.Client | undefined;
  private relisten: NodeJS.Timeout | undefined;
  private relistenMs = RELISTEN_MS.initial;

  constructor(private readonly opts: PostgresStoreOptions) {
    this.now = opts.now ?? Date.now;
    this.pool = new pg.Pool({ ...this.clientConfig(), max: opts.poolSize ?? 10, idleTimeoutMillis: 30_000 });
    // An idle connection the server dropped: the pool replaces it; the next query reports real trouble.
    this.pool.on('error', () => undefined);
  }

  get logId(): string {
    return this.id;
  }

  private clientConfig(): pg.ClientConfig {
    return {
      connectionString: this.opts.url,
      application_name: 'crossdock',
      connectionTimeoutMillis: 10_000,
      statement_timeout: this.opts.statementTimeoutMs ?? 15_000,
      ...(this.opts.ssl !== undefined ? { ssl: this.opts.ssl } : {}),
    };
  }

  open(): Promise<void> {
    this.opening ??= this.openNow();
    return this.opening;
  }

  /** Where the store is, for messages: host, port and database, never the credentials. */
  private where(): string {
    try {
      const url = new URL(this.opts.url);
      return `${url.host}${url.pathname}`;
    } catch {
      return 'store.url';
    }
  }

  private redact(error: unknown): string {
    let message = error instanceof Error ? error.message : String(error);
    try {
      const { password } = new URL(this.opts.url);
      if (password) message = message.replaceAll(decodeURIComponent(password), '***').replaceAll(password, '***');
    } catch {
      message = message.replaceAll(this.opts.url, 'store.url');
    }
    return message;
  }

  private async openNow(): Promise<void> {
    const client = await this.pool.connect().catch((error: unknown) => {
      // A new error without the driver's own (whose properties may hold the connection string).
      throw new Error(`cannot connect to the PostgreSQL store at ${this.where()}: ${this.redact(error)}`);
    });
    try {
      // Instances starting together: one migrates, the others wait here and then find it done.
      await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_SPACE, MIGRATION_LOCK]);
      try {
        await this.migrate(client);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_SPACE, MIGRATION_LOCK]);
      }
      const { rows } = await client.query("SELECT value FROM crossdock_meta WHERE key = 'log_id'");
      this.id = String(rows[0]?.value);
    } finally {
      client.release();
    }
  }

  private async migrate(client: pg.PoolClient): Promise<void> {
    await client.query('CREATE TABLE IF NOT EXISTS crossdock_meta (key text PRIMARY KEY, value text NOT NULL)');
    const { rows } = await client.query("SELECT value FROM crossdock_meta WHERE key = 'schema_version'");
    const version = rows[0] ? Number(rows[0].value) : 0;
    if (!Number.isInteger(version) || version > POSTGRES_SCHEMA_VERSION) {
      throw new StoreVersionError(
        `the PostgreSQL database was written by a newer crossdock (store schema ${rows[0]?.value}); this version reads schema ${POSTGRES_SCHEMA_VERSION} and older. Upgrade every instance, or point store.url at another database.`,
      );
    }
    for (let next = version + 1; next <= POSTGRES_SCHEMA_VERSION; next++) {
      await inTransaction(
        (sql) => client.query(sql),
        async () => {
          for (const statement of MIGRATIONS[next - 1]!) await client.query(statement);
          await client.query(
            `INSERT INTO crossdock_meta (key, value) VALUES ('schema_version', $1)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
            [String(next)],
          );
        },
        'BEGIN',
      );
    }
    await client.query("INSERT INTO crossdock_meta (key, value) VALUES ('log_id', $1) ON CONFLICT DO NOTHING", [
      randomUUID(),
    ]);
  }

  /** One statement on any pooled connection (once open). */
  private async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    await this.open();
    return (await this.pool.query(sql, params)).rows as Row[];
  }

  /** `work` in one transaction on one connection (`begin` sets its mode). */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    await this.open();
    const client = await this.pool.connect();
    try {
      return await inTransaction(
        (sql) => client.query(sql),
        () => work(client),
        begin,
      );
    } finally {
      client.release();
    }
  }

  /** A consistent read of several statements (one snapshot). */
  private read<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(work, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  /** A write in the one order of commits (see the top of this file). */
  private write<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, COMMIT_LOCK]);
      return work(client);
    });
  }

  /** Refuses a fenced write whose token is no longer the account's (the lease row stays locked until commit). */
  private async checkFence(client: pg.PoolClient, account: string, fence: number | undefined): Promise<void> {
    if (fence === undefined) return;
    const { rows } = await client.query('SELECT token FROM crossdock_leases WHERE account = $1 FOR SHARE', [account]);
    if (rows[0] === undefined || Number(rows[0].token) !== fence) throw new LeaseLostError(account);
  }

  loadAccount(account: string): Promise<AccountState> {
    return this.read(async (client) => {
      const poll = await client.query('SELECT * FROM crossdock_accounts WHERE account = $1', [account]);
      const jobs = await client.query('SELECT * FROM crossdock_job_index WHERE account = $1', [account]);
      return { poll: pollFromRow(poll.rows[0]), jobs: jobs.rows.map(jobFromRow) };
    });
  }

  async loadPollState(account: string): Promise<AccountPollState> {
    return pollFromRow((await this.query('SELECT * FROM crossdock_accounts WHERE account = $1', [account]))[0]);
  }

  commit(planned: ObservationCommit | PlannedCommit): Promise<JobEventRecord[]> {
    const plan = planOf(planned);
    return this.write(async (client) => {
      await this.checkFence(client, plan.account, plan.fence);
      const current = new Map<string, StoredJob>();
      if (plan.read.length) {
        const { rows } = await client.query(
          'SELECT * FROM crossdock_job_index WHERE account = $1 AND native_id = ANY($2::text[])',
          [plan.account, plan.read],
        );
        for (const row of rows) current.set(String(row.native_id), jobFromRow(row));
      }
      const change = plan.build(current);
      const loggedMs = this.now();
      let records: JobEventRecord[] = [];
      if (change.events.length) {
        const drawn = await client.query("SELECT nextval('crossdock_event_seq') AS seq FROM generate_series(1, $1)", [
          change.events.length,
        ]);
        const seqs = drawn.rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
        records = change.events.map((event, i) => ({ ...event, seq: seqs[i]! }));
        const rows = records.map((e) => [
          e.seq,
          loggedMs,
          e.account,
          e.nativeId,
          e.kind,
          JSON.stringify(toTransition(e)),
          JSON.stringify(withoutSeq(e)),
        ]);
        await client.query(
          `INSERT INTO crossdock_events (seq, logged_ms, account, native_id, kind, transition, body)
           SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`,
          columnsOf(rows, 7),
        );
      }
      if (change.upserts.length) {
        // One row per job: ON CONFLICT cannot touch a row twice in one statement (the last write wins).
        const rows = new Map(change.upserts.map((job) => [jobKeyString(job), rowParams(job)]));
        await client.query(UPSERT_INDEX, columnsOf([...rows.values()], INDEX_ARRAY_TYPES.length));
      }
      if (change.removals.length) {
        await client.query('DELETE FROM crossdock_job_index WHERE account = $1 AND native_id = ANY($2::text[])', [
          change.account,
          change.removals,
        ]);
      }
      if (change.seen?.nativeIds.length) {
        await client.query(
          `UPDATE crossdock_job_index SET observed_ms = $1
           WHERE account = $2 AND observed_ms < $1 AND native_id = ANY($3::text[])`,
          [change.seen.observedAtMs, change.account, change.seen.nativeIds],
        );
      }
      if (change.baseline || change.round) {
        await client.query(
          `INSERT INTO crossdock_accounts (account, baselined_at, last_round_started_ms, last_complete_round_ms, failed_rounds)
           VALUES ($1, $2, $3, $4, 0)
           ON CONFLICT (account) DO UPDATE SET
             baselined_at = COALESCE(crossdock_accounts.baselined_at, excluded.baselined_at),
             last_round_started_ms = COALESCE(excluded.last_round_started_ms, crossdock_accounts.last_round_started_ms),
             last_complete_round_ms = COALESCE(excluded.last_complete_round_ms, crossdock_accounts.last_complete_round_ms),
             failed_rounds = CASE WHEN excluded.last_round_started_ms IS NULL THEN crossdock_accounts.failed_rounds ELSE 0 END`,
          [
            change.account,
            change.baseline ? new Date(loggedMs).toISOString() : null,
            change.round?.startedMs ?? null,
            change.round?.completedMs ?? null,
          ],
        );
      }
      // Delivered with the commit, to every instance listening (this one too).
      if (records.length) await client.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, String(records.at(-1)!.seq)]);
      return records;
    });
  }

  recordRoundFailure(account: string, failure: RoundFailure, fence?: number): Promise<void> {
    return this.transaction(async (client) => {
      await this.checkFence(client, account, fence);
      await client.query(
        `INSERT INTO crossdock_accounts (account, failed_rounds, last_failure) VALUES ($1, 1, $2)
         ON CONFLICT (account) DO UPDATE SET failed_rounds = crossdock_accounts.failed_rounds + 1,
           last_failure = excluded.last_failure`,
        [account, JSON.stringify(failure)],
      );
    });
  }

  async findJobs(query: JobQuery): Promise<JobQueryPage> {
    if (query.accounts.length === 0) return { jobs: [], hasNextPage: false, totalCount: 0 };
    const params = new Params();
    const where = [`account = ANY(${params.add(query.accounts)}::text[])`];
    if (query.states?.length) where.push(`state = ANY(${params.add(query.states)}::text[])`);
    if (query.types?.length) where.push(`type = ANY(${params.add(query.types)}::text[])`);
    if (query.updatedSinceMs != null) where.push(`activity_ms >= ${params.add(query.updatedSinceMs)}`);
    const filter = where.join(' AND ');
    const filterParams = [...params.values];
    let page = filter;
    if (query.after) {
      const sortMs = params.add(query.after.sortMs);
      page += ` AND (sort_ms < ${sortMs} OR (sort_ms = ${sortMs} AND id > ${params.add(query.after.id)}))`;
    }
    const limit = params.add(query.first + 1);
    return this.read(async (client) => {
      const { rows } = await client.query(
        `SELECT * FROM crossdock_job_index WHERE ${page} ORDER BY sort_ms DESC, id LIMIT ${limit}`,
        params.values,
      );
      const count = await client.query(`SELECT COUNT(*) AS n FROM crossdock_job_index WHERE ${filter}`, filterParams);
      return {
        jobs: rows.slice(0, query.first).map(jobFromRow),
        hasNextPage: rows.length > query.first,
        totalCount: Number(count.rows[0]?.n ?? 0),
      };
    });
  }

  async getJobs(keys: readonly JobKey[]): Promise<(StoredJob | undefined)[]> {
    if (keys.length === 0) return [];
    const found = new Map<string, StoredJob>();
    for (const row of await this.query(`SELECT * FROM crossdock_job_index WHERE ${MATCHING_KEYS}`, keysOf(keys))) {
      const job = jobFromRow(row);
      found.set(jobKeyString(job), job);
    }
    return keys.map((k) => found.get(jobKeyString(k)));
  }

  async transitions(keys: readonly JobKey[]): Promise<JobTransition[][]> {
    if (keys.length === 0) return [];
    return transitionsByJob(
      await this.query(recentTransitions(MATCHING_KEYS, '$3'), [...keysOf(keys), MAX_HISTORY]),
      keys,
    );
  }

  async countJobs(accounts: readonly string[]): Promise<StateCount[]> {
    if (accounts.length === 0) return [];
    return (await this.query(countJobsQuery('account = ANY($1::text[])'), [accounts])).map(stateCountFromRow);
  }

  async jobFacts(query: FactsQuery): Promise<JobFacts[]> {
    if (query.accounts.length === 0) return [];
    const sql = jobFactsQuery(
      'account = ANY($1::text[])',
      '$2',
      (path) => `(snapshot::jsonb #>> '{${path.split('.').join(',')}}')::double precision`,
    );
    return (await this.query(sql, [query.accounts, new Date(query.finishedSinceMs).toISOString()])).map(factsFromRow);
  }

  async readAfter(after: number, limit: number): Promise<JobEventRecord[]> {
    const rows = await this.query(
      'SELECT seq, body FROM crossdock_events WHERE seq > $1 AND body IS NOT NULL ORDER BY seq LIMIT $2',
      [after, limit],
    );
    return rows.map((r) => ({ ...(JSON.parse(String(r.body)) as NewJobEvent), seq: Number(r.seq) }));
  }

  async bounds(): Promise<LogBounds> {
    const [row] = await this.query(
      `SELECT (SELECT value FROM crossdock_meta WHERE key = 'pruned_through') AS pruned,
              (SELECT MAX(seq) FROM crossdock_events) AS latest`,
    );
    const prunedThrough = Number(row?.pruned ?? 0);
    // Everything may have been pruned: the newest seq ever given is then the pruned one.
    return { prunedThrough, latest: Math.max(prunedThrough, Number(row?.latest ?? 0)) };
  }

  prune(eventsBeforeMs: number): Promise<void> {
    return this.write((client) =>
      pruneLog(
        async (sql, params) => (await client.query(sql, params)).rows,
        (n) => `$${n}`,
        eventsBeforeMs,
      ),
    );
  }

  async purgeExpired(nowMs: number): Promise<PurgeResult> {
    await this.open();
    const result = await this.pool.query('DELETE FROM crossdock_idempotency WHERE expires_ms <= $1', [nowMs]);
    return { idempotencyKeys: result.rowCount ?? 0 };
  }

  async getIdempotencyKey(account: string, key: string, nowMs: number): Promise<IdempotencyRecord | undefined> {
    const [row] = await this.query(
      'SELECT record FROM crossdock_idempotency WHERE account = $1 AND key = $2 AND expires_ms > $3',
      [account, key, nowMs],
    );
    return row ? (JSON.parse(String(row.record)) as IdempotencyRecord) : undefined;
  }

  async putIdempotencyKey(account: string, key: string, record: IdempotencyRecord, expiresAtMs: number) {
    await this.query(
      `INSERT INTO crossdock_idempotency (account, key, record, expires_ms) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account, key) DO UPDATE SET record = excluded.record, expires_ms = excluded.expires_ms`,
      [account, key, JSON.stringify(record), expiresAtMs],
    );
  }

  async claimIdempotencyKey(
    account: string,
    key: string,
    record: IdempotencyRecord,
    expiresAtMs: number,
    nowMs: number,
    previous?: IdempotencyRecord,
  ): Promise<boolean> {
    await this.open();
    const text = JSON.stringify(record);
    const result =
      previous === undefined
        ? await this.pool.query(
            `INSERT INTO crossdock_idempotency (account, key, record, expires_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (account, key) DO UPDATE SET record = excluded.record, expires_ms = excluded.expires_ms
             WHERE crossdock_idempotency.expires_ms <= $5`,
            [account, key, text, expiresAtMs, nowMs],
          )
        : await this.pool.query(
            `UPDATE crossdock_idempotency SET record = $1, expires_ms = $2
             WHERE account = $3 AND key = $4 AND record = $5 AND expires_ms > $6`,
            [text, expiresAtMs, account, key, JSON.stringify(previous), nowMs],
          );
    return result.rowCount === 1;
  }

  async deleteIdempotencyKey(account: string, key: string): Promise<void> {
    await this.query('DELETE FROM crossdock_idempotency WHERE account = $1 AND key = $2', [account, key]);
  }

  // Instances and leases. Expiry is judged by the database's clock alone, so instances' clocks may differ.

  async heartbeat(instance: string, ttlMs: number): Promise<LeaseView> {
    const instances = await this.query(
      `WITH beat AS (
         INSERT INTO crossdock_instances (id, expires_at) VALUES ($1, now() + make_interval(secs => $2::float8 / 1000))
         ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at RETURNING id
       ), forgotten AS (
         DELETE FROM crossdock_instances WHERE expires_at < now() - interval '1 day'
       )
       SELECT id FROM crossdock_instances WHERE expires_at > now() AND id <> $1 UNION SELECT id FROM beat`,
      [instance, ttlMs],
    );
    const leases = await this.query(
      `SELECT account, owner, EXTRACT(EPOCH FROM expires_at - now()) * 1000 AS expires_in_ms
       FROM crossdock_leases WHERE expires_at > now()`,
    );
    return {
      instances: instances.map((r) => String(r.id)).sort(),
      leases: leases.map((r) => ({
        account: String(r.account),
        owner: String(r.owner),
        expiresInMs: Math.max(0, Number(r.expires_in_ms)),
      })),
    };
  }

  async acquireLease(account: string, instance: string, ttlMs: number): Promise<number | null> {
    const [row] = await this.query(
      `INSERT INTO crossdock_leases AS l (account, owner, token, expires_at) VALUES ($1, $2, 1, now() + make_interval(secs => $3::float8 / 1000))
       ON CONFLICT (account) DO UPDATE SET
         owner = excluded.owner,
         expires_at = excluded.expires_at,
         token = CASE WHEN l.owner = excluded.owner THEN l.token ELSE l.token + 1 END
       WHERE l.owner = excluded.owner OR l.expires_at <= now()
       RETURNING token`,
      [account, instance, ttlMs],
    );
    return row ? Number(row.token) : null;
  }

  async releaseLeases(instance: string, accounts?: readonly string[]): Promise<void> {
    // Expired, not deleted: the next holder's token is higher than this one's.
    if (accounts) {
      if (accounts.length === 0) return;
      await this.query(
        'UPDATE crossdock_leases SET expires_at = now() WHERE owner = $1 AND account = ANY($2::text[])',
        [instance, accounts],
      );
      return;
    }
    await this.query('UPDATE crossdock_leases SET expires_at = now() WHERE owner = $1', [instance]);
    await this.query('DELETE FROM crossdock_instances WHERE id = $1', [instance]);
  }

  listen(listener: StoreListener): () => void {
    this.listeners.add(listener);
    if (!this.notifications && !this.relisten) void this.startListening();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopListening();
    };
  }

  async requestRound(account: string): Promise<void> {
    await this.query('SELECT pg_notify($1, $2)', [ROUNDS_CHANNEL, account]);
  }

  /** The notification connection: LISTEN on both channels, reconnecting with backoff when it is lost. */
  private async startListening(): Promise<void> {
    this.relisten = undefined;
    if (this.closed || this.listeners.size === 0) return;
    const client = new pg.Client(this.clientConfig());
    this.notifications = client;
    const lost = () => {
      if (this.notifications !== client) return;
      this.notifications = undefined;
      client.end().catch(() => undefined);
      if (this.closed || this.listeners.size === 0) return;
      this.relisten = setTimeout(() => void this.startListening(), this.relistenMs);
      this.relisten.unref();
      this.relistenMs = Math.min(this.relistenMs * 2, RELISTEN_MS.max);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      const payload = message.payload ?? '';
      for (const listener of this.listeners) {
        if (message.channel === EVENTS_CHANNEL) listener.committed?.(Number(payload) || 0);
        else if (message.channel === ROUNDS_CHANNEL) listener.roundRequested?.(payload);
      }
    });
    try {
      await this.open();
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}; LISTEN ${ROUNDS_CHANNEL}`);
      this.relistenMs = RELISTEN_MS.initial;
      // Whatever was committed while nobody listened is read now.
      for (const listener of this.listeners) listener.committed?.(0);
    } catch {
      lost();
    }
  }

  private stopListening(): void {
    clearTimeout(this.relisten);
    this.relisten = undefined;
    const client = this.notifications;
    this.notifications = undefined;
    client?.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.stopListening();
    await this.opening?.catch(() => undefined);
    await this.pool.end();
  }
}

/** The event as the log's body keeps it (the seq is its own column). */
const withoutSeq = ({ seq: _seq, ...event }: JobEventRecord): NewJobEvent => event;
