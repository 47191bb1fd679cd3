/**
 * Idempotency keys for createJob, kept in the store so they survive a restart. A key remembers a fingerprint
 * of the input it was first used with (a salted scrypt digest: the input itself may hold BitLocker keys or
 * SAS tokens, which must never reach the store) and, once the provider answered, the job it created.
 */
import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import type { JobSnapshot } from '../sdk/model.js';
import type { GatewayStore, IdempotencyRecord } from '../store/types.js';

export type { IdempotencyRecord } from '../store/types.js';

/** How long a key is remembered (what the schema promises). */
export const IDEMPOTENCY_TTL_MS = 7 * 24 * 3600_000;

/**
 * A digest of a create's input that tells "the same input" from "different input" without keeping the input.
 * Object keys are sorted, so key order in the request does not matter. The input holds secrets, some of them
 * short (a carrier account number), so the digest is scrypt, salted per key: whoever reads the store cannot
 * cheaply try candidate values against it.
 */
export async function fingerprint(value: unknown, salt: string): Promise<string> {
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
  // Off the event loop (libuv's thread pool): pollers and websockets keep running meanwhile.
  const digest = await scryptAsync(JSON.stringify(canonical(value)), `crossdock-idempotency\n${salt}`, 32, SCRYPT_COST);
  return digest.toString('base64url');
}

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: string,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;

/** N = 2^14, r = 8: scrypt's interactive-login cost, some 20-50 ms and 16 MiB per create. */
const SCRYPT_COST = { N: 2 ** 14, r: 8, p: 1 };

export class IdempotencyKeys {
  /** Creates in flight in this process, so a concurrent retry waits for the first instead of racing it. */
  private readonly inFlight = new Map<string, Promise<JobSnapshot>>();

  constructor(
    private readonly store: GatewayStore,
    private readonly now: () => number,
  ) {}

  private key(account: string, idempotencyKey: string) {
    return `${account}\n${idempotencyKey}`;
  }

  get(account: string, idempotencyKey: string): Promise<IdempotencyRecord | undefined> {
    return this.store.getIdempotencyKey(account, idempotencyKey, this.now());
  }

  async remember(account: string, idempotencyKey: string, record: IdempotencyRecord): Promise<void> {
    await this.store.putIdempotencyKey(account, idempotencyKey, record, this.now() + IDEMPOTENCY_TTL_MS);
  }

  /** Writes `record` only if no other create (here or on another instance) claimed the key first; see the store. */
  claim(account: string, idempotencyKey: string, record: IdempotencyRecord, previous?: IdempotencyRecord) {
    const now = this.now();
    return this.store.claimIdempotencyKey(account, idempotencyKey, record, now + IDEMPOTENCY_TTL_MS, now, previous);
  }

  async forget(account: string, idempotencyKey: string): Promise<void> {
    await this.store.deleteIdempotencyKey(account, idempotencyKey);
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
