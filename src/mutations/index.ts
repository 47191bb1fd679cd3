/**
 * createJob, updateJob, cancelJob and deleteJob across providers. Input is checked before any provider call: the one
 * provider branch that is set must be the account's, and the adapter's pure parser validates it. Expected
 * failures (bad input, wrong state, provider refusals) come back in the payload as typed errors; only
 * unexpected ones become top-level GraphQL errors.
 *
 * Provider calls made here are not tied to the HTTP request's abort signal: a client that hangs up in the
 * middle of a create must not leave us not knowing whether the job exists.
 */
import { GraphQLError } from 'graphql';
import type { StoredJob } from '../events/types.js';
import type { GatewayContext } from '../graphql/context.js';
import type { JobNode } from '../graphql/jobs.js';
import { unknownAccount, visibleAccount, visibleAccounts } from '../graphql/scope.js';
import { decodeGlobalId, JOB_TYPE_NAME, jobGlobalId } from '../ids.js';
import type { AccountRuntime } from '../observation/accounts.js';
import { ErrorCode, GatewayError, ProviderError } from '../sdk/errors.js';
import { isOutcomeUnknown } from '../sdk/failures.js';
import { InvalidInputError, type JobAction, type JobSnapshot, type JobState, NOT_FOUND } from '../sdk/model.js';
import { allowedActions } from './actions.js';
import { fingerprint } from './idempotency.js';

export interface MutationErrorData {
  code: ErrorCode;
  message: string;
  field: string | null;
  account: string | null;
  provider: string | null;
  providerCode: string | null;
  state: JobState | null;
  retryAfterSeconds: number | null;
}

