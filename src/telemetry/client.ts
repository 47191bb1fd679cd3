/**
 * An account's client as the core uses it: every provider call goes through `Telemetry.providerCall` (counted,
 * timed, traced) on its way to the adapter's client, which knows nothing of it. Wrapped once, where accounts
 * are connected, so rounds, read-throughs, live reads and mutations are all measured alike.
 */
import type { AccountClient } from '../sdk/model.js';
import type { Telemetry } from './index.js';

/** The AccountClient methods that call the provider: the bounded set of `operation` label values. */
const OPERATIONS = [
  'listJobs',
  'getJobs',
  'createJob',
  'findCreatedJob',
  'updateJob',
  'cancelJob',
  'deleteJob',
] as const;

type Call = (...args: unknown[]) => Promise<unknown>;

/** Every call takes its options (with the gateway's abort signal) last. */
function signalOf(args: readonly unknown[]): AbortSignal | undefined {
  const options = args.at(-1) as { signal?: unknown } | undefined;
  return options?.signal instanceof AbortSignal ? options.signal : undefined;
}

export function measuredClient(
  client: AccountClient,
  account: { name: string; kind: string },
  telemetry: Telemetry,
): AccountClient {
  const measured: Partial<Record<(typeof OPERATIONS)[number], Call>> = {};
  for (const operation of OPERATIONS) {
    const method = client[operation] as Call | undefined;
    if (typeof method !== 'function') continue; // optional operations stay absent: capabilities check for them
    measured[operation] = (...args) =>
      telemetry.providerCall({ account: account.name, provider: account.kind, operation }, signalOf(args), () =>
        method.apply(client, args),
      );
  }
  return {
    get capabilities() {
      return client.capabilities;
    },
    ...measured,
    dispose: () => client.dispose(),
  } as AccountClient;
}
