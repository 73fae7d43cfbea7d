// A Function Compute handler bundles the main entry point only: the deploy-time helpers (and the
// `yaml` package behind workflowDefinition) live in `@rotakit/provider-alibaba/setup`.
import { fileURLToPath } from 'node:url';
import { build, type Format } from 'esbuild';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Bundles `source` as a handler would be, resolving the package to its build through `exports`. */
async function bundle(source: string, format: Format): Promise<{ code: string; inputs: string[] }> {
  const result = await build({
    stdin: { contents: source, resolveDir: packageDir, loader: 'ts' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0]?.text ?? '', inputs: Object.keys(result.metafile.inputs) };
}

/** A handler's imports, written as CommonJS (Function Compute's format: the `require` build) and as ESM. */
const handlerSources = [
  ['cjs', "const { createFcHandler, rdsAccountApi } = require('@rotakit/provider-alibaba'); module.exports = { createFcHandler, rdsAccountApi };"],
  ['esm', "export { createFcHandler, rdsAccountApi } from '@rotakit/provider-alibaba';"],
] as const;

const fromYaml = (input: string): boolean => /(^|\/)node_modules\/yaml\//.test(input);

describe('@rotakit/provider-alibaba bundled into a handler (run pnpm -r build first)', () => {
  for (const [format, source] of handlerSources) {
    it(`a handler built from the main entry (${format}) carries no yaml code and no workflow helpers`, async () => {
      const { code, inputs } = await bundle(source, format);
      expect(code).toContain('function createFcHandler(');
      expect(inputs.filter(fromYaml)).toEqual([]);
      expect(code.includes('function workflowDefinition('), 'the bundle defines workflowDefinition').toBe(false);
      expect(code.includes('function schedulePayload('), 'the bundle defines schedulePayload').toBe(false);
    });
  }

  it('the setup entry carries the workflow helpers and yaml', async () => {
    const { code, inputs } = await bundle("export { workflowDefinition, schedulePayload } from '@rotakit/provider-alibaba/setup';", 'cjs');
    expect(code).toContain('function workflowDefinition(');
    expect(inputs.some(fromYaml)).toBe(true);
  });
});
