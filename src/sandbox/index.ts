/**
 * The embedded sandbox: one simulator per registered adapter on loopback, sharing one self-signed
 * certificate. Its description ({providers, caCertificate}) is exactly what `crossdock sandbox --json`
 * prints and what a config file accepts.
 */

import type { AdapterRegistry, RunningSimulator } from '../sdk/index.js';
import { createSandboxCertificate } from './tls.js';

export interface SandboxOptions {
  /** Whose simulators to start: every adapter of the registry that has one, or only `kinds`. */
  registry: AdapterRegistry;
  kinds?: readonly string[];
  seed?: number;
  /** Real milliseconds per lifecycle step; 0 = manual stepping (tests). */
  stepMs?: number;
  /** Jobs each simulated account holds at start (any number: the benchmarks seed thousands). */
  seedJobs?: number;
  autopilot?: boolean;
  host?: string;
}

export interface SandboxDescription {
  providers: RunningSimulator['account'][];
  caCertificate: string;
}

export interface Sandbox {
  description: SandboxDescription;
  simulators: Map<string, RunningSimulator>;
  close(): Promise<void>;
}

export const DEFAULT_SANDBOX_STEP_MS = 2_000;
export const DEFAULT_SANDBOX_SEED_JOBS = 12;

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const tls = await createSandboxCertificate();
  const simulators = new Map<string, RunningSimulator>();
  const seed = opts.seed ?? 42;
  try {
    const kinds = opts.kinds ?? opts.registry.adapters.map((a) => a.kind);
    for (const [index, kind] of kinds.entries()) {
      const load = opts.registry.simulators[kind];
      if (!load) throw new Error(`no simulator is registered for "${kind}"`);
      const account = `sandbox-${kind}`;
      const simulator = await load();
      const sim = await simulator.start({
        account,
        seed: seed + index,
        stepMs: opts.stepMs ?? DEFAULT_SANDBOX_STEP_MS,
        seedJobs: opts.seedJobs ?? DEFAULT_SANDBOX_SEED_JOBS,
        autopilot: opts.autopilot ?? true,
        tls,
        host: opts.host ?? '127.0.0.1',
      });
      simulators.set(account, sim);
    }
  } catch (error) {
    await Promise.allSettled([...simulators.values()].map((s) => s.close()));
    throw error;
  }
  return {
    description: { providers: [...simulators.values()].map((s) => s.account), caCertificate: tls.cert },
    simulators,
    async close() {
      await Promise.allSettled([...simulators.values()].map((s) => s.close()));
    },
  };
}
