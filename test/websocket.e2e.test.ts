/**
 * The websocket endpoint's hygiene and typed errors over real sockets: connection_init timeout, keep-alive,
 * payload limit, the authentication hook, malformed and expired cursors, and the slow-consumer signal with
 * a resume that loses nothing.
 */
import type { FormattedExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { diffJob } from '../src/events/diff.js';
import { encodeEventCursor } from '../src/events/types.js';
import { registry } from '../src/registry.js';
import { JOB_EVENTS, type JobEventsResult } from './helpers/events.js';
import { startTestGateway, type TestGateway, waitUntil } from './helpers/servers.js';

const { adapters } = registry;

const TOKEN = 'let-me-in';
const PROTOCOL = 'graphql-transport-ws';

/** Opens a raw websocket and resolves with how the server closed it. */
function rawSocket(url: string, opts: WebSocket.ClientOptions = {}) {
  const socket = new WebSocket(url, PROTOCOL, opts);
  const closed = new Promise<{ code: number; reason: string; at: number }>((resolve) => {
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() }));
  });
  socket.on('error', () => {}); // a refused or cut connection shows as its close code
  const opened = new Promise<void>((resolve) => socket.once('open', () => resolve()));
  return { socket, closed, opened };
}

const errorsOf = (results: FormattedExecutionResult<unknown>[]) => results.flatMap((r) => r.errors ?? []);

