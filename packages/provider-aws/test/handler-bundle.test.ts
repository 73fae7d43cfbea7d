// A rotation function bundles the main entry point only: the bootstrap helpers run at deploy time
// and live in `@rotakit/provider-aws/setup`.
import { fileURLToPath } from 'node:url';
import { build, type Format } from 'esbuild';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Bundles `source` as a handler would be, resolving the package to its build through `exports`. */
async function bundle(source: string, format: Format): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: packageDir, loader: 'ts' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** A handler's imports, written as CommonJS (the `require` build) and as ESM (the `import` build). */
const handlerSources = [
  ['cjs', "const { createRotationHandler, rdsReplicaCheck } = require('@rotakit/provider-aws'); module.exports = { createRotationHandler, rdsReplicaCheck };"],
  ['esm', "export { createRotationHandler, rdsReplicaCheck } from '@rotakit/provider-aws';"],
] as const;

describe('@rotakit/provider-aws bundled into a handler (run pnpm -r build first)', () => {
  for (const [format, source] of handlerSources) {
    it(`a handler built from the main entry (${format}) carries no bootstrap code`, async () => {
      const code = await bundle(source, format);
      expect(code).toContain('function createRotationHandler(');
      expect(code.includes('function registerDatabaseSecret('), 'the bundle defines registerDatabaseSecret').toBe(false);
    });
  }

  it('the setup entry carries registerDatabaseSecret', async () => {
    const code = await bundle("export { registerDatabaseSecret } from '@rotakit/provider-aws/setup';", 'cjs');
    expect(code).toContain('function registerDatabaseSecret(');
  });
});
