/**
 * Reading jobs across accounts: per-request DataLoaders that walk each account's listing once and batch
 * and dedupe per-job lookups, the shared snapshot cache in front of them, and the stable ordering and
 * cursors of the `jobs` connection. A failing account yields an error for its part, never a failed query.
 */
import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import type { AccountRuntime } from '../observation/accounts.js';
import type { SnapshotCache } from '../observation/snapshot-cache.js';
import { ErrorCode, gatewayError } from '../sdk/errors.js';
import {
  type AccountClient,
  type JobRef,
  type JobSnapshot,
  type JobState,
  type JobType,
  NOT_FOUND,
  type NotFound,
  type Page,
} from '../sdk/model.js';
import { toGraphQLError } from './errors.js';
import { encodeGlobalId } from './ids.js';

/** What GraphQL resolvers of `Job` receive. */
export interface JobNode {
  account: AccountRuntime;
  snapshot: JobSnapshot;
  observedAt: string;
}

export const JOB_TYPE_NAME = 'Job';
export const jobGlobalId = (account: string, nativeId: string) => encodeGlobalId(JOB_TYPE_NAME, account, nativeId);

/** Guards the listing walk against a provider whose paging never ends. */
const MAX_LIST_PAGES = 10_000;
export const MAX_PAGE_SIZE = 1_000;
/** Ids handed to one getJobs call; the adapter bounds how many provider requests run at once. */
const LOOKUP_BATCH = 200;

export interface JobReaderDeps {
  accounts: Map<string, AccountRuntime>;
  cache: SnapshotCache;
  now: () => number;
  signal: AbortSignal;
}

/** One per GraphQL request: its memo is the request's, the snapshot cache is shared. */
export class JobReader {
  private readonly listings: DataLoader<string, JobRef[]>;
  private readonly byAccount = new Map<string, DataLoader<string, JobSnapshot | NotFound>>();
  private readonly observedAt: string;

  constructor(private readonly deps: JobReaderDeps) {
    this.observedAt = new Date(deps.now()).toISOString();
    this.listings = new DataLoader<string, JobRef[]>(
      (names) => Promise.all(names.map((name) => this.walkListing(name).catch((e: unknown) => toError(e)))),
      { batch: false },
    );
  }

  account(name: string): AccountRuntime | undefined {
    return this.deps.accounts.get(name);
  }

  node(account: AccountRuntime, snapshot: JobSnapshot): JobNode {
    return { account, snapshot, observedAt: this.observedAt };
  }

  listing(account: AccountRuntime): Promise<JobRef[]> {
    return this.listings.load(account.name);
  }

  load(account: AccountRuntime, nativeId: string): Promise<JobSnapshot | NotFound> {
    return this.loaderFor(account).load(nativeId);
  }

  /** A job by its native id, as a node; NOT_FOUND and provider failures as GraphQL errors. */
  async get(accountName: string, nativeId: string): Promise<JobNode> {
    const account = this.deps.accounts.get(accountName);
    if (!account) throw gatewayError(ErrorCode.NOT_FOUND, `No account named "${accountName}" is configured.`);
    let snapshot: JobSnapshot | NotFound;
    try {
      snapshot = await this.load(account, nativeId);
    } catch (error) {
      throw toGraphQLError(error);
    }
    if (snapshot === NOT_FOUND) {
      throw gatewayError(ErrorCode.NOT_FOUND, `Job "${nativeId}" was not found at account "${accountName}".`, {
        account: accountName,
        provider: account.kind,
        ...(account.adapter.notFoundCode ? { providerCode: account.adapter.notFoundCode } : {}),
      });
    }
    return this.node(account, snapshot);
  }

  /** Forgets what this request and the shared cache know of a job (after a mutation changed it). */
  async forget(account: AccountRuntime, nativeId: string): Promise<void> {
    this.loaderFor(account).clear(nativeId);
    this.listings.clear(account.name);
    await this.deps.cache.delete(account.name, nativeId);
  }

