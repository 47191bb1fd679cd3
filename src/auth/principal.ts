/**
 * Who is asking, as the edge established it (API key, JWT or the open gateway's anonymous caller), and what
 * that caller may do. Resolvers find it in `ctx.principal`, for HTTP and websocket operations alike.
 */

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Every action a role may be granted; each role may do what the one before it may, and more. */
export type Action = 'read' | 'subscribe' | 'create' | 'update' | 'cancel' | 'delete';

const LEAST_ROLE: Record<Action, Role> = {
  read: 'viewer',
  subscribe: 'viewer',
  create: 'operator',
  update: 'operator',
  cancel: 'operator',
  delete: 'admin',
};

/** `'*'`: every account; otherwise exactly these account names. */
export type AccountGrant = '*' | readonly string[];

export interface Principal {
  /** The API key's name or the token's subject: what audit lines and rate limits are keyed by. */
  readonly name: string;
  readonly role: Role;
  readonly accounts: AccountGrant;
  /** How the caller authenticated: `none` on an open gateway. */
  readonly via: 'none' | 'api-key' | 'jwt';
  /**
   * Whether this caller may see an account's jobs, history, events and stats. Every read path filters by it
   * (a job of an account the caller may not see is NOT_FOUND, exactly like a job that does not exist).
   */
  canSee(account: string): boolean;
  /** Whether the role allows the action (mutations are checked at the edge, before execution). */
  may(action: Action): boolean;
}

export function roleAllows(role: Role, action: Action): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(LEAST_ROLE[action]);
}

export function createPrincipal(init: Pick<Principal, 'name' | 'role' | 'accounts' | 'via'>): Principal {
  const granted = init.accounts === '*' ? undefined : new Set(init.accounts);
  return Object.freeze({
    ...init,
    canSee: (account: string) => granted === undefined || granted.has(account),
    may: (action: Action) => roleAllows(init.role, action),
  });
}

/** The caller of a gateway that runs without authentication (loopback, or `auth: { mode: none }`). */
export const OPEN_PRINCIPAL: Principal = createPrincipal({
  name: 'anonymous',
  role: 'admin',
  accounts: '*',
  via: 'none',
});

/** Callers whose results may differ (accounts they may see) get different keys; see SharedExecution. */
export function shareKeyOf(principal: Principal): string {
  return principal.accounts === '*' ? '*' : JSON.stringify([...principal.accounts].sort());
}
