import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// The deploy-time helpers (`./setup`) and the RDS account-API pieces (`./rds`) are their own entry
// points, so a handler's bundle leaves out what it does not import: `yaml`, and the RDS SDK.
// `splitting` gives the CommonJS build shared chunks too (ESM has them anyway): `./rds` and the
// main entry must share one `RefreshableCredential` and one `InvalidEventError`, not a copy each.
export default defineConfig(
  packageBuild({ entry: { index: 'src/index.ts', setup: 'src/setup/index.ts', rds: 'src/rds/index.ts' }, splitting: true }),
);
