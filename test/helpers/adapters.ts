/**
 * The registered adapters a suite runs over. A suite written for "every adapter" or for one named provider
 * must fail loudly when the registry changes under it, never quietly run nothing (a `describe.runIf` guard
 * would skip it): these throw while the suite is collected, naming what is missing.
 */
import { registry } from '../../src/registry.js';
import type { Adapter } from '../../src/sdk/model.js';

/** Every registered adapter, or the ones of `kinds` (in that order); throws if there is none or one is missing. */
export function registeredAdapters(...kinds: string[]): Adapter[] {
  if (kinds.length === 0) {
    if (registry.adapters.length === 0) throw new Error('the registry lists no adapter: the suite would test nothing');
    return [...registry.adapters];
  }
  return kinds.map((kind) => {
    const adapter = registry.adapters.find((a) => a.kind === kind);
    if (!adapter) throw new Error(`no adapter "${kind}" is registered, but this suite is written for it`);
    return adapter;
  });
}
