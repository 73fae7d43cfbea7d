// An application bundles only its own cloud: each entry, bundled from its build through `exports`
// (ESM and CommonJS), carries no other cloud's provider or SDK, and the Lambda extension's no SDK;
// each driver's pool carries its driver and no other, and no cloud.
import { fileURLToPath } from 'node:url';
import { build, type Format } from 'esbuild';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The packages (by name) whose code a bundle of `specifier`'s `name` export carries. */
async function bundledPackages(specifier: string, name: string, format: Format): Promise<string[]> {
  const contents = format === 'esm' ? `export { ${name} } from '${specifier}';` : `module.exports = require('${specifier}').${name};`;
  const result = await build({
    stdin: { contents, resolveDir: packageDir, loader: 'js' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  // Modules esbuild read but shook out entirely contribute no bytes: only those that do are carried.
  const carried = Object.values(result.metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs).filter(([, use]) => use.bytesInOutput > 0).map(([input]) => input),
  );
  const names = carried.map((input) => {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input);
    return match?.[1] ?? input.replace(/^.*packages\/([^/]+)\/.*$/, '@rotakit/$1');
  });
  return [...new Set(names)];
}

const ENTRIES = [
  ['@rotakit/client/aws', 'awsSecretReader', ['@aws-sdk/client-secrets-manager'], ['@aws-sdk/client-rds', '@aws-sdk/client-lambda', '@alicloud/kms20160120']],
  ['@rotakit/client/lambda-extension', 'lambdaExtensionSecretReader', [], ['@aws-sdk/client-secrets-manager', '@aws-sdk/client-rds', '@aws-sdk/client-lambda']],
  ['@rotakit/client/alibaba', 'alibabaSecretReader', ['@alicloud/kms20160120'], ['@alicloud/rds20140815', '@aws-sdk/client-secrets-manager']],
  ['@rotakit/client/ncloud', 'ncloudSecretReader', [], ['@aws-sdk/client-secrets-manager', '@alicloud/kms20160120']],
  ['@rotakit/client', 'SecretReader', [], ['@aws-sdk/client-secrets-manager', '@alicloud/kms20160120', '@rotakit/provider-aws', 'mysql2', 'pg', 'mssql']],
  ['@rotakit/client/mysql2', 'createRotatingMysqlPool', ['mysql2'], ['pg', 'mssql', 'tedious', '@aws-sdk/client-secrets-manager', '@rotakit/provider-aws']],
  ['@rotakit/client/pg', 'createRotatingPgPool', ['pg'], ['mysql2', 'mssql', 'tedious', '@aws-sdk/client-secrets-manager', '@rotakit/provider-aws']],
  ['@rotakit/client/mssql', 'createRotatingMssqlPool', ['mssql', 'tedious'], ['mysql2', 'pg', '@aws-sdk/client-secrets-manager', '@rotakit/provider-aws']],
] as const;

describe('@rotakit/client bundled into an application (run pnpm -r build first)', () => {
  for (const [specifier, name, carried, absent] of ENTRIES) {
    for (const format of ['esm', 'cjs'] as const) {
      it(`${specifier} (${format}) carries ${carried.join(', ') || 'no cloud SDK'} and none of ${absent.join(', ')}`, async () => {
        const packages = await bundledPackages(specifier, name, format);
        for (const wanted of carried) expect(packages).toContain(wanted);
        for (const unwanted of absent) expect(packages).not.toContain(unwanted);
      });
    }
  }
});
