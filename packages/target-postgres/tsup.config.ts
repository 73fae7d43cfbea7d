import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// Builders, catalog readers and the introspection are their own entry point (`./internal`), off the public API.
export default defineConfig(packageBuild({ entry: { index: 'src/index.ts', internal: 'src/internal.ts' } }));
