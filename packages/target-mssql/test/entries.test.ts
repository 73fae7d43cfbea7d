import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The export names of `specifier` loaded by node in the package's folder (it resolves to itself through `exports`). */
function exportNames(specifier: string, how: 'require' | 'import'): string[] {
  const script =
    how === 'require'
      ? `console.log(Object.keys(require(${JSON.stringify(specifier)})).sort().join(','))`
      : `const m = await import(${JSON.stringify(specifier)}); console.log(Object.keys(m).sort().join(','))`;
  const args = how === 'require' ? ['-e', script] : ['--input-type=module', '-e', script];
  return execFileSync(process.execPath, ['--no-warnings', ...args], { cwd: packageDir, encoding: 'utf8' }).trim().split(',');
}

const ENTRIES = {
  '@rotakit/target-mssql': ['mssqlTarget'],
  '@rotakit/target-mssql/internal': [
    'CA_PRESETS',
    'MAX_PASSWORD_LENGTH',
    'NO_PER_LOGIN_TLS',
    'Queries',
    'SQL_SERVER_MAX_IDENTIFIER',
    'applyPermission',
    'catalogQuery',
    'changeOwnPassword',
    'classifyConnectError',
    'createContainedUser',
    'createLogin',
    'createUserForLogin',
    'describePermission',
    'openMssqlIntrospection',
    'permissionOfRow',
    'preloginEncryptionAnswer',
    'quoteIdentifier',
    'revokePermission',
    'roleMembership',
    'sameLogin',
    'securableClause',
    'setContainedUserPassword',
    'setLoginPassword',
    'statementError',
  ],
};

describe('@rotakit/target-mssql as published (run pnpm -r build first)', () => {
  it('has been built in both formats with type declarations, for both entries', () => {
    for (const entry of ['index', 'internal']) {
      for (const file of [`${entry}.js`, `${entry}.cjs`, `${entry}.d.ts`, `${entry}.d.cts`]) {
        expect(existsSync(`${packageDir}dist/${file}`), `dist/${file} is missing: run pnpm -r build`).toBe(true);
      }
    }
  });

  it.each(Object.entries(ENTRIES))('%s loads through require and import with the expected exports', (specifier, names) => {
    const expected = [...names].sort();
    expect(exportNames(specifier, 'require')).toEqual(expected);
    expect(exportNames(specifier, 'import')).toEqual(expected);
  });
});
