import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// The builders, parsers and introspection are their own entry point (`./internal`), off the public one.
export default defineConfig(packageBuild({ entry: { index: 'src/index.ts', internal: 'src/internal.ts' } }));
