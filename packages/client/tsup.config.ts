import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// One entry per cloud and per driver, so an application's bundle carries only its cloud's SDK and its driver. Shared code is
// split into a chunk in CommonJS too, so every entry's SecretReader is the root entry's class.
export default defineConfig(
  packageBuild({
    splitting: true,
    entry: { index: 'src/index.ts', alibaba: 'src/alibaba.ts', aws: 'src/aws.ts', 'lambda-extension': 'src/lambda-extension.ts', ncloud: 'src/ncloud.ts', mssql: 'src/mssql.ts', mysql2: 'src/mysql2.ts', pg: 'src/pg.ts' },
  }),
);
