import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig([
  packageBuild({ external: ['vitest'] }),
  packageBuild({ entry: ['src/cli.ts'], format: ['esm'], dts: false, clean: false, banner: { js: '#!/usr/bin/env node' } }),
]);
