import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// One entry per cloud, so an application's bundle carries only its cloud's SDK. Shared code is
// split into a chunk in CommonJS too, so every entry's SecretReader is the root entry's class.
export default defineConfig(
  packageBuild({
    splitting: true,
    entry: { index: 'src/index.ts', alibaba: 'src/alibaba.ts', aws: 'src/aws.ts', 'lambda-extension': 'src/lambda-extension.ts', ncloud: 'src/ncloud.ts' },
  }),
);
