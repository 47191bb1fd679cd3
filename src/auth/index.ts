export { type Authenticator, createAuthenticator, unauthenticated } from './authenticator.js';
export { type AuthConfig, authSchema } from './config.js';
export {
  type AccountGrant,
  type Action,
  createPrincipal,
  OPEN_PRINCIPAL,
  type Principal,
  ROLES,
  type Role,
  roleAllows,
  shareKeyOf,
} from './principal.js';
