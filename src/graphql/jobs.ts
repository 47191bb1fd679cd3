/**
 * The read path at the GraphQL edge: every job a query returns comes from the job index (the store), through
 * per-request DataLoaders. A query waits on a provider only when it asks for fresher data (`maxAge`) or names
 * a job the index has never seen, and then through the account's mirror, which shares one provider call among
 * concurrent readers and bounds the wait by the provider timeout. An account whose data may be stale adds one
 * error for itself; the other accounts' jobs come through regardless.
 */
import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import type { Principal } from '../auth/principal.js';
import type { JobTransition, StoredJob } from '../events/types.js';
import type { Gateway } from '../gateway.js';
import type { AccountRuntime } from '../observation/accounts.js';
import { type AccountMirror, settleWithin } from '../observation/mirror.js';
import { ErrorCode, GatewayError, gatewayError, type ProviderError } from '../sdk/errors.js';
import { type JobState, type JobType, NOT_FOUND } from '../sdk/model.js';
import { epochMs, type GatewayStore, type JobKey, type JobOrderKey, jobKeyString, orderKeyOf } from '../store/types.js';
import { toGraphQLError } from './errors.js';
import { unknownAccount, visibleAccount, visibleAccounts } from './scope.js';

/** What GraphQL resolvers of `Job` receive: the account and the job as the index has it (or as an event had it). */
export interface JobNode {
  account: AccountRuntime;
  job: StoredJob;
  /**
   * An event's copy of the job whose `stateChangedAt` the event does not tell (it was no transition): read from
   * the index, i.e. the job's current value. Replayed events likewise show the current `history`.
   */
  fromEvent?: boolean;
}

export const MAX_PAGE_SIZE = 1_000;
/** `maxAge` above a year is as good as "whatever the index has". */
const MAX_AGE_LIMIT_SECONDS = 366 * 86_400;

/** Per GraphQL operation: batches the index reads of every Job in a result into one store query each. */
export class IndexReader {
  readonly rows: DataLoader<JobKey, StoredJob | undefined, string>;
  readonly history: DataLoader<JobKey, JobTransition[], string>;

  constructor(store: GatewayStore) {
    this.rows = new DataLoader((keys) => store.getJobs(keys), { cacheKeyFn: jobKeyString });
    this.history = new DataLoader((keys) => store.transitions(keys), { cacheKeyFn: jobKeyString });
  }
}

export interface ReadContext {
  gateway: Gateway;
  /**
   * Who is asking (the edge authenticated it): reads cover only the accounts it may see (src/graphql/scope.ts),
   * and an account it may not see is answered exactly like one that is not configured.
   */
  principal: Principal;
  index: IndexReader;
  /** Errors for one account's part of a result that still has data (one per account and request). */
  partialErrors: GraphQLError[];
  /** Accounts that already have an error in `partialErrors`. */
  reported: Set<string>;
}

/** A `maxAge` argument in milliseconds; undefined when not given. */
export function maxAgeMs(maxAge: number | null | undefined): number | undefined {
  if (maxAge == null) return undefined;
  if (!Number.isInteger(maxAge) || maxAge < 0 || maxAge > MAX_AGE_LIMIT_SECONDS) {
    throw gatewayError(ErrorCode.BAD_USER_INPUT, `maxAge must be whole seconds from 0 to ${MAX_AGE_LIMIT_SECONDS}.`, {
      field: 'maxAge',
    });
  }
  return maxAge * 1000;
}

export function encodeCursor(key: JobOrderKey): string {
  return Buffer.from(JSON.stringify([key.sortMs, key.id])).toString('base64url');
}

export function decodeCursor(cursor: string): JobOrderKey {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === 2 && Number.isSafeInteger(key[0]) && typeof key[1] === 'string') {
      return { sortMs: key[0] as number, id: key[1] };
    }
  } catch {
    // fall through
  }
  throw gatewayError(
    ErrorCode.BAD_USER_INPUT,
    'Malformed cursor: pass `after` exactly as a previous page returned it.',
    {
      field: 'after',
    },
  );
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Why an account's jobs in the index may be out of date right now, as one error for a read: its last round
 * failed, its circuit is open, it was never observed completely, or the live read a client asked for with
 * `maxAge` did not complete in time. Undefined when the account is fine.
 */
