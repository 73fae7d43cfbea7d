// A Function Compute handler bundles only the entry points it imports: the deploy-time helpers (and
// the `yaml` package behind workflowDefinition) live in `@rotakit/provider-alibaba/setup`, the RDS
// account-API pieces (and the `@alicloud/rds20140815` SDK behind them) in `@rotakit/provider-alibaba/rds`.
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

/** A KMS-only handler's imports (scenario 2), written as CommonJS (Function Compute's format: the `require` build) and as ESM. */
const handlerSources = [
  ['cjs', "const { createFcHandler } = require('@rotakit/provider-alibaba'); module.exports = { createFcHandler };"],
  ['esm', "export { createFcHandler } from '@rotakit/provider-alibaba';"],
] as const;

/** Scenario 1's imports: the handler and the RDS account API. */
const rdsHandlerSources = [
  [
    'cjs',
    "const { createFcHandler } = require('@rotakit/provider-alibaba'); const { rdsAccountApi } = require('@rotakit/provider-alibaba/rds'); module.exports = { createFcHandler, rdsAccountApi };",
  ],
  ['esm', "export { createFcHandler } from '@rotakit/provider-alibaba'; export { rdsAccountApi } from '@rotakit/provider-alibaba/rds';"],
] as const;

const fromPackage = (name: string) => (input: string): boolean => new RegExp(`(^|/)node_modules/${name}/`).test(input);
const fromYaml = fromPackage('yaml');
/** The RDS SDK and the openapi-core line only it uses (the KMS SDK 1.2.0 is of the older rpc-client line). */
const fromRdsSdk = (input: string): boolean => ['@alicloud/rds20140815', '@alicloud/openapi-core'].some((name) => fromPackage(name)(input));

describe('@rotakit/provider-alibaba bundled into a handler (run pnpm -r build first)', () => {
  for (const [format, source] of handlerSources) {
    it(`a handler built from the main entry (${format}) carries no yaml, no workflow helpers and no RDS SDK`, async () => {
      const { code, inputs } = await bundle(source, format);
      expect(code).toContain('function createFcHandler(');
      expect(inputs.filter(fromYaml)).toEqual([]);
      expect(inputs.filter(fromRdsSdk)).toEqual([]);
      expect(code.includes('function workflowDefinition('), 'the bundle defines workflowDefinition').toBe(false);
      expect(code.includes('function schedulePayload('), 'the bundle defines schedulePayload').toBe(false);
      expect(code.includes('function rdsAccountApi('), 'the bundle defines rdsAccountApi').toBe(false);
    });
  }

  for (const [format, source] of rdsHandlerSources) {
    it(`a handler built with the RDS entry (${format}) carries the RDS SDK and still no yaml`, async () => {
      const { code, inputs } = await bundle(source, format);
      expect(code).toContain('function rdsAccountApi(');
      expect(inputs.some(fromPackage('@alicloud/rds20140815'))).toBe(true);
      expect(inputs.filter(fromYaml)).toEqual([]);
    });
  }

  it('the setup entry carries the workflow helpers and yaml', async () => {
    const { code, inputs } = await bundle("export { workflowDefinition, schedulePayload } from '@rotakit/provider-alibaba/setup';", 'cjs');
    expect(code).toContain('function workflowDefinition(');
    expect(inputs.some(fromYaml)).toBe(true);
  });
});
