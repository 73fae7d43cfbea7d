import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources; the dual-format build is checked by its own test.
    alias: [
      { find: /^@rotakit\/testkit\/conformance$/, replacement: `${packagesDir}testkit/src/conformance/index.ts` },
      { find: /^@rotakit\/([a-z0-9-]+)\/(setup|rds)$/, replacement: `${packagesDir}$1/src/$2/index.ts` },
      { find: /^@rotakit\/([a-z0-9-]+)\/internal$/, replacement: `${packagesDir}$1/src/internal.ts` },
      { find: /^@rotakit\/([a-z0-9-]+)$/, replacement: `${packagesDir}$1/src/index.ts` },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', fileURLToPath(new URL('./scripts/summary-reporter.ts', import.meta.url))],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      reporter: ['text-summary', 'text', 'json-summary'],
      thresholds: {
        'packages/core/src/**': { lines: 90 },
      },
    },
  },
});
