import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig([
  packageBuild({ external: ['vitest'] }),
  // vitest loads only as ESM, so the suites that register its tests are an ESM-only entry point.
  packageBuild({ entry: { conformance: 'src/conformance/index.ts' }, format: ['esm'], external: ['vitest'], clean: false }),
  packageBuild({ entry: ['src/cli.ts'], format: ['esm'], dts: false, clean: false, banner: { js: '#!/usr/bin/env node' } }),
]);
