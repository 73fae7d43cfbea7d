import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// One entry per cloud, so an application's bundle carries only its cloud's SDK.
export default defineConfig(
  packageBuild({
    entry: { index: 'src/index.ts', alibaba: 'src/alibaba.ts', aws: 'src/aws.ts', 'lambda-extension': 'src/lambda-extension.ts', ncloud: 'src/ncloud.ts' },
  }),
);
