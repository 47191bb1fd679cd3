/** Simulator behaviour the contract does not pin down: seeded history, replay, autopilot, injected faults. */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxCertificate, type SandboxCertificate } from '../../src/sandbox/tls.js';
import { type AccountClient, type JobSnapshot, ProviderError, type RunningSimulator } from '../../src/sdk/index.js';
import { connect } from './client.js';
import { configSchema } from './config.js';
import { simulator } from './simulator.js';

describe('IoT Hub simulator', () => {
  let tls: SandboxCertificate;
  const sims: RunningSimulator[] = [];
  const clients: AccountClient[] = [];
  const start = async (seed: number, autopilot = false, seedJobs = 20) => {
    const sim = await simulator.start({ account: `sim-${seed}`, seed, stepMs: 0, seedJobs, autopilot, tls });
    sims.push(sim);
    const client = connect(configSchema.parse(sim.account), {
      account: String(sim.account.account),
      logger: pino({ level: 'silent' }),
      ca: tls.cert,
      timeoutMs: 10_000,
      now: Date.now,
    });
    clients.push(client);
    return { sim, client };
  };
  const snapshots = async (client: AccountClient): Promise<JobSnapshot[]> =>
    (await client.listJobs({ signal: AbortSignal.timeout(10_000) })).items.map((r) => r.snapshot!);
  const active = (jobs: JobSnapshot[]) => jobs.filter((j) => j.state === 'CREATING' || j.state === 'TRANSFERRING');

  beforeAll(async () => {
    tls = await createSandboxCertificate();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await Promise.all(sims.map((s) => s.close()));
  });

  it('seeds a mostly finished history with exactly one job still moving, the newest', async () => {
    const { client } = await start(21);
    const jobs = await snapshots(client);
    expect(jobs).toHaveLength(20);
    expect(active(jobs)).toHaveLength(1);
    const newest = [...jobs].sort((a, b) => Date.parse(b.createdAt!) - Date.parse(a.createdAt!))[0]!;
    expect(active(jobs)[0]!.nativeId).toBe(newest.nativeId);
    expect(new Set(jobs.map((j) => j.state)).size).toBeGreaterThanOrEqual(3);
  });

  it('gives every failed job of the history a reason', async () => {
    // Seed 21's history happens to hold no failure; this one's does.
    const failed = (await snapshots((await start(22)).client)).filter((j) => j.state === 'FAILED');
    expect(failed.length, 'the seed holds failed jobs').toBeGreaterThan(0);
    for (const job of failed) expect(job.failureReason).toMatch(/\w{8}/);
  });

  it('replays the same jobs for the same seed, and other jobs for another', async () => {
    const key = (jobs: JobSnapshot[]) =>
      jobs.map((j) => `${j.nativeId}/${j.type}/${j.providerState}/${j.progress.percent}`);
    const a = key(await snapshots((await start(33)).client));
    const b = key(await snapshots((await start(33)).client));
    const c = key(await snapshots((await start(34)).client));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('moves a job through running with rising progress, and the autopilot starts a new one when idle', async () => {
    const { sim, client } = await start(45, true, 1);
    const [first] = await snapshots(client);
    const percents: number[] = [];
    for (
      let step = 0;
      step < 10 && active(await snapshots(client)).some((j) => j.nativeId === first!.nativeId);
      step++
    ) {
      sim.step();
      const now = (await snapshots(client)).find((j) => j.nativeId === first!.nativeId)!;
      if (now.state === 'TRANSFERRING') percents.push(now.progress.percent!);
    }
    expect(percents.length).toBeGreaterThan(1);
    expect([...percents].sort((x, y) => x - y)).toEqual(percents);
    let count = 1;
    for (let step = 0; step < 100 && count === 1; step++) {
      sim.step();
      count = (await snapshots(client)).length;
    }
    expect(count).toBe(2);
  });

  it('answers injected faults in the IoT error envelope', async () => {
    const { sim, client } = await start(50, false, 2);
    sim.inject({ status: 429, retryAfterSeconds: 3 });
    const error = await client.listJobs({ signal: AbortSignal.timeout(10_000) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', providerCode: 'ThrottlingException', retryAfterSeconds: 3 });
    expect(sim.requests.at(-1)).toMatchObject({ operation: 'fault', status: 429 });
  });
});
