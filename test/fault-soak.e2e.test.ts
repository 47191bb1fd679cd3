/**
 * The fault soak. For a bounded time (`CROSSDOCK_SOAK_MS`, default 25 s) the simulators' jobs move (lifecycle
 * steps, autopilot customers creating jobs) while faults are injected at random into the simulators' answers —
 * 5xx, 429 with Retry-After, timeouts (before and after the work), slow bodies (within and past the timeout),
 * truncated and cut bodies, connections dropped before and after the work — websocket subscribers listen (one
 * of them hangs up now and then and resumes from its last cursor) and readers query, some of them live
 * (`maxAge: 0`). The gateway is the real CLI in a child process, polling on short intervals. Then the faults
 * stop, the gateway catches up, and what every subscriber received is compared with the simulators' own journal
 * of every state change (RunningSimulator.stateChanges).
 *
 * A job's states are its provider state words (`providerState`). Per job, what a subscriber holds is its state
 * in the first query (taken with the cursor it subscribed after), then the state of each event. Checked:
 * - final: the last state a subscriber holds is the simulator's final state, and so is the job's state in the
 *   gateway's index; a job whose final state a subscriber does not hold is a lost state change;
 * - in order: every state the gateway reported is one the simulator went through, in the simulator's order (a
 *   subsequence of its journal); a state that is not is counted as out of order;
 * - once: no event reaches a subscriber twice (by cursor), no state change is reported twice in a row;
 * - every subscriber received the same events in the same order, the one that kept resuming included;
 * - the gateway process never exits, and no answer or log line reports an internal error.
 * A job that moves twice between two observations (two successful rounds, or across failed ones, when its event
 * says `afterGap`) legitimately shows one event for both: such intermediate states are counted and printed as
 * "not seen", not failed — the gateway cannot report what it never observed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../adapters/utils/rng.js';
import { registry } from '../src/registry.js';
import type { Sandbox } from '../src/sandbox/index.js';
import type { SimulatorFault } from '../src/sdk/model.js';
import { type CliProcess, runCli } from './helpers/process.js';
import { post } from './helpers/security.js';
import {
  connectWs,
  startTestSandbox,
  toWsUrl,
  type WsClient,
  type WsSubscription,
  waitUntil,
} from './helpers/servers.js';

const SOAK_MS = Number(process.env.CROSSDOCK_SOAK_MS) || 25_000;
const PROVIDER_TIMEOUT_MS = 1_000;
const SUBSCRIBERS = 3;
/** The last subscriber hangs up and resumes from its last cursor this often. */
const RESUME_EVERY_MS = 4_000;

/** Each fault kind, as the simulators' fault injection takes it. */
const FAULTS: Record<string, (rng: ReturnType<typeof createRng>) => SimulatorFault> = {
  '5xx': (rng) => ({ status: rng.pick([500, 502, 503]), count: rng.int(1, 3) }),
  '429 with Retry-After': () => ({ status: 429, retryAfterSeconds: 1 }),
  'timeout (no answer)': () => ({ status: 503, delayMs: PROVIDER_TIMEOUT_MS + 500 }),
  'timeout after the work': () => ({ status: 200, passThrough: true, delayMs: PROVIDER_TIMEOUT_MS + 500 }),
  'slow body': () => ({ status: 200, passThrough: true, body: 'slow', delayMs: PROVIDER_TIMEOUT_MS / 3 }),
  'slow body past the timeout': () => ({
    status: 200,
    passThrough: true,
    body: 'slow',
    delayMs: PROVIDER_TIMEOUT_MS + 500,
  }),
  'truncated body': () => ({ status: 200, passThrough: true, body: 'truncated' }),
  'cut body': () => ({ status: 200, passThrough: true, body: 'cut' }),
  'dropped connection': () => ({ status: 0 }),
  'dropped after the work': () => ({ status: 0, passThrough: true }),
};

const EVENTS = /* GraphQL */ `
  subscription Soak($after: String) {
    jobEvents(after: $after) { cursor kind providerState afterGap job { account nativeId } }
  }
`;
const INDEX =
  '{ latestJobEventCursor jobs(first: 1000) { totalCount edges { node { account nativeId providerState } } } }';

