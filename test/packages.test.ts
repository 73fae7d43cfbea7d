import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packagesDir = fileURLToPath(new URL('../packages/', import.meta.url));
const packages = readdirSync(packagesDir).map((dir) => {
  const manifest = JSON.parse(readFileSync(`${packagesDir}${dir}/package.json`, 'utf8')) as {
    name: string;
    exports: Record<string, { require?: unknown; import?: unknown }>;
  };
  return { dir: `${packagesDir}${dir}`, name: manifest.name, exports: manifest.exports };
});

/** Runs node in the package's folder, where its own name resolves to its build through `exports`. */
function exportCount(dir: string, specifier: string, how: 'require' | 'import'): number {
  const script =
    how === 'require'
      ? `console.log(Object.keys(require(${JSON.stringify(specifier)})).length)`
      : `const m = await import(${JSON.stringify(specifier)}); console.log(Object.keys(m).length)`;
  const args = how === 'require' ? ['-e', script] : ['--input-type=module', '-e', script];
  return Number(execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8' }).trim().split('\n').at(-1));
}

describe('every package as published (run pnpm -r build first)', () => {
  it('found the workspace packages', () => {
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['@rotakit/core', '@rotakit/testkit', '@rotakit/provider-aws']));
  });

  for (const { dir, name, exports } of packages) {
    it(`${name} loads through require and import with the same exports`, () => {
      const required = exportCount(dir, name, 'require');
      expect(required).toBeGreaterThan(0);
      expect(exportCount(dir, name, 'import')).toBe(required);
    });

    for (const subpath of Object.keys(exports).filter((key) => key !== '.' && key !== './package.json')) {
      it(`${name}${subpath.slice(1)} loads through import`, () => {
        expect(exportCount(dir, `${name}${subpath.slice(1)}`, 'import')).toBeGreaterThan(0);
      });
    }
  }
});
