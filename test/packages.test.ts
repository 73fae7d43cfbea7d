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

describe('rotakit errors are recognised across builds and copies of core', () => {
  it('an error thrown by the ESM build passes the CommonJS build\'s checks, and back', () => {
    const core = `${packagesDir}core`;
    const script = `
      import { createRequire } from 'node:module';
      const esm = await import('@rotakit/core');
      const cjs = createRequire(process.cwd() + '/package.json')('@rotakit/core');
      const fromEsm = new esm.TargetAuthFailedError('refused');
      const fromCjs = new cjs.PrivilegedSecretInvalidError('refused', { field: 'masterarn' });
      console.log(JSON.stringify([
        cjs.isRotakitError(fromEsm), cjs.isRotakitError(fromEsm, 'TargetAuthFailed'), cjs.isRotakitError(fromEsm, 'StepFailed'),
        fromEsm instanceof cjs.RotakitError, fromEsm instanceof cjs.TargetAuthFailedError, fromEsm instanceof cjs.TlsRequiredError,
        esm.isRotakitError(fromCjs, 'PrivilegedSecretInvalid'), fromCjs instanceof esm.PrivilegedSecretInvalidError,
        cjs.isRotakitError(new Error('plain')), cjs.isRotakitError({ code: 'TargetAuthFailed', retryable: false }),
      ]));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: core, encoding: 'utf8' });
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual([true, true, false, true, true, false, true, true, false, false]);
  });
});