interface SoakEvent {
  cursor: string;
  kind: string;
  providerState: string;
  afterGap: boolean;
  job: { account: string; nativeId: string };
}
interface IndexData {
  latestJobEventCursor: string;
  jobs: { totalCount: number; edges: { node: { account: string; nativeId: string; providerState: string } }[] };
}

const keyOf = (account: string, nativeId: string) => `${account}\n${nativeId}`;

/**
 * One websocket subscriber (graphql-ws's own client) from `after` on; `resume()` hangs up and subscribes again
 * on a new socket after the last cursor it received, as a client that lost its connection would.
 */
function subscriber(wsUrl: string, after: string) {
  const segments: { sub: WsSubscription<{ jobEvents: SoakEvent }>; client: WsClient; hungUp: boolean }[] = [];
  /** Errors in results, and subscriptions the server ended with an error (not our own hang-ups). */
  const failures: unknown[] = [];
  const results = () => segments.flatMap((s) => s.sub.results);
  const events = () => results().flatMap((r) => (r.data ? [r.data.jobEvents] : []));
  const start = () => {
    const client = connectWs(wsUrl);
    const segment = {
      client,
      sub: client.subscribe<{ jobEvents: SoakEvent }>(EVENTS, { after: events().at(-1)?.cursor ?? after }),
      hungUp: false,
    };
    segment.sub.ended.then(({ error }) => {
      if (error && !segment.hungUp) failures.push(error);
    });
    segments.push(segment);
  };
  /** Idempotent. */
  const hangUp = async () => {
    const current = segments.at(-1)!;
    if (current.hungUp) return;
    current.hungUp = true;
    await current.client.dispose();
  };
  start();
  return {
    events,
    errors: () => [...failures, ...results().flatMap((r) => r.errors ?? [])],
    get resumes() {
      return segments.length - 1;
    },
    async resume() {
      await hangUp();
      start();
    },
    close: hangUp,
  };
}

const shuffled = <T>(items: readonly T[], rng: ReturnType<typeof createRng>): T[] =>
  items
    .map((item) => [rng.next(), item] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, item]) => item);

/** How one subscriber's view of one job compares with the simulator's journal of it. */
function compareJob(journal: (string | null)[], reported: (string | null)[]) {
  let at = -1;
  let outOfOrder = 0;
  let notSeen = 0;
  for (const word of reported) {
    const next = journal.indexOf(word, at + 1);
    if (next < 0) {
      outOfOrder += 1;
      continue;
    }
    notSeen += next - at - 1;
    at = next;
  }
  return { outOfOrder, notSeen: notSeen + (journal.length - 1 - at), final: reported.at(-1) === journal.at(-1) };
}

