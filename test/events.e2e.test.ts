/**
 * Job events end to end, for every registered adapter: its simulator at compressed time (manual steps),
 * a gateway polling it, and websocket subscribers using graphql-ws's own client. After every step the test
 * also asks the provider directly, so "no gap, no duplicate" is checked against the provider's truth, not
 * against what the gateway happened to log.
 */
import type { FormattedExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccountClient, type Adapter, isTerminal } from '../src/sdk/model.js';
import { registeredAdapters } from './helpers/adapters.js';
import {
  distinctRuns,
  fingerprintJob,
  JOB_EVENTS,
  type JobEventsResult,
  readTruth,
  TruthLog,
  truthClient,
} from './helpers/events.js';
import { startTestGateway, type TestGateway } from './helpers/servers.js';

const adapters = registeredAdapters();

/** Each provider's whole lifecycle as its simulator plays it (REFERENCE.md §D); others: CREATING → terminal. */
const LIFECYCLES: Record<string, readonly string[]> = {
  'azure-import-export': ['CREATING', 'SHIPPING', 'RECEIVED', 'TRANSFERRING', 'PACKAGING', 'COMPLETED'],
  'aws-import-export': ['CREATING', 'RECEIVED', 'TRANSFERRING', 'PACKAGING', 'COMPLETED'],
  'iot-hub': ['CREATING', 'TRANSFERRING', 'COMPLETED'],
};
const MAX_STEPS = 300;

const eventsOf = (results: FormattedExecutionResult<JobEventsResult>[]) => {
  for (const r of results) expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return results.map((r) => r.data!.jobEvents);
};

const CURSOR_QUERY = '{ latestJobEventCursor }';

