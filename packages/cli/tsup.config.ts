import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig([
  packageBuild(),
  // The bin is ESM only: Node runs it, nothing imports it.
  packageBuild({ entry: ['src/bin.ts'], format: ['esm'], dts: false, clean: false }),
]);
