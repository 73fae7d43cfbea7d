import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// The building blocks (statement builders, parsers, introspection) are their own entry point (`./internal`).
export default defineConfig(packageBuild({ entry: { index: 'src/index.ts', internal: 'src/internal.ts' } }));