describe.each(adapters.map((a) => [a.kind, a] as [string, Adapter]))(
  'job events over websockets: %s',
  (_kind, adapter) => {
    let t: TestGateway;
    let truth: AccountClient;
    let account: string;
    /** The provider's truth after each step, per job, from the baseline on. */
    const truthLog = new TruthLog();
    const baselineIds = new Set<string>();
    let terminalIsFinal = false;
    /** Events the gateway logged, in log order (what every subscriber must receive). */
    const logged: string[] = [];

    /** One lifecycle step of the simulator, the provider's truth, then one poll round. */
    const step = async () => {
      t.sandbox.simulators.get(account)!.step();
      truthLog.record(await readTruth(truth));
      const { events } = await t.gateway.pollNow(account);
      logged.push(...events.map((e) => t.gateway.events.cursorOf(e.seq)));
      return events;
    };
    const latestCursor = async () =>
      (await t.query<{ latestJobEventCursor: string }>(CURSOR_QUERY)).data!.latestJobEventCursor;

    beforeAll(async () => {
      t = await startTestGateway({ adapters: [adapter], seedJobs: 8, seed: 5, autopilot: true });
      account = [...t.gateway.accounts.keys()][0]!;
      truth = truthClient(adapter, t.sandbox, account);
      const initial = await readTruth(truth);
      expect(await t.gateway.pollNow(account)).toMatchObject({ baseline: true, events: [] });
      for (const id of initial.keys()) baselineIds.add(id);
      truthLog.record(initial);
      terminalIsFinal = !truth.capabilities.listIncludesSnapshots;
    });
    afterAll(async () => {
      await truth?.dispose();
      await t?.dispose();
    });

    it('shows a subscriber every change of every job exactly once, including a whole lifecycle', async () => {
      const subscriber = t.connect().subscribe<JobEventsResult>(JOB_EVENTS, {
        filter: { accounts: [account] },
        after: await latestCursor(),
      });
      const lifecycle = LIFECYCLES[adapter.kind];
      const statesByJob = new Map<string, string[]>();
      const completedLifecycle = () =>
        [...statesByJob.entries()].find(([id, states]) =>
          lifecycle ? states.join() === lifecycle.join() : !baselineIds.has(id) && isTerminal(states.at(-1) as never),
        );
      const start = logged.length;
      for (let i = 0; i < MAX_STEPS && !completedLifecycle(); i++) {
        for (const event of await step()) {
          if (event.kind !== 'CREATED' && event.kind !== 'STATE_CHANGED') continue;
          if (event.kind === 'STATE_CHANGED' && event.previousState === event.state) continue;
          statesByJob.set(event.nativeId, [...(statesByJob.get(event.nativeId) ?? []), String(event.state)]);
        }
      }
      const found = completedLifecycle();
      expect(found, `no job went ${lifecycle?.join(' → ') ?? 'from CREATED to a terminal state'}`).toBeDefined();

      await subscriber.waitFor((r) => r.length >= logged.length - start);
      const events = eventsOf(subscriber.results);
      expect(events.map((e) => e.cursor)).toEqual(logged.slice(start)); // the log, in order, once each

      // Per job, what the subscriber saw is exactly the provider's sequence of distinct states of the job, and
      // each event's kind and changed fields are what the provider's snapshots say changed.
      expect(truthLog.jobs.size).toBeGreaterThanOrEqual(baselineIds.size);
      for (const id of truthLog.jobs.keys()) {
        const seen = events.filter((e) => e.job.nativeId === id);
        expect(
          seen.map((e) => fingerprintJob(e.job)),
          `events of job ${id}`,
        ).toEqual(truthLog.expected(id, 0, terminalIsFinal));
        expect(
          seen.map((e) => ({ kind: e.kind, changes: e.changes })),
          `kinds and changes of job ${id}`,
        ).toEqual(truthLog.expectedEvents(id, 0, terminalIsFinal));
      }
      const kinds = new Set(events.map((e) => e.kind));
      expect(kinds.has('CREATED') && kinds.has('STATE_CHANGED'), [...kinds].join()).toBe(true);
      for (const e of events) {
        expect(e.afterGap).toBe(false);
        expect(e.kind === 'CREATED').toBe(!baselineIds.has(e.job.nativeId) && e.previousState === null);
      }

      // The job's lifecycle, as the subscriber saw it, and as Job.history reads it from the same log.
      const [nativeId, states] = found!;
      const jobEvents = events.filter((e) => e.job.nativeId === nativeId);
      expect(jobEvents[0]!.kind).toBe('CREATED');
      const transitions = jobEvents.filter((e) => e.kind === 'CREATED' || e.kind === 'STATE_CHANGED');
      expect(distinctRuns(transitions.map((e) => String(e.state)))).toEqual(states);
      const res = await t.query<{
        jobByNativeId: {
          state: string;
          stateChangedAt: string;
          history: { from: string | null; to: string; providerState: string; at: string }[];
        };
      }>(
        'query($a: String!, $n: String!) { jobByNativeId(account: $a, nativeId: $n) { state stateChangedAt history { from to providerState at } } }',
        {
          a: account,
          n: nativeId,
        },
      );
      expect(res.errors).toBeUndefined();
      const job = res.data!.jobByNativeId;
      expect(job.history).toEqual(
        transitions.map((e) => ({ from: e.previousState, to: e.state, providerState: e.providerState, at: e.at })),
      );
      const lastStateChange = transitions.filter((e) => e.previousState !== e.state).at(-1)!;
      expect(job.stateChangedAt).toBe(lastStateChange.at);
      subscriber.unsubscribe();
    });

    it('lets a subscriber that reconnects with its last cursor receive every later event exactly once', async () => {
      const after = await latestCursor();
      const variables = { filter: { accounts: [account] }, after };
      const control = t.connect().subscribe<JobEventsResult>(JOB_EVENTS, variables);
      const firstClient = t.connect();
      const first = firstClient.subscribe<JobEventsResult>(JOB_EVENTS, variables);
      const start = logged.length;
      for (let i = 0; i < 60 && logged.length - start < 4; i++) await step();
      await first.waitFor((r) => r.length >= logged.length - start);
      await firstClient.dispose(); // the connection drops
      const lastSeen = eventsOf(first.results).at(-1)!.cursor;

      for (let i = 0; i < 60 && logged.length - start < 10; i++) await step();
      // Reconnect while a round is committing: the seam between replay and live must hold.
      const round = step();
      const second = t.connect().subscribe<JobEventsResult>(JOB_EVENTS, { ...variables, after: lastSeen });
      await round;
      for (let i = 0; i < 3; i++) await step();

      const total = logged.length - start;
      await control.waitFor((r) => r.length >= total);
      const resumedFrom = first.results.length;
      await second.waitFor((r) => r.length >= total - resumedFrom);
      const expected = logged.slice(start);
      expect(eventsOf(control.results).map((e) => e.cursor)).toEqual(expected);
      expect([...eventsOf(first.results), ...eventsOf(second.results)].map((e) => e.cursor)).toEqual(expected);
    });
  },
);

