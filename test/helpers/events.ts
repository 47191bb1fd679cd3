/**
 * What end-to-end event tests share: the subscription document, a fingerprint that reads the same from a
 * provider snapshot and from a GraphQL `Job`, and a direct provider client for the truth at each step.
 */
import { isDeepStrictEqual } from 'node:util';
import pino from 'pino';
import type { Sandbox } from '../../src/sandbox/index.js';
import type { AccountClient, Adapter, JobSnapshot } from '../../src/sdk/model.js';
import { isTerminal, NOT_FOUND } from '../../src/sdk/model.js';
import { listAll } from '../adapter-contract.js';

export const JOB_FIELDS = `id nativeId state providerState cancelRequested name location failureReason updatedAt
  progress { percent bytesTransferred itemsProcessed message }
  drives { driveId state percentComplete bytesSucceeded copyStatus errorCount }
  artifacts { kind url }
  errors { code message }
  shipping { deliveryPackage { carrier trackingNumber } returnPackage { carrier trackingNumber } }
  details { key value }`;

export const JOB_EVENTS = /* GraphQL */ `
  subscription Events($filter: JobEventFilter, $after: String) {
    jobEvents(filter: $filter, after: $after) {
      cursor kind at previousState state previousProviderState providerState afterGap changes jobId
      job { ${JOB_FIELDS} }
    }
  }
`;

export interface EventJob {
  id: string;
  nativeId: string;
  state: string | null;
  providerState: string;
  cancelRequested: boolean;
  name: string;
  location: string | null;
  failureReason: string | null;
  updatedAt: string | null;
  progress: Record<string, unknown>;
  drives: Record<string, unknown>[];
  artifacts: { kind: string; url: string | null }[];
  errors: { code: string | null; message: string }[];
  shipping: {
    deliveryPackage: { carrier: string | null; trackingNumber: string | null } | null;
    returnPackage: { carrier: string | null; trackingNumber: string | null } | null;
  } | null;
  details: { key: string; value: string | null }[];
}

export interface JobEventData {
  cursor: string;
  kind: string;
  at: string;
  previousState: string | null;
  state: string | null;
  previousProviderState: string | null;
  providerState: string;
  afterGap: boolean;
  changes: string[];
  jobId: string;
  job: EventJob;
}

export type JobEventsResult = { jobEvents: JobEventData };

const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());
const progressOf = (p: Record<string, unknown>) => ({
  percent: p.percent ?? null,
  bytesTransferred: p.bytesTransferred ?? null,
  itemsProcessed: p.itemsProcessed ?? null,
  message: p.message ?? null,
});
const pack = (p: { carrier: string | null; trackingNumber: string | null } | null) =>
  p && { carrier: p.carrier, trackingNumber: p.trackingNumber };

/** Everything the subscription selects, normalized the same way from a provider snapshot. */
export function fingerprintSnapshot(s: JobSnapshot): string {
  return JSON.stringify({
    providerState: s.providerState,
    cancelRequested: s.cancelRequested,
    name: s.name,
    location: s.location,
    failureReason: s.failureReason,
    updatedAt: iso(s.updatedAt),
    progress: progressOf({ ...s.progress }),
    drives: s.drives.map((d) => ({
      driveId: d.driveId,
      state: d.state,
      percentComplete: d.percentComplete,
      bytesSucceeded: d.bytesSucceeded,
      copyStatus: d.copyStatus,
      errorCount: d.errorCount,
    })),
    artifacts: s.artifacts.map((a) => ({ kind: a.kind, url: a.url })),
    errors: s.errors.map((e) => ({ code: e.code, message: e.message })),
    shipping: s.shipping && {
      deliveryPackage: pack(s.shipping.deliveryPackage),
      returnPackage: pack(s.shipping.returnPackage),
    },
    details: Object.entries(s.details).map(([key, value]) => ({ key, value: value === null ? null : String(value) })),
  });
}

export function fingerprintJob(j: EventJob): string {
  return JSON.stringify({
    providerState: j.providerState,
    cancelRequested: j.cancelRequested,
    name: j.name,
    location: j.location,
    failureReason: j.failureReason,
    updatedAt: iso(j.updatedAt),
    progress: progressOf(j.progress),
    drives: j.drives,
    artifacts: j.artifacts,
    errors: j.errors,
    shipping: j.shipping && {
      deliveryPackage: pack(j.shipping.deliveryPackage),
      returnPackage: pack(j.shipping.returnPackage),
    },
    details: j.details,
  });
}

/** A client of its own on a sandbox simulator: what the provider says, independent of the gateway. */
export function truthClient(adapter: Adapter, sandbox: Sandbox, account: string): AccountClient {
  const sim = sandbox.simulators.get(account)!;
  return adapter.connect(adapter.configSchema.parse(sim.account), {
    account,
    logger: pino({ level: 'silent' }),
    ca: sandbox.description.caCertificate,
    timeoutMs: 10_000,
    now: Date.now,
  });
}