export async function staleness(
  mirror: AccountMirror,
  opts: {
    maxAgeMs?: number | undefined;
    requestedAtMs: number;
    waitMs: number;
    /** Only a failing account counts (a job read on its own needs no complete round of its account). */
    failuresOnly?: boolean;
  },
): Promise<GatewayError | undefined> {
  const poll = await mirror.pollState();
  const { account } = mirror;
  const circuit = mirror.circuit;
  const failure = poll.failedRounds > 0 ? poll.lastFailure : null;
  const neverObserved = poll.lastCompleteRoundMs === null && !opts.failuresOnly;
  const tooOld =
    opts.maxAgeMs !== undefined &&
    (poll.lastRoundStartedMs === null || poll.lastRoundStartedMs < opts.requestedAtMs - opts.maxAgeMs);
  if (!failure && circuit === 'CLOSED' && !neverObserved && !tooOld) return undefined;
  const why = failure
    ? failure.message
    : circuit !== 'CLOSED'
      ? 'calls paused after consecutive failures (circuit open)'
      : `no answer within ${opts.waitMs} ms`;
  const asOf =
    poll.lastCompleteRoundMs === null ? 'no complete observation yet' : `jobs as of ${iso(poll.lastRoundStartedMs)}`;
  return new GatewayError(failure?.code ?? ErrorCode.PROVIDER_UNAVAILABLE, `${account.name}: ${why}; ${asOf}`, {
    account: account.name,
    provider: account.kind,
    stale: true,
    lastCompleteRoundAt: iso(poll.lastCompleteRoundMs),
    circuit,
    ...(failure?.providerCode ? { providerCode: failure.providerCode } : {}),
    ...(failure?.status ? { providerStatus: failure.status } : {}),
    ...(failure?.retryAfterSeconds !== undefined ? { retryAfterSeconds: failure.retryAfterSeconds } : {}),
  });
}

function report(ctx: ReadContext, account: string, error: GatewayError | ProviderError, path: string): void {
  if (ctx.reported.has(account)) return;
  ctx.reported.add(account);
  ctx.partialErrors.push(toGraphQLError(error, [path]));
}

/** A visible account and its mirror; one the caller may not see is NOT_FOUND before any provider call. */
export function accountNamed(ctx: ReadContext, name: string): { account: AccountRuntime; mirror: AccountMirror } {
  const account = visibleAccount(ctx.gateway, ctx.principal, name);
  if (!account) throw unknownAccount(name);
  return { account, mirror: ctx.gateway.observation.mirror(name) };
}

/**
 * One job by account and native id, from the index; read through its mirror when the index has no row or an
 * older one than `maxAge` allows. NOT_FOUND (with the provider's own code) when the provider does not know it.
 */