  private async walkListing(name: string): Promise<JobRef[]> {
    const account = this.deps.accounts.get(name);
    if (!account) return [];
    const refs = await listEveryJob(account.client, this.deps.signal, (page) => account.track(page()));
    // Listings that carry full snapshots make per-job lookups in this request free.
    const withSnapshots = refs.filter((r) => r.snapshot);
    if (withSnapshots.length) {
      const loader = this.loaderFor(account);
      for (const ref of withSnapshots) loader.prime(ref.nativeId, ref.snapshot!);
      await Promise.all(
        withSnapshots.map((r) =>
          this.deps.cache.set(account.name, r.snapshot!, account.client.capabilities.cacheTtlMs),
        ),
      );
    }
    return refs;
  }

  private loaderFor(account: AccountRuntime): DataLoader<string, JobSnapshot | NotFound> {
    let loader = this.byAccount.get(account.name);
    if (!loader) {
      loader = new DataLoader(async (ids) => this.fetchSnapshots(account, ids), { maxBatchSize: LOOKUP_BATCH });
      this.byAccount.set(account.name, loader);
    }
    return loader;
  }

  private async fetchSnapshots(account: AccountRuntime, ids: readonly string[]): Promise<(JobSnapshot | NotFound)[]> {
    const cached = await this.deps.cache.getMany(account.name, ids);
    const missing = ids.filter((_, i) => cached[i] === undefined);
    if (missing.length === 0) return cached as JobSnapshot[];
    const fetched = await account.track(account.client.getJobs(missing, { signal: this.deps.signal }));
    const ttl = account.client.capabilities.cacheTtlMs;
    await Promise.all(fetched.map((s) => (s === NOT_FOUND ? undefined : this.deps.cache.set(account.name, s, ttl))));
    const byId = new Map(missing.map((id, i) => [id, fetched[i] ?? NOT_FOUND] as const));
    return ids.map((id, i) => cached[i] ?? byId.get(id) ?? NOT_FOUND);
  }
}

/**
 * Every page of an account's listing, in order: what a `jobs` query and a poll round both walk. `call` wraps
 * each page request (health tracking, the pollers' cap on concurrent calls).
 */
