/**
 * Freshness and failing providers over real sockets: a provider that hangs (accepts connections, never
 * answers) never stalls a read — the other accounts' jobs and its own indexed ones come at once, with one
 * typed error saying its data is stale and since when; /readyz and accounts.health show it, and the circuit
 * breaker stops the gateway from waiting on it. Live reads (`maxAge`) are bounded by the provider timeout and
 * shared among readers; readers that hang up do not turn a healthy provider into a failing one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/sandbox/index.js';
import { registeredAdapters } from './helpers/adapters.js';
import {
  type GraphQLResponse,
  type SwitchableProxy,
  startSwitchableProxy,
  startTestGateway,
  startTestGatewayOn,
  startTestSandbox,
  type TestGateway,
  waitUntil,
} from './helpers/servers.js';

const AZURE = 'sandbox-azure-import-export';
const HUNG = 'azure-behind-proxy';
const PROVIDER_TIMEOUT_MS = 2_000;
const adapters = registeredAdapters('azure-import-export', 'iot-hub');
const iotHub = registeredAdapters('iot-hub');

interface JobsData {
  jobs: { totalCount: number; edges: { node: { account: string } }[] };
}
const JOBS = 'query($maxAge: Int) { jobs(first: 200, maxAge: $maxAge) { totalCount edges { node { account } } } }';
interface HealthData {
  accounts: {
    name: string;
    health: {
      status: string;
      stale: boolean;
      circuit: string;
      failedRounds: number;
      lastErrorCode: string | null;
      lastCompleteRoundAt: string | null;
    };
  }[];
}
const HEALTH =
  '{ accounts { name health { status stale circuit failedRounds lastErrorCode lastCompleteRoundAt consecutiveFailures } } }';

const countBy = (res: GraphQLResponse<JobsData>) => {
  const counts: Record<string, number> = {};
  for (const { node } of res.data!.jobs.edges) counts[node.account] = (counts[node.account] ?? 0) + 1;
  return counts;
};

describe('an account whose provider hangs', () => {
  let t: TestGateway;
  let proxy: SwitchableProxy;
  const timed = async <T>(work: () => Promise<T>) => {
    const started = Date.now();
    const value = await work();
    return { value, ms: Date.now() - started };
  };
  const healthOf = async (name: string) =>
    (await t.query<HealthData>(HEALTH)).data!.accounts.find((a) => a.name === name)!.health;

  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ adapters, seedJobs: 20 });
    const azure = sandbox.description.providers.find((p) => p.account === AZURE)!;
    proxy = await startSwitchableProxy(azure.endpoint);
    t = await startTestGatewayOn(sandbox, {
      configure: (config) => ({
        ...config,
        providerTimeoutMs: PROVIDER_TIMEOUT_MS,
        polling: { enabled: false, circuitBreaker: { consecutiveFailures: 2, halfOpenAfterMs: 600_000 } },
        // The same subscription as the sandbox's account, reached through a proxy that can hang.
        providers: [
          ...(config.providers as Record<string, unknown>[]),
          { ...azure, account: HUNG, endpoint: proxy.endpoint },
        ],
      }),
    });
  });
  afterAll(async () => {
    await t?.dispose();
    await proxy?.close();
    await sandbox?.close();
  });

  it('answers from the index at once, with one stale error for it, while the others come through', async () => {
    const first = await t.query<JobsData>(JOBS);
    expect(first.errors).toBeUndefined();
    expect(countBy(first)).toEqual({ [AZURE]: 20, [HUNG]: 20, 'sandbox-iot-hub': 20 });

    proxy.hang();
    // A live read waits at most the provider timeout, then answers with what the index has.
    const live = await timed(() => t.query<JobsData>(JOBS, { maxAge: 0 }));
    expect(live.ms).toBeLessThan(PROVIDER_TIMEOUT_MS + 1_500);
    expect(countBy(live.value)).toEqual({ [AZURE]: 20, [HUNG]: 20, 'sandbox-iot-hub': 20 });
    expect(live.value.errors).toHaveLength(1);
    expect(live.value.errors![0]!.extensions).toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      account: HUNG,
      provider: 'azure-import-export',
      stale: true,
    });
    await waitUntil(async () => (await healthOf(HUNG)).failedRounds >= 1, 'the hung round to fail');

    // Now the account is known to fail: three plain reads in a row, none waits for the provider (a read that
    // did would take at least the provider timeout).
    for (let i = 0; i < 3; i++) {
      const read = await timed(() => t.query<JobsData>(JOBS));
      expect(read.ms).toBeLessThan(PROVIDER_TIMEOUT_MS);
      expect(read.value.data!.jobs.totalCount).toBe(60);
      expect(read.value.errors).toHaveLength(1);
      const error = read.value.errors![0]!;
      expect(error.path).toEqual(['jobs']);
      expect(error.message).toContain(HUNG);
      expect(error.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', account: HUNG, stale: true });
      expect(Date.parse(String(error.extensions!.lastCompleteRoundAt))).toBeGreaterThan(0);
    }
    const health = await healthOf(HUNG);
    expect(health).toMatchObject({ stale: true, lastErrorCode: 'PROVIDER_UNAVAILABLE', circuit: 'CLOSED' });
    expect(health.status).not.toBe('HEALTHY');
    expect(await healthOf(AZURE)).toMatchObject({ stale: false, status: 'HEALTHY', failedRounds: 0 });

    const ready = await fetch(new URL('/readyz', t.url));
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { accounts: Record<string, { stale: boolean; circuit: string }> };
    expect(body.accounts[HUNG]).toMatchObject({ stale: true });
    expect(body.accounts[AZURE]).toMatchObject({ stale: false, circuit: 'CLOSED' });
  });

  it('opens the circuit after consecutive failures: then even a live read does not wait on the provider', async () => {
    await t.query<JobsData>(JOBS, { maxAge: 0 }); // the second failure in a row
    await waitUntil(async () => (await healthOf(HUNG)).circuit === 'OPEN', 'the circuit to open');
    const read = await timed(() => t.query<JobsData>(JOBS, { maxAge: 0 }));
    expect(read.ms).toBeLessThan(PROVIDER_TIMEOUT_MS);
    expect(read.value.data!.jobs.totalCount).toBe(60);
    expect(read.value.errors!.map((e) => e.extensions)).toEqual([
      expect.objectContaining({ code: 'PROVIDER_UNAVAILABLE', account: HUNG, stale: true, circuit: 'OPEN' }),
    ]);
    expect(await healthOf(HUNG)).toMatchObject({ status: 'DOWN', circuit: 'OPEN' });
    const body = (await (await fetch(new URL('/readyz', t.url))).json()) as {
      accounts: Record<string, { circuit: string; status: string }>;
    };
    expect(body.accounts[HUNG]).toMatchObject({ circuit: 'OPEN', status: 'DOWN' });
  });
});

describe('live reads', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ adapters: iotHub, seedJobs: 10 });
    await t.query(JOBS); // the first round
  });
  afterAll(() => t?.dispose());

  it('share one provider call among readers, and readers that hang up are no provider failure', async () => {
    const sim = t.sandbox.simulators.get('sandbox-iot-hub')!;
    // The provider answers, but slowly; ten readers ask for live data and hang up before it answers.
    sim.inject({ status: 200, passThrough: true, delayMs: 600, count: 1 });
    const before = sim.requests.length;
    const readers = Array.from({ length: 10 }, () => {
      const abort = new AbortController();
      const request = fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ jobs(first: 5, maxAge: 0) { totalCount } }' }),
        signal: abort.signal,
      }).catch(() => undefined);
      setTimeout(() => abort.abort(), 50);
      return request;
    });
    await Promise.all(readers);
    await waitUntil(
      () => sim.requests.length > before && sim.requests.at(-1)!.answerDelayedMs !== undefined,
      'the slow answer',
    );
    const health = (await t.query<HealthData>(HEALTH)).data!.accounts[0]!.health;
    expect(health).toMatchObject({ status: 'HEALTHY', failedRounds: 0, stale: false, lastErrorCode: null });
    expect(sim.requests.length - before).toBe(1); // one listing for ten readers

    // Ten readers at once who stay: they all get fresh data, from one round, or two where some asked after the
    // first had left (a round older than the question is not fresh enough for it) — never one call per reader.
    const again = sim.requests.length;
    const results = await Promise.all(Array.from({ length: 10 }, () => t.query<JobsData>(JOBS, { maxAge: 0 })));
    for (const res of results) expect(res.errors).toBeUndefined();
    expect([1, 2]).toContain(sim.requests.length - again);
  });
});

describe('one job, fresh or never seen', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ adapters: iotHub, seedJobs: 10 });
  });
  afterAll(() => t?.dispose());

  it('reads a job live once for many readers with maxAge, and an unknown id once for a while', async () => {
    const sim = t.sandbox.simulators.get('sandbox-iot-hub')!;
    const listed = await t.query<{ jobs: { edges: { node: { id: string; observedAt: string } }[] } }>(
      '{ jobs(first: 1) { edges { node { id observedAt } } } }',
    );
    const { id, observedAt } = listed.data!.jobs.edges[0]!.node;
    const JOB = 'query($id: ID!, $maxAge: Int) { job(id: $id, maxAge: $maxAge) { id observedAt } }';
    let before = sim.requests.length;
    const cached = await t.query<{ job: { observedAt: string } }>(JOB, { id, maxAge: 3_600 });
    expect(cached.data!.job.observedAt).toBe(observedAt);
    expect(sim.requests.length).toBe(before); // an hour is fresh enough: the index answers

    await new Promise((resolve) => setTimeout(resolve, 5));
    // A provider that takes its time: every reader arrives while the one lookup is out, and shares it.
    sim.inject({ status: 200, passThrough: true, delayMs: 400, count: 1 });
    before = sim.requests.length;
    const fresh = await Promise.all(
      Array.from({ length: 10 }, () => t.query<{ job: { observedAt: string } }>(JOB, { id, maxAge: 0 })),
    );
    for (const res of fresh) expect(Date.parse(res.data!.job.observedAt)).toBeGreaterThan(Date.parse(observedAt));
    expect(sim.requests.length - before).toBe(1);

    before = sim.requests.length;
    const unknown = 'query { jobByNativeId(account: "sandbox-iot-hub", nativeId: "no-such-job") { id } }';
    for (let i = 0; i < 5; i++) {
      const res = await t.query(unknown);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', account: 'sandbox-iot-hub' });
    }
    expect(sim.requests.length - before).toBe(1);
  });
});
