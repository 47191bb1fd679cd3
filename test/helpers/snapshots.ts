/**
 * The normalized job as it reads when the provider said nothing but its id, for the map tests' whole-snapshot
 * expectations. Written out here on purpose rather than taken from the SDK's `emptySnapshot`: the expectation
 * must not come from the code under test.
 */
import type { JobSnapshot, JobType } from '../../src/sdk/model.js';

export function nothingKnown(nativeId: string, type: JobType): JobSnapshot {
  return {
    nativeId,
    name: nativeId,
    type,
    state: null,
    providerState: '',
    cancelRequested: false,
    createdAt: null,
    updatedAt: null,
    progress: { percent: null, bytesTransferred: null, itemsProcessed: null, message: null },
    drives: [],
    artifacts: [],
    shipping: null,
    location: null,
    errors: [],
    failureReason: null,
    details: {},
  };
}
