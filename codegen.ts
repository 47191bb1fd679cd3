import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * The core's contract (schema/*.graphql) plus each adapter's input branches, in a fixed order and as one SDL
 * text: the loader reads several files in parallel and merges them in whatever order they arrive, so the
 * generated files (committed, checked for drift in CI) would change from run to run.
 */
const sdlFiles = [
  ...readdirSync('schema')
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => `schema/${f}`),
  ...readdirSync('adapters')
    .sort()
    .map((d) => `adapters/${d}/schema.graphql`)
    .filter((f) => existsSync(f)),
];

// schema/*.graphql is the public contract; the generated resolver types are committed and CI fails on drift.
const config: CodegenConfig = {
  schema: sdlFiles.map((f) => readFileSync(f, 'utf8')).join('\n'),
  // Declaration order: JobState lists the lifecycle in order, and the generated constants keep it.
  // (codegen passes the root config on to the schema loader, which sorts by default.)
  config: { sort: false },
  generates: {
    // The public enums as runtime constants: the one source the SDK's JOB_STATES, ErrorCode, ... come from.
    'src/generated/enums.ts': {
      plugins: ['typescript'],
      config: { onlyEnums: true, enumsAsConst: true, namingConvention: 'keep' },
    },
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        contextType: '../graphql/context.js#GatewayContext',
        mappers: {
          Job: '../graphql/jobs.js#JobNode',
          ProviderAccount: '../observation/accounts.js#AccountRuntime',
          JobEvent: '../events/types.js#JobEventRecord',
          StatsGroup: '../stats/provider-stats.js#GroupStats',
          StuckJob: '../stats/provider-stats.js#StuckEntry',
        },
        scalars: { DateTime: 'string' },
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        maybeValue: 'T | null',
      },
    },
  },
};
export default config;
