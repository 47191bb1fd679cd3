/**
 * Idempotency keys for createJob, kept in the store so they survive a restart. A key remembers a fingerprint
 * of the input it was first used with (a SHA-256 digest: the input itself may hold BitLocker keys or SAS
 * tokens, which must never reach the store) and, once the provider answered, the job it created.
 */
import { createHash } from 'node:crypto';
import type Keyv from 'keyv';
import type { JobSnapshot } from './adapter.js';
import type { Store } from './store/index.js';

/** How long a key is remembered (what the schema promises). */
export const IDEMPOTENCY_TTL_MS = 7 * 24 * 3600_000;

export interface IdempotencyRecord {
  fingerprint: string;
  /** The created job; absent while the create is in flight. */
  snapshot?: JobSnapshot;
  at: string;
}

/** A stable digest of any JSON value: object keys are sorted, so key order in the request does not matter. */
export function fingerprint(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, item]) => item !== undefined && item !== null)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, item]) => [k, canonical(item)]),
      );
    }
    return v;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('base64url');
}

export class IdempotencyKeys {
  private readonly kv: Keyv<IdempotencyRecord>;
  /** Creates in flight in this process, so a concurrent retry waits for the first instead of racing it. */
  private readonly inFlight = new Map<string, Promise<JobSnapshot>>();

  constructor(store: Store) {
    this.kv = store.kv<IdempotencyRecord>('idempotency');
  }

  private key(account: string, idempotencyKey: string) {
    return `${account}\n${idempotencyKey}`;
  }

  get(account: string, idempotencyKey: string): Promise<IdempotencyRecord | undefined> {
    return this.kv.get(this.key(account, idempotencyKey));
  }

  async remember(account: string, idempotencyKey: string, record: IdempotencyRecord): Promise<void> {
    await this.kv.set(this.key(account, idempotencyKey), record, IDEMPOTENCY_TTL_MS);
  }

  async forget(account: string, idempotencyKey: string): Promise<void> {
    await this.kv.delete(this.key(account, idempotencyKey));
  }

  /** Runs `create` unless a create with the same key is already running here; then shares its outcome. */
  once(account: string, idempotencyKey: string, create: () => Promise<JobSnapshot>): Promise<JobSnapshot> {
    const key = this.key(account, idempotencyKey);
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = create().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }
}
