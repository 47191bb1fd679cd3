/**
 * Store throughput: events committed and delivered per second on PostgreSQL vs SQLite, through the gateway's
 * own event hub. Three writers (as three accounts' pollers) commit CREATED events with their index rows, one
 * event per commit (mutation answers, small rounds) and 50 per commit (large rounds); one subscriber on the
 * writing instance receives them, and on PostgreSQL one more on a second instance sharing the database (what
 * cross-instance delivery costs: notification, then a read of the log).
 *
 * PostgreSQL is the one CROSSDOCK_TEST_POSTGRES_URL names, or a throwaway cluster .ci/postgres.sh starts when
 * the server binaries are installed; without either, this benchmark says so and measures SQLite only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { diffJob } from '../src/events/diff.js';
import { EventHub } from '../src/events/hub.js';
import type { NewJobEvent, StoredJob } from '../src/events/types.js';
import { type GatewayStore, PostgresStore, SqliteStore } from '../src/store/index.js';
import { snapshot } from '../test/helpers/jobs.js';
import { createTestDatabase, postgresUnavailable, stopPostgres } from '../test/helpers/postgres.js';

export const WRITERS = 3;

export interface StoreThroughput {
  store: 'sqlite' | 'postgres';
  eventsPerCommit: number;
  events: number;
  /** From the first commit until the last one returned. */
  commitMs: number;
  /** From the first commit until the subscriber on the writing instance had every event. */
  deliveredMs: number;
  /** The same on another instance sharing the store (PostgreSQL). */
  elsewhereMs?: number;
}

/** Why PostgreSQL cannot be measured here, or undefined. */
export const postgresMissing = () =>
  process.env.CI && !process.env.CROSSDOCK_TEST_POSTGRES_URL ? 'CI without a PostgreSQL URL' : postgresUnavailable();

const logger = pino({ level: 'silent' });

function hubOn(store: GatewayStore): EventHub {
  return new EventHub({ store, logger, retentionMs: 7 * 86_400_000, subscriberQueueLimit: 10_000_000 });
}

/** Resolves with the time every one of `events` events has arrived at a new subscriber of `hub`. */
async function receiveAll(hub: EventHub, events: number): Promise<() => Promise<number>> {
  const subscription = await hub.subscribe({});
  const done = (async () => {
    let received = 0;
    for await (const _ of subscription) {
      received += 1;
      if (received === events) break;
    }
    await subscription.return?.();
    return performance.now();
  })();
  return () => done;
}

/** One commit's worth of CREATED events and index rows for `account`, jobs numbered from `first`. */
function commitOf(account: string, first: number, count: number): { events: NewJobEvent[]; upserts: StoredJob[] } {
  const events: NewJobEvent[] = [];
  const upserts: StoredJob[] = [];
  for (let i = first; i < first + count; i++) {
    const { event, stored } = diffJob(undefined, {
      account,
      provider: 'bench',
      snapshot: snapshot(`job-${i}`, 'CREATING'),
      observedAtMs: Date.now(),
      afterGap: false,
    });
    events.push(event!);
    upserts.push(stored);
  }
  return { events, upserts };
}

export async function measureStoreThroughput(
  kind: StoreThroughput['store'],
  eventsPerCommit: number,
  events: number,
): Promise<StoreThroughput> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    let store: GatewayStore;
    let elsewhere: EventHub | undefined;
    if (kind === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'crossdock-bench-store-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      store = new SqliteStore({ path: join(dir, 'store.sqlite') });
    } else {
      const database = await createTestDatabase();
      cleanups.push(() => database.drop());
      store = new PostgresStore({ url: database.url });
      const other = new PostgresStore({ url: database.url });
      cleanups.push(() => other.close());
      elsewhere = hubOn(other);
      cleanups.push(() => elsewhere!.dispose());
    }
    cleanups.push(() => store.close());
    const hub = hubOn(store);
    cleanups.push(() => hub.dispose());
    await hub.ready;
    await elsewhere?.ready;
    const perWriter = Math.floor(events / WRITERS);
    const total = perWriter * WRITERS;
    const delivered = await receiveAll(hub, total);
    const deliveredElsewhere = elsewhere && (await receiveAll(elsewhere, total));

    const started = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        for (let first = 0; first < perWriter; first += eventsPerCommit) {
          const batch = commitOf(`account-${writer}`, first, Math.min(eventsPerCommit, perWriter - first));
          await hub.commit({ account: `account-${writer}`, ...batch, removals: [] });
        }
      }),
    );
    const committed = performance.now();
    const deliveredAt = await delivered();
    const elsewhereAt = deliveredElsewhere && (await deliveredElsewhere());
    return {
      store: kind,
      eventsPerCommit,
      events: total,
      commitMs: committed - started,
      deliveredMs: deliveredAt - started,
      ...(elsewhereAt !== undefined ? { elsewhereMs: elsewhereAt - started } : {}),
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

export { stopPostgres };
