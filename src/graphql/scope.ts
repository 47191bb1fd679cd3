/**
 * Tenancy: which accounts a caller may see. Every path that lists or names accounts — `accounts`, `jobs` and
 * its `totalCount`, `job`, `node(s)`, `jobByNativeId`, `history`, `maxAge` live reads, subscriptions, stats,
 * every mutation, /readyz — asks here, so an account the principal may not see behaves exactly like one that is
 * not configured: absent from lists, NOT_FOUND with the same message and extensions when named, and never the
 * reason for a provider call.
 */
import type { Principal } from '../auth/principal.js';
import type { Gateway } from '../gateway.js';
import type { AccountRuntime } from '../observation/accounts.js';
import { ErrorCode, type GatewayError, gatewayError } from '../sdk/errors.js';

/**
 * The names among `configured` that the principal may see, narrowed to `requested` when that is given and not
 * empty (an empty or absent list means "every account", as in the `jobs` and `jobEvents` filters). Names that
 * are not configured and names the principal may not see drop out alike. Keeps the configured order.
 */
export function allowedAccountNames(
  principal: Principal,
  configured: Iterable<string>,
  requested?: readonly string[] | null,
): string[] {
  const wanted = requested?.length ? new Set(requested) : undefined;
  return [...configured].filter((name) => principal.canSee(name) && (!wanted || wanted.has(name)));
}

/** The configured accounts the principal may see (narrowed to `requested`, see allowedAccountNames). */
export function visibleAccounts(
  gateway: Pick<Gateway, 'accounts'>,
  principal: Principal,
  requested?: readonly string[] | null,
): AccountRuntime[] {
  return allowedAccountNames(principal, gateway.accounts.keys(), requested).map((name) => gateway.accounts.get(name)!);
}

/** The account of that name when it is configured and the principal may see it; undefined otherwise. */
export function visibleAccount(
  gateway: Pick<Gateway, 'accounts'>,
  principal: Principal,
  name: string,
): AccountRuntime | undefined {
  return principal.canSee(name) ? gateway.accounts.get(name) : undefined;
}

/** The one answer for an account that is not configured or that the caller may not see (they must not differ). */
export const unknownAccount = (name: string): GatewayError =>
  gatewayError(ErrorCode.NOT_FOUND, `No account named "${name}" is configured.`);
