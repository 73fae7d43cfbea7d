// Bundles the function into dist/index.mjs, one file with its dependencies (the AWS SDK included,
// so the deployed code does not depend on the runtime's SDK version).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.mjs',
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: false,
  sourcemap: true,
  // Optional native bindings of pg that the function does not use.
  external: ['pg-native'],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