describe.runIf(registry.adapters.length > 0)('fault soak', () => {
  let sandbox: Sandbox;
  let dir: string;
  let gw: CliProcess;
  let url: string;
  let exits = 0;
  let stopping = false;
  /** Subscribers still open (a failed check leaves them to afterAll). */
  const subscribers: ReturnType<typeof subscriber>[] = [];

  beforeAll(async () => {
    sandbox = await startTestSandbox({ seedJobs: 8, seed: 3, autopilot: true });
    dir = mkdtempSync(join(tmpdir(), 'crossdock-soak-'));
    const config = {
      ...sandbox.description,
      store: { kind: 'memory' },
      providerTimeoutMs: PROVIDER_TIMEOUT_MS,
      polling: {
        intervalMs: { active: 300, waiting: 300, terminal: 600 },
        backoff: { initialMs: 200, maxMs: 2_000 },
        circuitBreaker: { consecutiveFailures: 5, halfOpenAfterMs: 1_000 },
      },
    };
    writeFileSync(join(dir, 'soak.json'), JSON.stringify(config));
    gw = runCli(['serve', '--config', 'soak.json', '--port', '0', '--log-level', 'warn', '--log-format', 'json'], {
      cwd: dir,
      env: { PORT: '' },
    });
    gw.exited.then(() => {
      if (!stopping) exits += 1;
    });
    url = /GraphQL at (\S+)/.exec(await gw.waitForLine(/GraphQL at /, 60_000))![1]!;
  }, 90_000);

  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.close()));
    stopping = true;
    await gw?.stop();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    `keeps every subscriber exactly in step with the providers through ${SOAK_MS / 1000} s of random faults`,
    async () => {
      const sims = [...sandbox.simulators.values()];
      const rng = createRng(20_261_124);
      /** The index as the gateway has it, or undefined while an account's part is stale (an error beside it). */
      const index = async () => {
        const answer = await post<IndexData>(url, { query: INDEX });
        return answer.body.errors ? undefined : answer.body.data!;
      };

      // The baseline: every account observed, then its jobs and the cursor to subscribe after, in one read.
      let baseline: IndexData | undefined;
      await waitUntil(
        async () => {
          baseline = await index();
          return baseline !== undefined;
        },
        'the first rounds of every account',
        30_000,
        100,
      );
      const after = baseline!.latestJobEventCursor;
      subscribers.push(...Array.from({ length: SUBSCRIBERS }, () => subscriber(toWsUrl(url), after)));

      // The soak: steps, faults, readers and the resuming subscriber, until the deadline.
      const queued = new Map<string, number>(Object.keys(FAULTS).map((k) => [k, 0]));
      const pending = new Map(sims.map((s) => [s, 0]));
      const served = (sim: (typeof sims)[number]) => sim.requests.filter((r) => r.injected).length;
      let reads = 0;
      const readErrors = new Map<string, number>();
      const turns: string[] = [];
      const deadline = Date.now() + SOAK_MS;
      const drive = async () => {
        while (Date.now() < deadline) {
          const sim = rng.pick(sims);
          if (rng.chance(0.2)) sim.step();
          // At random times and accounts, one fault at a time per account; the kinds take turns in random order.
          if (rng.chance(0.2) && served(sim) >= pending.get(sim)!) {
            if (turns.length === 0) turns.push(...shuffled(Object.keys(FAULTS), rng));
            const kind = turns.pop()!;
            const fault = FAULTS[kind]!(rng);
            sim.inject(fault);
            pending.set(sim, served(sim) + (fault.count ?? 1));
            queued.set(kind, queued.get(kind)! + 1);
          }
          await sleep(rng.int(30, 120));
        }
      };
      const read = async () => {
        while (Date.now() < deadline) {
          const live = rng.chance(0.3);
          const answer = await post(url, {
            query: `{ jobs(first: 1000${live ? ', maxAge: 0' : ''}) { totalCount edges { node { id providerState history { to } } } } accounts { health { status circuit } } }`,
          });
          reads += 1;
          expect(answer.status).toBe(200);
          for (const error of answer.body.errors ?? []) {
            const code = String(error.extensions?.code);
            readErrors.set(code, (readErrors.get(code) ?? 0) + 1);
          }
          await sleep(rng.int(100, 400));
        }
      };
      const resume = async () => {
        while (Date.now() + RESUME_EVERY_MS < deadline) {
          await sleep(RESUME_EVERY_MS);
          await subscribers.at(-1)!.resume();
        }
      };
      await Promise.all([drive(), read(), resume()]);

      // Faults stop, jobs stand still; the gateway must catch up with every provider.
      for (const sim of sims) sim.clearFaults();
      const finals = new Map<string, string | null>();
      const journals = new Map<string, (string | null)[]>();
      for (const [account, sim] of sandbox.simulators) {
        for (const change of sim.stateChanges) {
          const key = keyOf(account, change.nativeId);
          journals.set(key, [...(journals.get(key) ?? []), change.providerState]);
          finals.set(key, change.providerState);
        }
      }
      let caughtUp: IndexData | undefined;
      await waitUntil(
        async () => {
          caughtUp = await index();
          if (!caughtUp) return false;
          const indexed = new Map(
            caughtUp.jobs.edges.map((e) => [keyOf(e.node.account, e.node.nativeId), e.node.providerState]),
          );
          return (
            [...finals].every(([key, word]) => (indexed.get(key) ?? null) === word) && indexed.size === finals.size
          );
        },
        'the gateway index to reach every provider’s final state',
        40_000,
        200,
      );
      const lastCursor = caughtUp!.latestJobEventCursor;
      await waitUntil(
        () => subscribers.every((s) => s.events().at(-1)?.cursor === lastCursor),
        'every subscriber to receive the last event',
        20_000,
        50,
      );
      await Promise.all(subscribers.map((s) => s.close()));

      // What the subscribers hold, against the journals.
      let lost = 0;
      let duplicated = 0;
      let outOfOrder = 0;
      let notSeen = 0;
      const initial = new Map(
        baseline!.jobs.edges.map((e) => [keyOf(e.node.account, e.node.nativeId), e.node.providerState]),
      );
      for (const s of subscribers) {
        const cursors = new Set<string>();
        const reported = new Map<string, (string | null)[]>([...initial].map(([key, word]) => [key, [word]]));
        for (const event of s.events()) {
          if (cursors.has(event.cursor)) duplicated += 1;
          cursors.add(event.cursor);
          const key = keyOf(event.job.account, event.job.nativeId);
          const words = reported.get(key) ?? [];
          const word = event.kind === 'REMOVED' ? null : event.providerState;
          if (words.length && words.at(-1) === word) {
            if (event.kind === 'STATE_CHANGED') duplicated += 1;
          } else words.push(word);
          reported.set(key, words);
        }
        for (const [key, journal] of journals) {
          const got = compareJob(journal, reported.get(key) ?? []);
          if (!got.final) lost += 1;
          outOfOrder += got.outOfOrder;
          if (s === subscribers[0]) notSeen += got.notSeen;
        }
        for (const key of reported.keys()) if (!journals.has(key)) outOfOrder += 1;
      }

      const faultsServed = sims.reduce((n, sim) => n + served(sim), 0);
      const requests = sims.reduce((n, sim) => n + sim.requests.length, 0);
      const stateChanges = [...journals.values()].reduce((n, j) => n + j.length - 1, 0);
      const logErrors = gw
        .stderr()
        .split('\n')
        .filter((line) => /"level":(50|60)/.test(line));
      const internal = (readErrors.get('INTERNAL') ?? 0) + logErrors.length;
      console.log(
        [
          `fault soak: ${SOAK_MS / 1000} s, ${sims.length} accounts, ${journals.size} jobs (${journals.size - initial.size} created during the soak)`,
          `  faults injected: ${faultsServed} answers shaped by a fault (${[...queued].map(([k, n]) => `${k} ${n}`).join(', ')})`,
          `  requests served: ${requests} by the providers; ${reads} reads by the gateway (errors: ${[...readErrors].map(([c, n]) => `${c} ${n}`).join(', ') || 'none'})`,
          `  events: ${subscribers[0]!.events().length} to each of ${SUBSCRIBERS} subscribers (one resumed ${subscribers.at(-1)!.resumes} times)`,
          `  state changes: ${stateChanges} in the providers' journals; lost ${lost}, duplicated ${duplicated}, out of order ${outOfOrder}; intermediate states not seen (moved twice between observations): ${notSeen}`,
          `  crashes: ${exits}; internal errors: ${internal}`,
        ].join('\n'),
      );

      expect(exits).toBe(0);
      expect(internal, logErrors.slice(0, 3).join('\n')).toBe(0);
      expect(subscribers.flatMap((s) => s.errors())).toEqual([]);
      expect({ lost, duplicated, outOfOrder }).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
      const [first, ...others] = subscribers.map((s) => s.events().map((e) => e.cursor));
      for (const other of others) expect(other).toEqual(first);
      // The soak did what it says: jobs moved, every kind of fault was injected and answers were shaped by them.
      expect(stateChanges).toBeGreaterThan(20);
      expect(first!.length).toBeGreaterThan(10);
      expect([...queued.values()].every((n) => n > 0)).toBe(true);
      expect(faultsServed).toBeGreaterThanOrEqual(SOAK_MS / 1000);
    },
    SOAK_MS + 180_000,
  );
});
