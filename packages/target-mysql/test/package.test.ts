import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The export names of `specifier` loaded by node in the package's folder (where the package resolves to itself). */
function exportNames(specifier: string, how: 'import' | 'require'): string[] {
  const script =
    how === 'require'
      ? `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)})).sort()))`
      : `console.log(JSON.stringify(Object.keys(await import(${JSON.stringify(specifier)})).sort()))`;
  const args = how === 'require' ? ['-e', script] : ['--input-type=module', '-e', script];
  const output = execFileSync(process.execPath, ['--no-warnings', ...args], { cwd: packageDir, encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').at(-1) as string) as string[];
}

const PUBLIC = ['DEFAULT_CONNECT_TIMEOUT_MS', 'DEFAULT_MAX_USERNAME_LENGTH', 'DEFAULT_MYSQL_PORT', 'mysqlTarget'];
const INTERNAL = [
  'CA_PRESETS',
  'accountName',
  'administrativeRights',
  'createUserStatement',
  'defaultRoleStatement',
  'describeGrants',
  'dropUserStatement',
  'grantChangeStatement',
  'grantChanges',
  'hasAlterUserRequire',
  'hasRoles',
  'identityQuery',
  'openMysqlIntrospection',
  'outsideCatalogCharset',
  'parseGrants',
  'parseServerVersion',
  'quoteIdentifier',
  'quoteString',
  'requireClause',
  'requireStatement',
  'sameMysqlUser',
  'setOwnPasswordStatement',
  'setPasswordStatement',
  'usesPasswordFunction',
];

describe('@rotakit/target-mysql as published (run pnpm -r build first)', () => {
  it('has both entry points built in both formats, with type declarations for each', () => {
    for (const entry of ['index', 'internal']) {
      for (const file of [`${entry}.js`, `${entry}.cjs`, `${entry}.d.ts`, `${entry}.d.cts`]) {
        expect(existsSync(`${packageDir}dist/${file}`), `dist/${file} is missing: run pnpm -r build`).toBe(true);
      }
    }
  });

  it.each([
    ['@rotakit/target-mysql', PUBLIC],
    ['@rotakit/target-mysql/internal', INTERNAL],
  ])('%s loads through import and require with the expected exports', (specifier, expected) => {
    const imported = exportNames(specifier, 'import');
    expect(imported).toEqual(expected);
    expect(exportNames(specifier, 'require')).toEqual(imported);
  });
});