/** Every job of the account as the provider reports it now (read one by one where the listing lacks details). */
export async function readTruth(client: AccountClient): Promise<Map<string, JobSnapshot>> {
  const refs = await listAll(client);
  const incomplete = (client.capabilities.listingOmits?.length ?? 0) > 0;
  const missing = refs.filter((r) => !r.snapshot || incomplete).map((r) => r.nativeId);
  const fetched = missing.length ? await client.getJobs(missing, { signal: AbortSignal.timeout(20_000) }) : [];
  const out = new Map<string, JobSnapshot>();
  for (const ref of refs) if (ref.snapshot && !incomplete) out.set(ref.nativeId, ref.snapshot);
  missing.forEach((id, i) => {
    const s = fetched[i];
    if (s && s !== NOT_FOUND) out.set(id, s);
  });
  return out;
}

/** Drops consecutive repeats. */
export function distinctRuns<T>(values: readonly T[]): T[] {
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}

interface Look {
  look: number;
  fingerprint: string;
  terminal: boolean;
  snapshot: JobSnapshot;
}

/** What an event says changed: the top-level fields whose values differ (schema: `JobEvent.changes`), sorted. */
function topLevelChanges(before: JobSnapshot, after: JobSnapshot): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof JobSnapshot>;
  return [...keys].filter((key) => !isDeepStrictEqual(before[key], after[key])).sort();
}

/** The event kind the schema gives such a change: of state (its word, its state, a cancel request), of drives, or else progress. */
function kindOfChange(changes: readonly string[]): string {
  if (changes.some((c) => ['state', 'providerState', 'cancelRequested'].includes(c))) return 'STATE_CHANGED';
  return changes.includes('drives') ? 'DRIVE_CHANGED' : 'PROGRESS';
}

/**
 * The provider's truth at each point a test looked, per job. What a subscriber must see of a job is its
 * distinct states from one look to the next. Where the provider lists no details (one call per job), the
 * gateway re-reads a job in a terminal state only every `intervalMs.terminal` (by design: terminal jobs
 * seldom), so for those providers the expectation ends at the first terminal state.
 */
export class TruthLog {
  private looks = 0;
  readonly jobs = new Map<string, Look[]>();

  /** Records one look at every job; returns its number. */
  record(snapshots: Map<string, JobSnapshot>): number {
    const look = this.looks++;
    for (const [key, s] of snapshots) {
      const looks = this.jobs.get(key) ?? [];
      looks.push({ look, fingerprint: fingerprintSnapshot(s), terminal: isTerminal(s.state), snapshot: s });
      this.jobs.set(key, looks);
    }
    return look;
  }

  private watched(key: string, terminalIsFinal: boolean): Look[] {
    const looks = this.jobs.get(key) ?? [];
    const end = terminalIsFinal ? looks.findIndex((l) => l.terminal) : -1;
    return end < 0 ? looks : looks.slice(0, end + 1);
  }

  /** The fingerprints a subscriber that joined at `firstLook` must receive for the job, in order. */
  expected(key: string, firstLook: number, terminalIsFinal: boolean): string[] {
    const looks = this.watched(key, terminalIsFinal);
    const runs = distinctRuns(looks.map((l) => l.fingerprint));
    // A job already there at the first look is known to the gateway: its state then is not news.
    return looks[0]?.look === firstLook ? runs.slice(1) : runs;
  }

  /**
   * The `kind` and `changes` of each event `expected` lists, from the provider's own snapshots: CREATED for a
   * job that appeared after `firstLook`, otherwise what differs from the look before.
   */
  expectedEvents(key: string, firstLook: number, terminalIsFinal: boolean): { kind: string; changes: string[] }[] {
    const looks = this.watched(key, terminalIsFinal);
    return looks.flatMap((l, i) => {
      if (i === 0) return l.look === firstLook ? [] : [{ kind: 'CREATED', changes: [] }];
      const before = looks[i - 1]!;
      if (l.fingerprint === before.fingerprint) return [];
      const changes = topLevelChanges(before.snapshot, l.snapshot);
      return [{ kind: kindOfChange(changes), changes }];
    });
  }

  /** Whether the job (as watched) changed, or appeared, between the look before `look` and `look`. */
  changedAt(key: string, look: number, terminalIsFinal: boolean): boolean {
    const looks = this.watched(key, terminalIsFinal);
    const index = looks.findIndex((l) => l.look === look);
    if (index < 0) return false;
    return index === 0 || looks[index]!.fingerprint !== looks[index - 1]!.fingerprint;
  }
}
