/**
 * Polling cost: what one account's poller asks its provider over one simulated hour, 200 jobs, most of them
 * finished. A provider whose listing carries each job's status (Azure, IoT Hub) costs its listing pages per
 * round, whatever the jobs do; one whose listing carries only ids (AWS) needs a call per job, and the terminal
 * interval (`polling.intervalMs.terminal`) is what keeps finished jobs from being re-read every round. Such a
 * provider runs twice on the same seed: with the configured policy and with terminal interval = active interval.
 *
 * The poller runs on a simulated clock and rounds follow the policy's own cadence (the active interval while a
 * job moves, the waiting interval otherwise, no jitter), so an hour takes seconds; the providers are the real
 * simulators over HTTPS on loopback and every request they answered is counted.
 */

import { parseConfig } from '../src/config.js';
import { createGateway } from '../src/gateway.js';
import { activityOf, type JobActivity, roundInterval } from '../src/observation/policy.js';
import { registry } from '../src/registry.js';
import type { Adapter } from '../src/sdk/model.js';
import { captureLogs, startTestSandbox } from '../test/helpers/servers.js';

export const POLL_JOBS = 200;
/** Simulated time the rounds cover: the default terminal interval, so it elapses once. */
const SIMULATED_MS = 3_600_000;
/** Lifecycle steps the simulator takes before the gateway first looks, so that most jobs are finished. */
const AGE_STEPS = 8;

export interface PollingPolicy {
  /** `polling.intervalMs` overrides; none = the defaults. */
  intervalMs?: { active?: number; waiting?: number; terminal?: number };
}

export interface PollingCost {
  provider: string;
  listIncludesSnapshots: boolean;
  /** The intervals the poller ran with. */
  intervalMs: { active: number; waiting: number; terminal: number };
  /** Rounds in the simulated hour after the baseline round. */
  rounds: number;
  requests: number;
  /** Jobs the poller looked up one by one (beyond the listing), summed over the rounds. */
  lookedUp: number;
  /** Job mix the gateway saw in its baseline round. */
  mix: Record<JobActivity, number>;
}

/** The `poll round done` debug lines, as the poller logs them. */
function roundsLogged(lines: readonly string[]): { fetched: number }[] {
  return lines
    .map((line) => JSON.parse(line) as { msg?: string; fetched?: number })
    .filter((entry) => entry.msg === 'poll round done')
    .map((entry) => ({ fetched: entry.fetched ?? 0 }));
}

export async function measurePollingCost(adapter: Adapter, policy: PollingPolicy): Promise<PollingCost> {
  // No autopilot: no jobs appear or get shipped while measuring, so every policy faces the same jobs.
  const sandbox = await startTestSandbox({ adapters: [adapter], seedJobs: POLL_JOBS, seed: 7, autopilot: false });
  try {
    const sim = [...sandbox.simulators.values()][0]!;
    for (let i = 0; i < AGE_STEPS; i++) sim.step();
    let clock = Date.now();
    const polling = { enabled: false, jitter: 0, ...(policy.intervalMs ? { intervalMs: policy.intervalMs } : {}) };
    const config = parseConfig({ ...sandbox.description, store: { kind: 'memory' }, polling }, registry);
    const { logger, lines } = captureLogs('debug');
    const gateway = createGateway(config, { logger, registry, now: () => clock });
    try {
      const account = sim.account.account;
      const statesNow = async () => (await gateway.store.loadAccount(account)).jobs.map((j) => j.state);
      await gateway.pollNow(account); // the baseline round reads every job once
      const mix: Record<JobActivity, number> = { active: 0, waiting: 0, terminal: 0 };
      for (const state of await statesNow()) mix[activityOf(state)] += 1;

      const fromRequest = sim.requests.length;
      const fromLine = lines.length;
      const end = clock + SIMULATED_MS;
      let rounds = 0;
      for (;;) {
        clock += roundInterval(config.polling, await statesNow());
        if (clock > end) break;
        sim.step();
        await gateway.pollNow(account);
        rounds += 1;
      }
      return {
        provider: adapter.kind,
        listIncludesSnapshots: gateway.accounts.get(account)!.client.capabilities.listIncludesSnapshots,
        intervalMs: config.polling.intervalMs,
        rounds,
        requests: sim.requests.length - fromRequest,
        lookedUp: roundsLogged(lines.slice(fromLine)).reduce((sum, r) => sum + r.fetched, 0),
        mix,
      };
    } finally {
      await gateway.dispose();
    }
  } finally {
    await sandbox.close();
  }
}
