import type { Principal } from '../auth/principal.js';
import type { Gateway } from '../gateway.js';
import { IndexReader, type ReadContext } from './jobs.js';

/** Per GraphQL operation: its loaders memoize for this request only; the index itself is the shared cache. */
export interface GatewayContext extends ReadContext {
  /** Ends when the client goes away. Provider calls are shared among readers, so none is tied to it. */
  signal: AbortSignal;
}

export function createContext(
  gateway: Gateway,
  principal: Principal,
  signal: AbortSignal = new AbortController().signal,
): GatewayContext {
  let index: IndexReader | undefined;
  return {
    gateway,
    principal,
    // Made on first use: a subscription's context lives as long as the subscription, mostly idle.
    get index() {
      index ??= new IndexReader(gateway.store);
      return index;
    },
    partialErrors: [],
    reported: new Set(),
    signal,
  };
}
