import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs node in the package's folder, where `@rotakit/provider-aws` resolves to itself through `exports`. */
function node(args: string[]): string {
  return execFileSync(process.execPath, ['--no-warnings', ...args], { cwd: packageDir, encoding: 'utf8' }).trim();
}

describe('@rotakit/provider-aws as published', () => {
  it('has been built (pnpm -r build) in both formats with type declarations', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/setup.js', 'dist/setup.cjs', 'dist/setup.d.ts', 'dist/setup.d.cts']) {
      expect(existsSync(`${packageDir}${file}`), `${file} is missing: run pnpm -r build`).toBe(true);
    }
  });

  it('loads through require and through import, with the same exports', () => {
    const required = node(['-e', 'console.log(Object.keys(require("@rotakit/provider-aws")).sort().join(","))']);
    const imported = node([
      '--input-type=module',
      '-e',
      'const m = await import("@rotakit/provider-aws"); console.log(Object.keys(m).sort().join(","))',
    ]);
    expect(required.split(',')).toEqual(
      expect.arrayContaining(['SecretsManagerStore', 'createRotationHandler', 'getCurrentSecret', 'rdsReplicaCheck']),
    );
    expect(required.split(',')).not.toContain('registerDatabaseSecret');
    expect(imported).toBe(required);
  });

  it('loads the set-up entry point through require and through import, with the same exports', () => {
    const required = node(['-e', 'console.log(Object.keys(require("@rotakit/provider-aws/setup")).sort().join(","))']);
    const imported = node([
      '--input-type=module',
      '-e',
      'const m = await import("@rotakit/provider-aws/setup"); console.log(Object.keys(m).sort().join(","))',
    ]);
    expect(required).toBe('registerDatabaseSecret');
    expect(imported).toBe(required);
  });
});
