import type { CodegenConfig } from '@graphql-codegen/cli';

// schema/*.graphql is the public contract; the generated resolver types are committed and CI fails on drift.
const config: CodegenConfig = {
  // The core's contract plus each adapter's input branches (the same files src/schema.ts loads).
  schema: ['schema/*.graphql', 'adapters/*/schema.graphql'],
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        contextType: '../context.js#GatewayContext',
        mappers: {
          Job: '../jobs.js#JobNode',
          ProviderAccount: '../accounts.js#AccountRuntime',
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
