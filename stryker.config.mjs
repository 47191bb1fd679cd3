// @ts-check
/**
 * Mutation testing (StrykerJS + its vitest runner) of the modules where a silent bug costs most, one group at a
 * time: each group names the files it mutates and the test files that are meant to catch their bugs, so a run
 * stays bounded (the groups: scripts/mutation-groups.mjs). `npm run mutate` runs every group (scripts/mutate.mjs);
 * `npm run mutate -- events` one group.
 * Results: test/MUTATION.md; HTML and JSON reports under reports/mutation/ (not committed).
 */

import { GROUPS } from './scripts/mutation-groups.mjs';

const group = process.env.MUTATE_GROUP ?? '';
const chosen = GROUPS[group];
if (!chosen) throw new Error(`MUTATE_GROUP must be one of ${Object.keys(GROUPS).join(', ')}`);
// Read by vitest.mutate.config.ts in Stryker's test runner processes (they inherit the environment).
process.env.MUTATE_TESTS = chosen.tests.join(',');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  checkers: [],
  mutate: chosen.mutate,
  coverageAnalysis: 'perTest',
  // Two cores, shared: two test runner processes at most, and a mutant that hangs is cut off.
  concurrency: 2,
  timeoutMS: 15_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'json', 'html', 'progress'],
  jsonReporter: { fileName: `reports/mutation/${group}.json` },
  htmlReporter: { fileName: `reports/mutation/${group}.html` },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: null },
  ignorePatterns: ['dist', 'reports', '.crossdock', 'coverage'],
};