export async function readJob(
  ctx: ReadContext,
  accountName: string,
  nativeId: string,
  args: { maxAge?: number | null | undefined; path: string },
): Promise<JobNode> {
  const { account, mirror } = accountNamed(ctx, accountName);
  const maxAge = maxAgeMs(args.maxAge);
  const requestedAtMs = ctx.gateway.now();
  const waitMs = ctx.gateway.config.providerTimeoutMs;
  const key = { account: accountName, nativeId };
  let row = await ctx.index.rows.load(key);
  if (!row || (maxAge !== undefined && row.observedAtMs < requestedAtMs - maxAge)) {
    const read = await settleWithin(mirror.readThrough([nativeId]), waitMs);
    if (read.status === 'ok') {
      const [found] = read.value;
      if (found === NOT_FOUND || found === undefined) {
        throw gatewayError(ErrorCode.NOT_FOUND, `Job "${nativeId}" was not found at account "${accountName}".`, {
          account: accountName,
          provider: account.kind,
          ...(account.adapter.notFoundCode ? { providerCode: account.adapter.notFoundCode } : {}),
        });
      }
      row = found;
      ctx.index.rows.clear(key).prime(key, row);
    } else {
      const error =
        read.status === 'failed'
          ? read.error
          : gatewayError(ErrorCode.PROVIDER_UNAVAILABLE, `${accountName}: no answer within ${waitMs} ms`, {
              account: accountName,
              provider: account.kind,
            });
      // Without a row there is nothing to show; with one, it is shown as it is, with the error beside it.
      if (!row) throw error;
      const stale = await staleness(mirror, { maxAgeMs: maxAge, requestedAtMs, waitMs });
      report(ctx, accountName, stale ?? (error as GatewayError), args.path);
    }
  } else {
    const stale = await staleness(mirror, { requestedAtMs, waitMs, failuresOnly: true });
    if (stale) report(ctx, accountName, stale, args.path);
  }
  return { account, job: row };
}

export interface JobFilter {
  providers?: readonly string[] | null;
  accounts?: readonly string[] | null;
  states?: readonly JobState[] | null;
  types?: readonly JobType[] | null;
  updatedSince?: string | null;
}

export interface JobPage {
  edges: { cursor: string; node: JobNode }[];
  hasNextPage: boolean;
  totalCount: number;
}

/** One page of jobs across accounts: filtered, ordered and counted by the store. */
export async function pageJobs(
  ctx: ReadContext,
  args: {
    filter?: JobFilter | null;
    first?: number | null;
    after?: string | null;
    maxAge?: number | null;
  },
): Promise<JobPage> {
  const filter = args.filter ?? {};
  const first = args.first ?? 50;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw gatewayError(ErrorCode.BAD_USER_INPUT, `first must be between 0 and ${MAX_PAGE_SIZE}.`, { field: 'first' });
  }
  const updatedSinceMs = filter.updatedSince ? epochMs(filter.updatedSince) : null;
  if (filter.updatedSince && updatedSinceMs === null) {
    throw gatewayError(ErrorCode.BAD_USER_INPUT, 'filter.updatedSince is not a date-time.', {
      field: 'filter.updatedSince',
    });
  }
  const after = args.after ? decodeCursor(args.after) : undefined;
  const maxAge = maxAgeMs(args.maxAge);
  // Only accounts the caller may see are counted, read live (maxAge) or reported stale: the store query itself
  // is narrowed to them, so `totalCount` and paging never include another tenant's jobs.
  const selected = visibleAccounts(ctx.gateway, ctx.principal, filter.accounts).filter(
    (a) => !filter.providers?.length || filter.providers.includes(a.kind),
  );
  const mirrors = selected.map((a) => ctx.gateway.observation.mirror(a.name));
  const requestedAtMs = ctx.gateway.now();
  const waitMs = ctx.gateway.config.providerTimeoutMs;
  await Promise.all(mirrors.map((m) => m.ensureFresh({ maxAgeMs: maxAge, waitMs })));

  const page = await ctx.gateway.store.findJobs({
    accounts: selected.map((a) => a.name),
    states: filter.states,
    types: filter.types,
    updatedSinceMs,
    after,
    first,
  });
  const problems = await Promise.all(mirrors.map((m) => staleness(m, { maxAgeMs: maxAge, requestedAtMs, waitMs })));
  problems.forEach((problem, i) => {
    if (problem) report(ctx, selected[i]!.name, problem, 'jobs');
  });
  const byName = new Map(selected.map((a) => [a.name, a]));
  return {
    edges: page.jobs.map((job) => {
      ctx.index.rows.prime({ account: job.account, nativeId: job.nativeId }, job);
      return { cursor: encodeCursor(orderKeyOf(job)), node: { account: byName.get(job.account)!, job } };
    }),
    hasNextPage: page.hasNextPage,
    totalCount: page.totalCount,
  };
}
