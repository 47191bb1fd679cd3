/**
 * The contract every adapter passes against its own simulator (like unstorage's testDriver):
 * listing with paging, batch get, unknown ids, auth failure, and a lifecycle that ends.
 * Provider specifics get their own small tests beside the adapter.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxCertificate } from '../adapters/utils/tls.js';
import {
  type AccountClient,
  type Adapter,
  isTerminal,
  JOB_STATES,
  type JobRef,
  type JobSnapshot,
  NOT_FOUND,
  type RunningSimulator,
} from '../src/adapter.js';
import { ProviderError } from '../src/errors.js';

export interface ContractOptions {
  /** The same account config with a credential the simulator must refuse. */
  withWrongCredentials(account: Record<string, unknown>): Record<string, unknown>;
  /** A native id the provider cannot know. */
  unknownId?: string;
}

const signal = () => AbortSignal.timeout(20_000);

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

export function runAdapterContract(adapter: Adapter, opts: ContractOptions): void {
  describe(`adapter contract: ${adapter.kind}`, () => {
    let sim: RunningSimulator;
    let ca: string;
    const clients: AccountClient[] = [];
    const connect = (account: Record<string, unknown>) => {
      const config = adapter.configSchema.parse(account);
      const client = adapter.connect(config, {
        account: String(account.account),
        logger: pino({ level: 'silent' }),
        ca,
        timeoutMs: 10_000,
        now: Date.now,
      });
      clients.push(client);
      return client;
    };

    beforeAll(async () => {
      const tls = await createSandboxCertificate();
      ca = tls.cert;
      // More jobs than one provider page holds, so paging is exercised.
      sim = await adapter.simulator.start({
        account: 'contract',
        seed: 7,
        stepMs: 0,
        seedJobs: 130,
        autopilot: true,
        tls,
      });
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.dispose()));
      await sim?.close();
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
  });
}