describe('1,000 subscribers', () => {
  const STEPS = 12;
  /** Runs the same steps against a fresh sandbox with `subscribers` websocket subscribers. */
  async function run(subscribers: number) {
    const t = await startTestGateway({ seedJobs: 6, seed: 9, autopilot: true });
    try {
      const names = [...t.gateway.accounts.keys()];
      await Promise.all(names.map((n) => t.gateway.pollNow(n)));
      const cursor = await t.gateway.events.latestCursor();
      const clients = Array.from({ length: Math.min(10, subscribers) }, () => t.connect());
      const subs = Array.from({ length: subscribers }, (_, i) =>
        clients[i % clients.length]!.subscribe<JobEventsResult>(JOB_EVENTS, { after: cursor }),
      );
      // Every subscription is registered once its replay (empty) came back as... nothing: wait for the server.
      await waitForGroups(t, subscribers);
      const before = new Map([...t.sandbox.simulators].map(([n, s]) => [n, s.requests.length]));
      let events = 0;
      for (let i = 0; i < STEPS; i++) {
        for (const sim of t.sandbox.simulators.values()) sim.step();
        for (const name of names) events += (await t.gateway.pollNow(name)).events.length;
      }
      await Promise.all(subs.map((s) => s.waitFor((r) => r.length >= events, 60_000)));
      const requests = Object.fromEntries(
        [...t.sandbox.simulators].map(([n, s]) => [n, s.requests.length - before.get(n)!]),
      );
      const kinds = subs.map((s) =>
        eventsOf(s.results)
          .map((e) => `${e.kind} ${e.job.nativeId} ${e.state}`)
          .join('\n'),
      );
      return { requests, events, kinds, stats: t.server.websocketStats() };
    } finally {
      await t.dispose();
    }
  }

  async function waitForGroups(t: TestGateway, subscribers: number) {
    const deadline = Date.now() + 30_000;
    while (t.gateway.events.subscriberCount < subscribers && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(t.gateway.events.subscriberCount).toBe(subscribers);
  }

  it('cost the providers exactly as many requests as one, and each event is rendered once', async () => {
    const one = await run(1);
    const many = await run(1_000);
    expect(one.events).toBeGreaterThan(0);
    expect(many.requests).toEqual(one.requests);
    expect(many.events).toBe(one.events);
    expect(new Set(many.kinds)).toEqual(new Set(one.kinds)); // every subscriber got the same events
    expect(many.stats.deliveries).toBe(1_000 * many.events);
    expect(many.stats.executions).toBe(many.events);
    // Two gateways, 1,001 websocket subscribers: some 25 s on two cores shared with other work, so room to spare.
  }, 120_000);
});

describe('a job deleted at the provider, behind the gateway', () => {
  // Azure's API deletes jobs (in Creating or Completed): the one way a sandbox job disappears at once.
  const [azure] = registeredAdapters('azure-import-export');
  let t: TestGateway;
  let truth: AccountClient | undefined;
  beforeAll(async () => {
    t = await startTestGateway({ adapters: [azure!], seedJobs: 8, seed: 5 });
  });
  afterAll(async () => {
    await truth?.dispose();
    await t?.dispose();
  });

  it('reaches subscribers as REMOVED with the job as last seen, and leaves the index', async () => {
    const account = [...t.gateway.accounts.keys()][0]!;
    expect(await t.gateway.pollNow(account)).toMatchObject({ baseline: true, events: [] });
    truth = truthClient(azure!, t.sandbox, account);
    const gone = [...(await readTruth(truth)).values()].find((s) => s.state === 'CREATING' || s.state === 'COMPLETED');
    expect(gone, 'the seed holds a job Azure can delete').toBeDefined();
    const after = (await t.query<{ latestJobEventCursor: string }>(CURSOR_QUERY)).data!.latestJobEventCursor;
    const subscriber = t.connect().subscribe<JobEventsResult>(JOB_EVENTS, { filter: { accounts: [account] }, after });

    await truth.deleteJob!(gone!.nativeId, { signal: AbortSignal.timeout(10_000) });
    const { events } = await t.gateway.pollNow(account);
    expect(events.map((e) => [e.kind, e.nativeId])).toEqual([['REMOVED', gone!.nativeId]]);

    await subscriber.waitFor((r) => r.length > 0);
    const [event, ...more] = eventsOf(subscriber.results);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      kind: 'REMOVED',
      previousState: gone!.state,
      state: gone!.state,
      providerState: gone!.providerState,
      changes: [],
      afterGap: false,
      job: { nativeId: gone!.nativeId, state: gone!.state },
    });
    expect(event!.cursor).toBe(t.gateway.events.cursorOf(events[0]!.seq));
    const res = await t.query('query($a: String!, $n: String!) { jobByNativeId(account: $a, nativeId: $n) { id } }', {
      a: account,
      n: gone!.nativeId,
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', account });
  });
});