describe.runIf(adapters.length > 0)('the websocket endpoint', () => {
  let t: TestGateway;
  let account: string;
  const sockets: WebSocket[] = [];
  const connect = () => t.connect({ connectionParams: { token: TOKEN } });

  beforeAll(async () => {
    t = await startTestGateway({
      adapters: [adapters[0]!],
      seedJobs: 6,
      autopilot: true,
      configure: (config) => ({ ...config, events: { retentionMs: 1_000, subscriberQueueLimit: 2 } }),
      websocket: {
        connectionInitTimeoutMs: 300,
        keepAliveMs: 150,
        maxPayloadBytes: 4_096,
        authenticate: ({ connectionParams }) =>
          connectionParams?.token === TOKEN ? { shareKey: 'operators', ackPayload: { welcome: true } } : false,
      },
    });
    account = [...t.gateway.accounts.keys()][0]!;
    await t.gateway.pollNow(account);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    await t?.dispose();
  });

  it('closes a connection that never sends connection_init (4408)', async () => {
    // Timed from before the socket exists: the server's timer cannot start earlier, and a busy machine may
    // report 'open' to the client late (timing from 'open' made this test fail under load).
    const startedAt = Date.now();
    const raw = rawSocket(t.wsUrl);
    sockets.push(raw.socket);
    await raw.opened;
    const { code, at } = await raw.closed;
    expect(code).toBe(4408);
    expect(at - startedAt).toBeGreaterThanOrEqual(300);
  });

  it('refuses connection_init without valid credentials (4403) and acknowledges valid ones', async () => {
    const denied = rawSocket(t.wsUrl);
    sockets.push(denied.socket);
    await denied.opened;
    denied.socket.send(JSON.stringify({ type: 'connection_init', payload: { token: 'wrong' } }));
    expect((await denied.closed).code).toBe(4403);

    const allowed = rawSocket(t.wsUrl);
    sockets.push(allowed.socket);
    await allowed.opened;
    const ack = new Promise<unknown>((resolve) =>
      allowed.socket.once('message', (data) => resolve(JSON.parse(String(data)))),
    );
    allowed.socket.send(JSON.stringify({ type: 'connection_init', payload: { token: TOKEN } }));
    expect(await ack).toEqual({ type: 'connection_ack', payload: { welcome: true } });
    allowed.socket.close();
  });

  it('drops a message larger than the payload limit (1009)', async () => {
    const raw = rawSocket(t.wsUrl);
    sockets.push(raw.socket);
    await raw.opened;
    raw.socket.send(JSON.stringify({ type: 'connection_init', payload: { token: TOKEN, padding: 'x'.repeat(8_000) } }));
    expect((await raw.closed).code).toBe(1009);
  });

  it('drops a peer that stops answering pings, and keeps one that answers', async () => {
    const silent = rawSocket(t.wsUrl, { autoPong: false });
    const polite = rawSocket(t.wsUrl);
    sockets.push(silent.socket, polite.socket);
    await Promise.all([silent.opened, polite.opened]);
    for (const raw of [silent, polite])
      raw.socket.send(JSON.stringify({ type: 'connection_init', payload: { token: TOKEN } }));
    const { code } = await silent.closed;
    expect(code).toBe(1006); // terminated without a close frame
    expect(polite.socket.readyState).toBe(WebSocket.OPEN);
    polite.socket.close();
  });

  it('answers queries over the socket too', async () => {
    const client = connect();
    const result = client.subscribe<{ latestJobEventCursor: string }>('{ latestJobEventCursor }');
    expect(await result.ended).toEqual({});
    expect(result.results[0]!.data!.latestJobEventCursor).toBe(await t.gateway.events.latestCursor());
  });

  it('refuses malformed cursors and ids with BAD_USER_INPUT, and expired cursors with CURSOR_EXPIRED', async () => {
    const client = connect();
    const codes = async (variables: Record<string, unknown>) => {
      const sub = client.subscribe<JobEventsResult>(JOB_EVENTS, variables);
      const outcome = await sub.ended;
      expect(outcome.error).toBeUndefined();
      return errorsOf(sub.results).map((e) => [e.extensions?.code, e.extensions?.field]);
    };
    expect(await codes({ after: 'garbage' })).toEqual([['BAD_USER_INPUT', 'after']]);
    expect(await codes({ filter: { jobIds: ['nope'] } })).toEqual([['BAD_USER_INPUT', 'id']]);

    // Make two events, let them age beyond the 1 s retention, prune: a cursor before the newest pruned event
    // is expired (the cursor of the newest pruned one itself would still be a valid start).
    const sim = t.sandbox.simulators.get(account)!;
    const made: number[] = [];
    for (let i = 0; i < 100 && made.length < 2; i++) {
      sim.step();
      made.push(...(await t.gateway.pollNow(account)).events.map((e) => e.seq));
    }
    expect(made.length).toBeGreaterThanOrEqual(2);
    const first = t.gateway.events.cursorOf(made[0]!);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await t.gateway.events.pruneNow();
    expect(await codes({ after: first })).toEqual([['CURSOR_EXPIRED', 'after']]);
    const foreign = encodeEventCursor({ logId: 'some-other-store', seq: 1 });
    expect(await codes({ after: foreign })).toEqual([['CURSOR_EXPIRED', 'after']]);
  });

  it('signals SLOW_CONSUMER with a resume cursor when a subscriber falls behind, and resuming loses nothing', async () => {
    const client = connect();
    const after = await t.gateway.events.latestCursor();
    const slow = client.subscribe<JobEventsResult>(JOB_EVENTS, { after });
    await waitUntil(() => t.gateway.events.subscriberCount === 1, 'the subscription to register');

    // A round in which several jobs moved at once: more than this subscriber's queue (2) can hold.
    const { jobs } = await t.gateway.store.loadAccount(account);
    const burst = jobs.slice(0, 5).map((job) =>
      diffJob(job, {
        account,
        provider: t.gateway.accounts.get(account)!.kind,
        snapshot: { ...job.snapshot, progress: { ...job.snapshot.progress, message: `moved ${job.nativeId}` } },
        observedAtMs: Date.now(),
        afterGap: false,
      }),
    );
    expect(burst.length).toBe(5);
    const committed = await t.gateway.events.commit({
      account,
      events: burst.map((b) => b.event!),
      upserts: burst.map((b) => b.stored),
      removals: [],
    });
    expect(await slow.ended).toEqual({});
    const signal = errorsOf(slow.results).find((e) => e.extensions?.code === 'SLOW_CONSUMER');
    expect(signal, JSON.stringify(slow.results)).toBeDefined();
    const delivered = slow.results.filter((r) => r.data?.jobEvents).map((r) => r.data!.jobEvents.cursor);

    const resumed = client.subscribe<JobEventsResult>(JOB_EVENTS, { after: signal!.extensions!.cursor });
    await resumed.waitFor((r) => delivered.length + r.length >= committed.length);
    expect([...delivered, ...resumed.results.map((r) => r.data!.jobEvents.cursor)]).toEqual(
      committed.map((e) => t.gateway.events.cursorOf(e.seq)),
    );
  });
});