export async function listEveryJob(
  client: AccountClient,
  signal: AbortSignal,
  call: (page: () => Promise<Page<JobRef>>) => Promise<Page<JobRef>> = (page) => page(),
): Promise<JobRef[]> {
  const refs: JobRef[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const result = await call(() => client.listJobs({ pageToken, signal }));
    refs.push(...result.items);
    pageToken = result.nextPageToken;
    if (!pageToken) break;
  }
  return refs;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export interface JobFilter {
  providers?: readonly string[] | null;
  accounts?: readonly string[] | null;
  states?: readonly JobState[] | null;
  types?: readonly JobType[] | null;
  updatedSince?: string | null;
}

interface Candidate {
  account: AccountRuntime;
  ref: JobRef;
  id: string;
  createdAt: string | null;
  snapshot?: JobSnapshot;
}

type SortKey = [createdAt: string | null, id: string];

/** Newest first; jobs without a creation time last; ties broken by id so the order is total and stable. */
function compareKeys(a: SortKey, b: SortKey): number {
  if (a[0] !== b[0]) {
    if (a[0] === null) return 1;
    if (b[0] === null) return -1;
    const byTime = Date.parse(b[0]) - Date.parse(a[0]);
    if (byTime !== 0) return byTime;
  }
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string): SortKey {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === 2 &&
      (key[0] === null || typeof key[0] === 'string') &&
      typeof key[1] === 'string'
    ) {
      return key as SortKey;
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

export interface JobPage {
  edges: { cursor: string; node: JobNode }[];
  hasNextPage: boolean;
  totalCount: number;
}

const matchesSnapshot = (filter: JobFilter, s: JobSnapshot): boolean =>
  (!filter.states?.length || (s.state !== null && filter.states.includes(s.state))) &&
  (!filter.types?.length || filter.types.includes(s.type)) &&
  (!filter.updatedSince || Date.parse(s.updatedAt ?? s.createdAt ?? '') >= Date.parse(filter.updatedSince));

/**
 * One page of jobs across accounts. Snapshots are fetched only for the jobs on the page, unless the filter
 * needs them (state, updatedSince, or a type the listing does not say), so paging through AWS jobs costs
 * GetStatus calls only for what is shown.
 */
export async function pageJobs(
  reader: JobReader,
  accounts: Iterable<AccountRuntime>,
  args: { filter?: JobFilter | null; first?: number | null; after?: string | null },
  partialErrors: GraphQLError[],
): Promise<JobPage> {
  const filter = args.filter ?? {};
  const first = args.first ?? 50;
  if (first < 0 || first > MAX_PAGE_SIZE) {
    throw gatewayError(ErrorCode.BAD_USER_INPUT, `first must be between 0 and ${MAX_PAGE_SIZE}.`, { field: 'first' });
  }
  if (filter.updatedSince && Number.isNaN(Date.parse(filter.updatedSince))) {
    throw gatewayError(ErrorCode.BAD_USER_INPUT, 'filter.updatedSince is not a date-time.', {
      field: 'filter.updatedSince',
    });
  }
  const afterKey = args.after ? decodeCursor(args.after) : undefined;
  const selected = [...accounts].filter(
    (a) =>
      (!filter.providers?.length || filter.providers.includes(a.kind)) &&
      (!filter.accounts?.length || filter.accounts.includes(a.name)),
  );
  const failed = new Set<string>();
  const reportFailure = (account: AccountRuntime, error: unknown) => {
    if (failed.has(account.name)) return;
    failed.add(account.name);
    partialErrors.push(toGraphQLError(error, ['jobs']));
  };

  const listings = await Promise.all(
    selected.map(async (account) => {
      try {
        return (await reader.listing(account)).map(
          (ref): Candidate => ({
            account,
            ref,
            id: jobGlobalId(account.name, ref.nativeId),
            createdAt: ref.createdAt ?? ref.snapshot?.createdAt ?? null,
            ...(ref.snapshot ? { snapshot: ref.snapshot } : {}),
          }),
        );
      } catch (error) {
        reportFailure(account, error);
        return [];
      }
    }),
  );
  let candidates = listings
    .flat()
    .filter((c) => !filter.types?.length || c.ref.type === null || filter.types.includes(c.ref.type));

  const loadSnapshots = async (list: Candidate[]): Promise<Candidate[]> => {
    await Promise.all(
      list.map(async (c) => {
        if (c.snapshot || failed.has(c.account.name)) return;
        try {
          const loaded = await reader.load(c.account, c.ref.nativeId);
          if (loaded !== NOT_FOUND) c.snapshot = loaded;
        } catch (error) {
          reportFailure(c.account, error);
        }
      }),
    );
    // A job listed but gone by the time it was fetched has simply disappeared.
    return list.filter((c) => c.snapshot !== undefined);
  };

  const needsSnapshots =
    Boolean(filter.states?.length || filter.updatedSince) ||
    Boolean(filter.types?.length && candidates.some((c) => c.ref.type === null));
  if (needsSnapshots) {
    candidates = (await loadSnapshots(candidates)).filter((c) => matchesSnapshot(filter, c.snapshot!));
  }

  const keyOf = (c: Candidate): SortKey => [c.createdAt, c.id];
  candidates.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  const totalCount = candidates.length;
  const start = afterKey ? candidates.findIndex((c) => compareKeys(keyOf(c), afterKey) > 0) : 0;
  const rest = start < 0 ? [] : candidates.slice(start);
  const page = await loadSnapshots(rest.slice(0, first));
  return {
    edges: page.map((c) => ({ cursor: encodeCursor(keyOf(c)), node: reader.node(c.account, c.snapshot!) })),
    hasNextPage: rest.length > first,
    totalCount,
  };
}
