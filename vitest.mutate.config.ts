/**
 * The vitest configuration Stryker runs (stryker.config.mjs): the project's own, limited to the test files of
 * one mutation group (MUTATE_TESTS, comma-separated globs), so a mutant costs seconds, not the whole suite.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

const tests = (process.env.MUTATE_TESTS ?? '').split(',').filter(Boolean);
if (tests.length === 0) throw new Error('MUTATE_TESTS names no test file: run `npm run mutate`');

// Not mergeConfig: it would append these files to the project's include list instead of replacing it.
export default defineConfig({ ...base, test: { ...base.test, include: tests } });
