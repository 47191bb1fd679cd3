import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build for every dependency (graphql-ws, Apollo, graphql-tools); vite would
    // give our own sources the ESM build, and graphql refuses a schema from "another module or realm".
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts', 'adapters/**/*.test.ts', 'src/**/*.test.ts'],
    setupFiles: ['test/setup/node20.ts'],
    // aws-sdk v2 (conformance tests only) prints an end-of-support notice on load; it is known and noise here.
    env: { AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores here and in CI: more workers only fight over them.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
