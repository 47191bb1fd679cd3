/**
 * The mutation groups: the modules where a silent bug costs most, each with the test files meant to catch its
 * bugs (Stryker runs only those, so a group takes minutes, not the whole suite per mutant).
 */
/** @type {Record<string, { mutate: string[]; tests: string[] }>} */
export const GROUPS = {
  // The logger's redact config, URL scrubbing and free-text redaction.
  redaction: {
    // log.ts below line 26 picks the output stream (pretty or JSON), not what is redacted.
    mutate: ['src/log.ts:1-26', 'src/sdk/redact.ts', 'src/sdk/urls.ts'],
    tests: ['test/log.test.ts', 'src/sdk/redact.test.ts'],
  },
  // Observation → events, the hub's replay/live seam and retention, the cursor codec.
  events: {
    mutate: ['src/events/diff.ts', 'src/events/hub.ts', 'src/events/types.ts'],
    tests: ['test/events-diff.test.ts', 'test/event-hub.test.ts', 'test/mirror.test.ts', 'test/store.test.ts'],
  },
  // The one failure classification ("outcome unknown"), idempotency keys and createJob's key rule (the lines of
  // createJob from the key's checks to the end of the keyed create).
  outcome: {
    mutate: ['src/sdk/failures.ts', 'src/mutations/idempotency.ts', 'src/mutations/index.ts:264-350'],
    tests: [
      'src/sdk/failures.test.ts',
      'test/idempotency.test.ts',
      'test/lost-creates.e2e.test.ts',
      'test/idempotency-race.e2e.test.ts',
    ],
  },
  // Each adapter's pure mapping of provider answers to the normalized job.
  maps: {
    mutate: ['adapters/*/map.ts'],
    tests: ['adapters/*/map.test.ts'],
  },
};
