/**
 * The contract every adapter passes against its own simulator (like unstorage's testDriver):
 * listing with paging, batch get, unknown ids, auth failure, and a lifecycle that ends.
 * Provider specifics get their own small tests beside the adapter.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxCertificate } from '../src/sandbox/tls.js';
import { ProviderError } from '../src/sdk/errors.js';
import {
  type AccountClient,
  type Adapter,
  InvalidInputError,
  isTerminal,
  JOB_STATES,
  type JobRef,
  type JobSnapshot,
  NOT_FOUND,
  type RunningSimulator,
  type SimulatorFactory,
  type SimulatorFault,
} from '../src/sdk/model.js';

export interface ContractOptions {
  /** The adapter's simulator (adapters/<kind>/simulator.ts), which the suite runs against. */
  simulator: SimulatorFactory;
  /** The same account config with a credential the simulator must refuse. */
  withWrongCredentials(account: Record<string, unknown>): Record<string, unknown>;
  /** A native id the provider cannot know. */
  unknownId?: string;
  /**
   * A valid create input, as a GraphQL client sends it under `input.<mutations.inputField>`. Required when
   * the adapter has `mutations`; each call returns a fresh input (unique job name where the provider needs one).
   */
  sampleCreateInput?: () => Record<string, unknown>;
  /** The HTTP method of the provider's create request (default POST), so a fault can hit the create itself. */
  createMethod?: string;
  /** The simulator's operation name for a create (its request log), to prove the fault hit the create. */
  createOperation?: string;
  /** A throttling code of the provider's, for a server error that carries one (AWS: 503 Throttling). */
  throttlingCode: string;
  /** Ids of the provider's own that are still not this account's (added to the suite's generic ones). */
  malformedIds?: (knownId: string) => string[];
}

const signal = () => AbortSignal.timeout(20_000);

/** The simulator's last recorded state word for a job. */
const lastWord = (sim: RunningSimulator, nativeId: string) =>
  sim.stateChanges.findLast((c) => c.nativeId === nativeId)?.providerState;

export async function listAll(client: AccountClient): Promise<JobRef[]> {
  const refs: JobRef[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < 1_000; page++) {
    const result = await client.listJobs({ pageToken, signal: signal() });
    refs.push(...result.items);
    pageToken = result.nextPageToken;
    if (!pageToken) return refs;
  }
  throw new Error('listJobs never stopped paging');
}

/**
 * A simulator started before a suite's tests (manual stepping) and closed after them, with clients that
 * trust its certificate and are disposed with it.
 */
function useSimulator(
  adapter: Adapter,
  simulator: SimulatorFactory,
  opts: { account: string; seed: number; seedJobs: number; autopilot: boolean },
): { readonly sim: RunningSimulator; connect(account: Record<string, unknown>, timeoutMs?: number): AccountClient } {
  let sim: RunningSimulator | undefined;
  let ca: string | undefined;
  const clients: AccountClient[] = [];
  beforeAll(async () => {
    const tls = await createSandboxCertificate();
    ca = tls.cert;
    sim = await simulator.start({ ...opts, stepMs: 0, tls });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await sim?.close();
  });
  return {
    get sim() {
      if (!sim) throw new Error('the simulator starts in beforeAll');
      return sim;
    },
    connect(account, timeoutMs = 10_000) {
      const client = adapter.connect(adapter.configSchema.parse(account), {
        account: String(account.account),
        logger: pino({ level: 'silent' }),
        ca,
        timeoutMs,
        now: Date.now,
      });
      clients.push(client);
      return client;
    },
  };
}

