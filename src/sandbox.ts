/**
 * The embedded sandbox: one simulator per registered adapter on loopback, sharing one self-signed
 * certificate. Its description ({providers, caCertificate}) is exactly what `crossdock sandbox --json`
 * prints and what a config file accepts.
 */
import { createSandboxCertificate } from '../adapters/utils/tls.js';
import type { Adapter, RunningSimulator } from './adapter.js';

export interface SandboxOptions {
  adapters: readonly Adapter[];
  seed?: number;
  /** Real milliseconds per lifecycle step; 0 = manual stepping (tests). */
  stepMs?: number;
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

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const tls = await createSandboxCertificate();
  const simulators = new Map<string, RunningSimulator>();
  const seed = opts.seed ?? 42;
  try {
    for (const [index, adapter] of opts.adapters.entries()) {
      const account = `sandbox-${adapter.kind}`;
      const sim = await adapter.simulator.start({
        account,
        seed: seed + index,
        stepMs: opts.stepMs ?? DEFAULT_SANDBOX_STEP_MS,
        seedJobs: opts.seedJobs ?? 12,
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
