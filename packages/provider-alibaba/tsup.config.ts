import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// The deploy-time helpers are their own entry point (`./setup`), so a handler's bundle leaves them out.
export default defineConfig(packageBuild({ entry: { index: 'src/index.ts', setup: 'src/setup/index.ts' } }));