export function runAdapterContract(adapter: Adapter, opts: ContractOptions): void {
  describe(`adapter contract: ${adapter.kind}`, () => {
    // More jobs than one provider page holds, so paging is exercised.
    const fixture = useSimulator(adapter, opts.simulator, {
      account: 'contract',
      seed: 7,
      seedJobs: 130,
      autopilot: true,
    });
    const connect = (account: Record<string, unknown>) => fixture.connect(account);
    let sim: RunningSimulator;
    beforeAll(() => {
      sim = fixture.sim;
    });

    it('prints an account entry its own config schema accepts', () => {
      expect(sim.account.kind).toBe(adapter.kind);
      expect(sim.account.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(() => adapter.configSchema.parse(sim.account)).not.toThrow();
    });

    it('lists every seeded job across pages, each id once', async () => {
      const refs = await listAll(connect(sim.account));
      expect(refs.length).toBeGreaterThanOrEqual(130);
      expect(new Set(refs.map((r) => r.nativeId)).size).toBe(refs.length);
    });

    it('gets jobs in a batch, in order, with unknown ids as NOT_FOUND', async () => {
      const client = connect(sim.account);
      const refs = (await listAll(client)).slice(0, 3);
      const ids = [refs[0]!.nativeId, opts.unknownId ?? 'no-such-job-0000', refs[1]!.nativeId, refs[2]!.nativeId];
      const got = await client.getJobs(ids, { signal: signal() });
      expect(got).toHaveLength(4);
      expect(got[1]).toBe(NOT_FOUND);
      for (const index of [0, 2, 3]) {
        const job = got[index] as JobSnapshot;
        expect(job.nativeId).toBe(ids[index]);
        expect(job.providerState).toBeTruthy();
        expect(job.state === null || JOB_STATES.includes(job.state)).toBe(true);
        expect(['IMPORT', 'EXPORT']).toContain(job.type);
      }
    });

    it('refuses wrong credentials with PROVIDER_AUTH_FAILED and the provider code', async () => {
      const client = connect(opts.withWrongCredentials(sim.account));
      const error = await client.listJobs({ signal: signal() }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).code).toBe('PROVIDER_AUTH_FAILED');
      expect((error as ProviderError).providerCode).toBeTruthy();
      expect((error as ProviderError).account).toBe('contract');
    });

    it('answers ids that are not its own shape with NOT_FOUND and its not-found code, asking the provider nothing', async () => {
      const client = connect(sim.account);
      const [known] = (await listAll(client)).map((r) => r.nativeId);
      const malformed = [
        '',
        '.',
        '..',
        '../x',
        `../${known}`,
        `${known}/..`,
        `${known}/x`,
        `x/${known}`,
        `%2e%2e`,
        `${known}?api-version=1`,
        `${known}#x`,
        `${known}\nx`,
        'x'.repeat(300),
        ...(opts.malformedIds?.(known!) ?? []),
      ];
      const before = sim.requests.length;
      expect(await client.getJobs(malformed, { signal: signal() })).toEqual(malformed.map(() => NOT_FOUND));
      const changes = [
        client.cancelJob && ((id: string) => client.cancelJob!(id, { signal: signal() })),
        client.deleteJob && ((id: string) => client.deleteJob!(id, { signal: signal() })),
        client.updateJob && ((id: string) => client.updateJob!(id, {}, { signal: signal() })),
      ].filter((change) => change !== undefined);
      for (const change of changes) {
        for (const id of malformed) {
          await expect(change(id), JSON.stringify(id)).rejects.toMatchObject({
            code: 'NOT_FOUND',
            providerCode: adapter.notFoundCode,
          });
        }
      }
      expect(sim.requests.slice(before)).toEqual([]);
    });

    it('reports an unreachable provider as PROVIDER_UNAVAILABLE', async () => {
      const client = connect({ ...sim.account, endpoint: 'https://127.0.0.1:1' });
      await expect(client.listJobs({ signal: signal() })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    });

    it('moves a job through its lifecycle to a terminal state', async () => {
      const client = connect(sim.account);
      const refs = await listAll(client);
      const snapshots = await client.getJobs(
        refs.map((r) => r.nativeId),
        { signal: signal() },
      );
      const live = snapshots.find((s): s is JobSnapshot => s !== NOT_FOUND && !isTerminal(s.state));
      expect(live, 'the seed contains jobs that are still moving').toBeDefined();
      const seen = new Set<string>();
      let current = live!;
      for (let step = 0; step < 200 && !isTerminal(current.state); step++) {
        sim.step();
        const [next] = await client.getJobs([live!.nativeId], { signal: signal() });
        if (next === NOT_FOUND || next === undefined) throw new Error('job vanished mid-lifecycle');
        current = next;
        seen.add(String(current.state));
      }
      expect(isTerminal(current.state), `ended in ${current.state} after seeing ${[...seen]}`).toBe(true);
    });

    it('keeps a journal of every state change it makes, in the words the adapter reports', async () => {
      const client = connect(sim.account);
      for (let step = 0; step < 4; step++) {
        sim.step();
        const refs = await listAll(client);
        const read = await client.getJobs(
          refs.map((r) => r.nativeId),
          { signal: signal() },
        );
        const reported = read.flatMap((s) =>
          s === NOT_FOUND || s === undefined ? [] : [[s.nativeId, s.providerState]],
        );
        expect(reported.length).toBe(refs.length);
        expect(Object.fromEntries(reported)).toEqual(
          Object.fromEntries(reported.map(([id]) => [id, lastWord(sim, id!)])),
        );
      }
      // Each entry is a change: never the same word twice in a row for one job.
      const previous = new Map<string, string | null>();
      for (const change of sim.stateChanges) {
        expect(change.providerState).not.toBe(previous.get(change.nativeId));
        previous.set(change.nativeId, change.providerState);
      }
    });

    it('answers slow, truncated and cut bodies as a provider would, and the client reports a ProviderError', async () => {
      const client = connect(sim.account);
      const whole = (await client.listJobs({ signal: signal() })).items.map((r) => r.nativeId);
      const answered = (fault: Partial<SimulatorFault>) => {
        sim.inject({ status: 200, passThrough: true, ...fault });
        return client.listJobs({ signal: signal() });
      };
      // Slow but within the client's timeout: read whole.
      const slow = await answered({ body: 'slow', delayMs: 400 });
      expect(slow.items.map((r) => r.nativeId)).toEqual(whole);
      expect(sim.requests.at(-1)).toMatchObject({ status: 200, answerDelayedMs: 400 });
      for (const body of ['truncated', 'cut'] as const) {
        await expect(answered({ body })).rejects.toBeInstanceOf(ProviderError);
        await expect(answered({ status: 503, passThrough: false, body })).rejects.toBeInstanceOf(ProviderError);
      }
      const impatient = fixture.connect(sim.account, 300);
      sim.inject({ status: 200, passThrough: true, body: 'slow', delayMs: 2_000 });
      await expect(impatient.listJobs({ signal: signal() })).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    });
  });

  describe.runIf(adapter.mutations !== undefined)(`adapter contract: ${adapter.kind} mutations`, () => {
    // A hub or subscription of its own: no seeded job can stand in the way (IoT Hub allows one active job).
    const fixture = useSimulator(adapter, opts.simulator, {
      account: 'mutations',
      seed: 11,
      seedJobs: 0,
      autopilot: false,
    });
    const connect = (timeoutMs = 10_000) => fixture.connect(fixture.sim.account, timeoutMs);
    let sim: RunningSimulator;
    beforeAll(() => {
      sim = fixture.sim;
    });
    const sample = () => {
      if (!opts.sampleCreateInput) throw new Error(`${adapter.kind} has mutations but no sampleCreateInput`);
      return opts.sampleCreateInput();
    };
    const create = async (client: AccountClient, input = sample()) => {
      const parsed = adapter.mutations!.parseCreate(input);
      const result = await client.createJob!(parsed, { signal: signal(), dryRun: false });
      if (!result.job) throw new Error('createJob returned no job');
      return result.job;
    };

    it('refuses empty input before any provider call, naming each bad field', () => {
      const before = sim.requests.length;
      let error: unknown;
      try {
        adapter.mutations!.parseCreate({});
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidInputError);
      const problems = (error as InvalidInputError).problems;
      expect(problems.length).toBeGreaterThan(0);
      for (const p of problems) {
        expect(p.field).toBeTruthy();
        expect(p.message).toBeTruthy();
      }
      expect(sim.requests.length).toBe(before);
    });

    /** Cancels and steps the simulator until the provider reports the job cancelled. */
    const cancelAndSettle = async (client: AccountClient, nativeId: string): Promise<JobSnapshot> => {
      let current = await client.cancelJob!(nativeId, { signal: signal() });
      for (let step = 0; step < 20 && current.state !== 'CANCELLED'; step++) {
        sim.step();
        const [next] = await client.getJobs([nativeId], { signal: signal() });
        if (next === NOT_FOUND || next === undefined) throw new Error('cancelled job vanished');
        current = next;
      }
      return current;
    };

    it('creates a job that the provider lists and returns, in CREATING', async () => {
      const client = connect();
      const job = await create(client);
      expect(job.state).toBe('CREATING');
      const [again] = await client.getJobs([job.nativeId], { signal: signal() });
      expect(again).not.toBe(NOT_FOUND);
      expect((again as JobSnapshot).nativeId).toBe(job.nativeId);
      expect((await listAll(client)).map((r) => r.nativeId)).toContain(job.nativeId);
      await cancelAndSettle(client, job.nativeId); // leaves no active job behind for the next test
    });

    it('cancels a job in CREATING, and the job ends CANCELLED', async () => {
      const client = connect();
      const job = await create(client);
      expect(client.capabilities.actions.CANCEL).toContain('CREATING');
      const cancelled = await cancelAndSettle(client, job.nativeId);
      expect(cancelled.state).toBe('CANCELLED');
      // The journal saw the create and the cancel the requests made.
      const words = sim.stateChanges.filter((c) => c.nativeId === job.nativeId).map((c) => c.providerState);
      expect([words[0], words.at(-1)]).toEqual([job.providerState, cancelled.providerState]);
    });

    const creates = () => sim.requests.filter((r) => r.operation === opts.createOperation).length;
    const throttledAfterWork = () => ({
      status: 503,
      code: opts.throttlingCode,
      passThrough: true,
      count: 1,
      method: opts.createMethod ?? 'POST',
    });

    it('does not create twice when the provider did the create and answered 503 with a throttling code', async () => {
      const client = connect();
      const before = creates();
      sim.inject(throttledAfterWork());
      const job = await create(client);
      expect(sim.requests.filter((r) => r.answerReplaced).map((r) => [r.operation, r.status])).toEqual([
        [opts.createOperation, 503],
      ]);
      expect(creates() - before).toBe(1);
      expect((await listAll(client)).map((r) => r.nativeId)).toContain(job.nativeId);
      await cancelAndSettle(client, job.nativeId);
    });

    it('reports such a create it could not look for as RATE_LIMITED whose outcome is unknown', async () => {
      const client = connect();
      const listed = new Set((await listAll(client)).map((r) => r.nativeId));
      const before = creates();
      sim.inject(throttledAfterWork());
      // Every request after the create fails: the adapter cannot find out whether the job exists.
      sim.inject({ status: 503, count: 1_000 });
      const error = await create(client).catch((e: unknown) => e);
      sim.clearFaults();
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ code: 'RATE_LIMITED', outcomeUnknown: true, retryable: false });
      expect(creates() - before).toBe(1);
      const made = (await listAll(client)).filter((r) => !listed.has(r.nativeId));
      expect(made).toHaveLength(1);
      await cancelAndSettle(client, made[0]!.nativeId);
    });

    it('does not create twice when the answer to a create comes too late: it finds the job it created', async () => {
      const client = connect(1_000);
      const before = (await listAll(client)).length;
      sim.inject({ status: 200, passThrough: true, delayMs: 1_800, count: 1, method: opts.createMethod ?? 'POST' });
      const job = await create(client);
      expect(job.state).toBe('CREATING');
      // The create itself did its work and answered too late (not some lookup before it).
      const delayed = sim.requests.filter((r) => r.answerDelayedMs);
      expect(delayed.map((r) => [r.operation, r.status < 300])).toEqual([[opts.createOperation, true]]);
      const after = await listAll(client);
      expect(after.length).toBe(before + 1);
      expect(after.map((r) => r.nativeId)).toContain(job.nativeId);
    });
  });
}
