import type { CodegenConfig } from '@graphql-codegen/cli';

// schema/*.graphql is the public contract; the generated resolver types are committed and CI fails on drift.
const config: CodegenConfig = {
  // The core's contract plus each adapter's input branches (the same files src/schema.ts loads).
  schema: ['schema/*.graphql', 'adapters/*/schema.graphql'],
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
        },
        scalars: { DateTime: 'string' },
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        maybeValue: 'T | null',
      },
    },
  },
};
export default config;
