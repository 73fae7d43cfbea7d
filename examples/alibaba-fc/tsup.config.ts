import { defineConfig } from 'tsup';

// Function Compute loads `index.handler` from a CommonJS file; each function is one bundle with
// its dependencies, ready to zip (the package is CommonJS for that reason). flow.mjs prints the workflow definition and schedule payload.
export default defineConfig([
  {
    entry: {
      'rds-account-api/index': 'src/rds-account-api.ts',
      'self-managed-mysql/index': 'src/self-managed-mysql.ts',
      'self-managed-postgres/index': 'src/self-managed-postgres.ts',
    },
    format: ['cjs'],
    outExtension: () => ({ js: '.js' }),
    target: 'node20',
    platform: 'node',
    noExternal: [/.*/],
    clean: true,
    sourcemap: true,
  },
  { entry: ['src/flow.ts'], format: ['esm'], outExtension: () => ({ js: '.mjs' }), target: 'node20', platform: 'node' },
]);