/** Carries the payload errors of a mutation that cannot go on. */
class MutationFailure extends Error {
  constructor(readonly errors: MutationErrorData[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

const failure = (
  code: ErrorCode,
  message: string,
  more: Partial<Omit<MutationErrorData, 'code' | 'message'>> = {},
): MutationFailure =>
  new MutationFailure([
    {
      code,
      message,
      field: null,
      account: null,
      provider: null,
      providerCode: null,
      state: null,
      retryAfterSeconds: null,
      ...more,
    },
  ]);

/** The provider has no such operation at all. */
const unsupported = (account: AccountRuntime, done: string): MutationFailure =>
  failure(ErrorCode.UNSUPPORTED, `${account.adapter.displayName} jobs cannot be ${done}.`, {
    account: account.name,
    provider: account.kind,
  });

/** Maps what a mutation step threw to payload errors; anything unexpected is rethrown (→ INTERNAL). */
function toMutationErrors(error: unknown): MutationErrorData[] {
  if (error instanceof MutationFailure) return error.errors;
  if (error instanceof ProviderError) {
    return failure(error.code, `${error.account}: ${error.message}`, {
      account: error.account,
      provider: error.provider,
      providerCode: error.providerCode ?? null,
      retryAfterSeconds: error.retryAfterSeconds ?? null,
    }).errors;
  }
  if (error instanceof GatewayError) {
    const field = error.extensions.field;
    return failure(error.code, error.message, { field: typeof field === 'string' ? field : null }).errors;
  }
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string') {
    const field = error.extensions.field;
    return failure(error.extensions.code as ErrorCode, error.message, {
      field: typeof field === 'string' ? field : null,
    }).errors;
  }
  throw error;
}

async function attempt<T extends { errors: MutationErrorData[] }>(
  run: () => Promise<T>,
  empty: Omit<T, 'errors'>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    return { ...empty, errors: toMutationErrors(error) } as T;
  }
}

/**
 * The account a mutation names, if the caller may see it. One it may not see is answered exactly like one that
 * is not configured (NOT_FOUND, listing only the accounts the caller may see), before any provider call.
 */
function accountNamed(ctx: GatewayContext, name: string, field: string): AccountRuntime {
  const account = visibleAccount(ctx.gateway, ctx.principal, name);
  if (!account) {
    const known = visibleAccounts(ctx.gateway, ctx.principal).map((a) => a.name);
    throw failure(
      ErrorCode.NOT_FOUND,
      `${unknownAccount(name).message.replace(/\.$/, '')} (known: ${known.join(', ') || 'none'}).`,
      { field },
    );
  }
  return account;
}

/**
 * The provider branch of a create/update input: exactly one field besides the common ones, and it must be the
 * one of the account's adapter. Returns the branch's field name and value.
 */
function providerBranch(
  input: Record<string, unknown>,
  common: readonly string[],
  account: AccountRuntime,
): { field: string; value: unknown } {
  const expected = account.adapter.mutations?.inputField;
  if (!expected) {
    throw unsupported(account, 'changed through the gateway');
  }
  const set = Object.entries(input).filter(([key, value]) => !common.includes(key) && value != null);
  if (set.length !== 1) {
    throw failure(
      ErrorCode.BAD_USER_INPUT,
      `Set exactly one provider field; account "${account.name}" is ${account.adapter.displayName}, so set input.${expected}${set.length > 1 ? ` only (got ${set.map(([k]) => k).join(', ')})` : ''}.`,
      { field: 'input', account: account.name, provider: account.kind },
    );
  }
  const [field, value] = set[0]!;
  if (field !== expected) {
    throw failure(
      ErrorCode.BAD_USER_INPUT,
      `Account "${account.name}" is ${account.adapter.displayName}: use input.${expected}, not input.${field}.`,
      { field: `input.${field}`, account: account.name, provider: account.kind },
    );
  }
  return { field, value };
}

/**
 * An adapter's input problems (from its pure parser, or from the provider call when only the provider can
 * tell, e.g. a job name already in use) as BAD_USER_INPUT errors naming the full input path.
 */
function inputProblems(error: unknown, branch: string, account: AccountRuntime): unknown {
  if (!(error instanceof InvalidInputError)) return error;
  return new MutationFailure(
    error.problems.map((p) => ({
      code: ErrorCode.BAD_USER_INPUT,
      message: p.message,
      field: `input.${branch}${p.field.startsWith('[') ? '' : '.'}${p.field}`,
      account: account.name,
      provider: account.kind,
      providerCode: p.providerCode ?? null,
      state: null,
      retryAfterSeconds: null,
    })),
  );
}

function parseBranch<T>(parse: () => T, branch: string, account: AccountRuntime): T {
  try {
    return parse();
  } catch (error) {
    throw inputProblems(error, branch, account);
  }
}

/**
 * Keeps what the gateway knows of a job in step with what a mutation just got back from the provider: the
 * change is committed to the index and the event log (subscribers, Job.history) before the mutation returns,
 * so the client reads its own write. The provider has already done the work, so a failure to record it is
 * logged, not reported as a failed mutation (the next round records it).
 */
async function remember(ctx: GatewayContext, account: AccountRuntime, snapshot: JobSnapshot): Promise<JobNode> {
  const key = { account: account.name, nativeId: snapshot.nativeId };
  try {
    const { job } = await ctx.gateway.observation.mirror(account.name).observe(snapshot);
    ctx.index.rows.clear(key).prime(key, job);
    return { account, job };
  } catch (error) {
    ctx.gateway.logger.error(
      { err: error, account: account.name, job: snapshot.nativeId },
      'could not record a change',
    );
    const now = ctx.gateway.now();
    const job: StoredJob = {
      id: jobGlobalId(account.name, snapshot.nativeId),
      account: account.name,
      provider: account.kind,
      nativeId: snapshot.nativeId,
      snapshot,
      state: snapshot.state,
      stateChangedAt: new Date(now).toISOString(),
      observedAtMs: now,
      listingHash: null,
    };
    return { account, job };
  }
}

/** A signal for provider calls that must run to their end whatever the HTTP client does. */
const detachedSignal = () => new AbortController().signal;

export interface CreateJobPayloadData {
  job: JobNode | null;
  dryRun: boolean;
  replayed: boolean;
  warnings: string[];
  errors: MutationErrorData[];
}

const COMMON_CREATE_FIELDS = ['account', 'idempotencyKey', 'dryRun'] as const;

export function createJob(ctx: GatewayContext, input: Record<string, unknown>): Promise<CreateJobPayloadData> {
  const dryRun = input.dryRun === true;
  return attempt<CreateJobPayloadData>(
    async () => {
      const account = accountNamed(ctx, String(input.account), 'input.account');
      const branch = providerBranch(input, COMMON_CREATE_FIELDS, account);
      const mutations = account.adapter.mutations!;
      const parsed = parseBranch(() => mutations.parseCreate(branch.value), branch.field, account);
      const client = account.client;
      if (!client.createJob || !client.capabilities.create) {
        throw unsupported(account, 'created through the gateway');
      }
      const createJobAtProvider = (...args: Parameters<NonNullable<typeof client.createJob>>) =>
        client.createJob!(...args).catch((error: unknown) => {
          throw inputProblems(error, branch.field, account);
        });
      if (dryRun) {
        if (!client.capabilities.dryRun) {
          throw failure(ErrorCode.UNSUPPORTED, `${account.adapter.displayName} has no dry run.`, {
            field: 'input.dryRun',
            account: account.name,
            provider: account.kind,
          });
        }
        const result = await account.track(createJobAtProvider(parsed, { signal: detachedSignal(), dryRun: true }));
        return { job: null, dryRun: true, replayed: false, warnings: result.warnings, errors: [] };
      }

      const key = typeof input.idempotencyKey === 'string' ? input.idempotencyKey : undefined;
      let warnings: string[] = [];
      const create = async (): Promise<JobSnapshot> => {
        // The key goes along: a provider with a client token (Azure's tag) recognises a repeated create by it.
        const result = await account.track(
          createJobAtProvider(parsed, { signal: detachedSignal(), dryRun: false, idempotencyKey: key }),
        );
        if (!result.job) throw new Error(`${account.kind} createJob returned no job`);
        warnings = result.warnings;
        return result.job;
      };

      if (key === undefined) {
        const job = await create();
        return { job: await remember(ctx, account, job), dryRun: false, replayed: false, warnings, errors: [] };
      }
      if (key.length === 0 || key.length > 200) {
        throw failure(ErrorCode.BAD_USER_INPUT, 'idempotencyKey must be 1 to 200 characters.', {
          field: 'input.idempotencyKey',
        });
      }
      const keys = ctx.gateway.idempotency;
      const print = await fingerprint({ [branch.field]: branch.value }, `${account.name}\n${key}`);
      const known = await keys.get(account.name, key);
      if (known && known.fingerprint !== print) {
        throw failure(
          ErrorCode.IDEMPOTENCY_CONFLICT,
          `idempotencyKey "${key}" was already used with different input at account "${account.name}".`,
          { field: 'input.idempotencyKey', account: account.name, provider: account.kind },
        );
      }
      if (known?.snapshot) {
        // The same job, as the gateway knows it now (it may have moved since), without asking the provider.
        const latest = await ctx.index.rows.load({ account: account.name, nativeId: known.snapshot.nativeId });
        return {
          job: latest ? { account, job: latest } : await remember(ctx, account, known.snapshot),
          dryRun: false,
          replayed: true,
          warnings: [],
          errors: [],
        };
      }
      let replayed = true;
      // How long another attempt with this key may still be running (an adapter's create is a few calls).
      const attemptWindowMs = 4 * ctx.gateway.config.providerTimeoutMs;
      /**
       * Another create with this key is running, in this process or on another gateway instance sharing the
       * store: wait for its outcome instead of racing it to the provider.
       */
      const awaitOtherAttempt = async (): Promise<JobSnapshot> => {
        const deadline = ctx.gateway.now() + attemptWindowMs;
        for (;;) {
          const record = await keys.get(account.name, key);
          if (record?.snapshot) return record.snapshot;
          if (!record?.attemptAt || ctx.gateway.now() >= deadline) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        throw failure(
          ErrorCode.PROVIDER_UNAVAILABLE,
          `Another create with idempotencyKey "${key}" has not finished yet; retry with the same key.`,
          { field: 'input.idempotencyKey', account: account.name, provider: account.kind, retryAfterSeconds: 5 },
        );
      };
      const job = await keys.once(account.name, key, async () => {
        const attemptAt = new Date(ctx.gateway.now()).toISOString();
        if (known?.attemptAt && ctx.gateway.now() - Date.parse(known.attemptAt) < attemptWindowMs) {
          return awaitOtherAttempt();
        }
        // An earlier create with this key whose outcome stayed unknown (its answer was lost and the adapter
        // could not check, or the gateway stopped mid-call) may have made the job: look before creating again.
        if (known && client.findCreatedJob) {
          const since = Date.parse(known.at);
          const found = await account.track(
            client.findCreatedJob(parsed, since, { signal: detachedSignal(), idempotencyKey: key }),
          );
          if (found) {
            await keys.remember(account.name, key, { fingerprint: print, snapshot: found, at: known.at });
            return found;
          }
        }
        const at = known?.at ?? attemptAt;
        // The claim is atomic in the store: of two instances racing with the same key, one creates, the other waits.
        if (!(await keys.claim(account.name, key, { fingerprint: print, at, attemptAt }, known))) {
          return awaitOtherAttempt();
        }
        replayed = false;
        try {
          const created = await create();
          await keys.remember(account.name, key, { fingerprint: print, snapshot: created, at });
          return created;
        } catch (error) {
          // Refused: nothing was created, the key is free for the retry. Unknown outcome: the record stays, with
          // no attempt running, so the retry looks for the job first.
          if (isOutcomeUnknown(error)) await keys.remember(account.name, key, { fingerprint: print, at });
          else await keys.forget(account.name, key);
          throw error;
        }
      });
      return { job: await remember(ctx, account, job), dryRun: false, replayed, warnings, errors: [] };
    },
    { job: null, dryRun, replayed: false, warnings: [] },
  );
}

export interface JobPayloadData {
  job: JobNode | null;
  errors: MutationErrorData[];
}

/** A job's account and native id from its global id; `field` names the argument in errors. */
function jobTarget(ctx: GatewayContext, id: string, field: string): { account: AccountRuntime; nativeId: string } {
  let decoded: ReturnType<typeof decodeGlobalId>;
  try {
    decoded = decodeGlobalId(id);
  } catch {
    throw failure(ErrorCode.BAD_USER_INPUT, 'Malformed id: pass an id exactly as the gateway returned it.', { field });
  }
  if (decoded.type !== JOB_TYPE_NAME) {
    throw failure(ErrorCode.NOT_FOUND, `No object of type ${decoded.type} exists.`, { field });
  }
  // A job of an account the caller may not see is a job that does not exist, told before any provider call.
  const account = visibleAccount(ctx.gateway, ctx.principal, decoded.account);
  if (!account) throw failure(ErrorCode.NOT_FOUND, unknownAccount(decoded.account).message, { field });
  return { account, nativeId: decoded.nativeId };
}

/**
 * The job behind a global id, read fresh from the provider through its mirror (a mutation must judge the
 * current state; what it reads is committed to the index like any observation).
 */
async function freshJob(
  ctx: GatewayContext,
  { account, nativeId }: { account: AccountRuntime; nativeId: string },
): Promise<{ account: AccountRuntime; job: StoredJob; snapshot: JobSnapshot; state: JobState | null }> {
  const accountName = account.name;
  const [job] = await ctx.gateway.observation.mirror(accountName).readThrough([nativeId], { force: true });
  if (job === NOT_FOUND || job === undefined) {
    throw failure(ErrorCode.NOT_FOUND, `Job "${nativeId}" was not found at account "${accountName}".`, {
      account: accountName,
      provider: account.kind,
      providerCode: account.adapter.notFoundCode ?? null,
    });
  }
  return { account, job, snapshot: job.snapshot, state: job.state };
}

/** Refuses an action the provider does not allow in the job's current state, before asking the provider. */
function ensureAllowed(account: AccountRuntime, snapshot: JobSnapshot, state: JobState | null, action: JobAction) {
  if (allowedActions(account.client, snapshot, state).includes(action)) return;
  const states = account.client.capabilities.actions[action] ?? [];
  const where = states.length ? `only in ${states.join(', ')}` : 'in no state';
  throw failure(
    ErrorCode.NOT_ALLOWED_IN_STATE,
    `${account.adapter.displayName} allows ${action} ${where}; job "${snapshot.nativeId}" is ${state ?? snapshot.providerState}${snapshot.cancelRequested ? ' (cancel requested)' : ''}.`,
    { account: account.name, provider: account.kind, state },
  );
}

export function updateJob(ctx: GatewayContext, input: Record<string, unknown>): Promise<JobPayloadData> {
  return attempt<JobPayloadData>(
    async () => {
      const job = jobTarget(ctx, String(input.id), 'input.id');
      const target = job.account;
      const parseUpdate = target.adapter.mutations?.parseUpdate;
      if (!parseUpdate || !target.client.updateJob) {
        throw unsupported(target, 'updated');
      }
      const branch = providerBranch(input, ['id'], target);
      const update = parseBranch(() => parseUpdate(branch.value), branch.field, target);
      const { account, snapshot, state } = await freshJob(ctx, job);
      ensureAllowed(account, snapshot, state, update.action);
      const updated = await account.track(
        account.client.updateJob!(snapshot.nativeId, update.patch, { signal: detachedSignal() }),
      );
      return { job: await remember(ctx, account, updated), errors: [] };
    },
    { job: null },
  );
}

export function cancelJob(ctx: GatewayContext, id: string): Promise<JobPayloadData> {
  return attempt<JobPayloadData>(
    async () => {
      const { account, job, snapshot, state } = await freshJob(ctx, jobTarget(ctx, id, 'id'));
      if (!account.client.cancelJob) {
        throw unsupported(account, 'cancelled');
      }
      // Asking twice changes nothing at the provider: answer with the job as it is.
      if (snapshot.cancelRequested && state !== 'CANCELLED') {
        return { job: { account, job }, errors: [] };
      }
      ensureAllowed(account, snapshot, state, 'CANCEL');
      const cancelled = await account.track(account.client.cancelJob(snapshot.nativeId, { signal: detachedSignal() }));
      return { job: await remember(ctx, account, cancelled), errors: [] };
    },
    { job: null },
  );
}

export interface DeleteJobPayloadData {
  deletedId: string | null;
  errors: MutationErrorData[];
}

export function deleteJob(ctx: GatewayContext, id: string): Promise<DeleteJobPayloadData> {
  return attempt<DeleteJobPayloadData>(
    async () => {
      const { account, snapshot, state } = await freshJob(ctx, jobTarget(ctx, id, 'id'));
      if (!account.client.deleteJob) {
        throw unsupported(account, 'deleted');
      }
      ensureAllowed(account, snapshot, state, 'DELETE');
      await account.track(account.client.deleteJob(snapshot.nativeId, { signal: detachedSignal() }));
      try {
        await ctx.gateway.observeRemoved(account.name, snapshot.nativeId);
      } catch (error) {
        ctx.gateway.logger.error(
          { err: error, account: account.name, job: snapshot.nativeId },
          'could not record a removal',
        );
      }
      return { deletedId: id, errors: [] };
    },
    { deletedId: null },
  );
}
