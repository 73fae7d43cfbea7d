import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The export names of `specifier` as Node loads it from this package's folder (through `exports`), by `require` or `import`. */
function exportNames(specifier: string, how: 'require' | 'import'): string[] {
  const name = JSON.stringify(specifier);
  const args =
    how === 'require'
      ? ['-e', `console.log(Object.keys(require(${name})).sort().join(','))`]
      : ['--input-type=module', '-e', `console.log(Object.keys(await import(${name})).sort().join(','))`];
  return execFileSync(process.execPath, ['--no-warnings', ...args], { cwd: packageDir, encoding: 'utf8' }).trim().split(',');
}

const entries = [
  // The public entry: the factory (its option types are types only).
  ['@rotakit/target-postgres', 'index', ['postgresTarget']],
  [
    '@rotakit/target-postgres/internal',
    'internal',
    ['openPostgresIntrospection', 'quoteIdentifier', 'quoteLiteral', 'passwordStatement', 'readRole', 'reachOf', 'scramSha256Verifier', 'CA_PRESETS'],
  ],
] as const;

describe.each(entries)('%s as published (run pnpm -r build first)', (specifier, file, expected) => {
  it('is built in both formats, with type declarations for each', () => {
    for (const built of [`${file}.js`, `${file}.cjs`, `${file}.d.ts`, `${file}.d.cts`]) {
      expect(existsSync(`${packageDir}dist/${built}`), `dist/${built} is missing: run pnpm -r build`).toBe(true);
    }
  });

  it('loads through require and through import with the same export names', () => {
    const required = exportNames(specifier, 'require');
    expect(required).toEqual(expect.arrayContaining([...expected]));
    expect(exportNames(specifier, 'import')).toEqual(required);
  });
});

it('the public entry holds the factory alone at run time: builders, parsers and the introspection are internal', () => {
  expect(exportNames('@rotakit/target-postgres', 'import')).toEqual(['postgresTarget']);
});
