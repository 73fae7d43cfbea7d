import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(`${packageDir}package.json`, 'utf8')) as Record<string, unknown>;
const built = ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts'];

/** Runs node in the package's folder, where `@rotakit/core` resolves to itself through `exports`. */
function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8' }).trim();
}

describe('@rotakit/core as published', () => {
  it('has been built (pnpm -r build) in both formats with type declarations', () => {
    for (const file of built) expect(existsSync(`${packageDir}${file}`), `${file} is missing: run pnpm -r build`).toBe(true);
  });

  it('loads through require and through import, with the same exports', () => {
    const required = node(['-e', 'console.log(Object.keys(require("@rotakit/core")).sort().join(","))']);
    const imported = node([
      '--input-type=module',
      '-e',
      'const m = await import("@rotakit/core"); console.log(Object.keys(m).sort().join(","))',
    ]);
    expect(required.split(',')).toEqual(expect.arrayContaining(['rotate', 'runStep', 'MemorySecretStore', 'defaultSchema']));
    expect(imported).toBe(required);
  });

  it('rotates from the CommonJS build', () => {
    const script = `
      const core = require('@rotakit/core');
      const store = new core.MemorySecretStore();
      store.putSecret('s', { host: 'h', username: 'u', password: 'p-initial' });
      const target = new core.MemoryTarget({ tls: 'disable', users: { u: { password: 'p-initial' } } });
      core.rotate({ store, target, strategy: core.singleUser(), schema: core.defaultSchema, secretId: 's' })
        .then((r) => console.log(Object.values(r.steps).join(',')));`;
    expect(node(['-e', script])).toBe('done,done,done,done');
  });

  it('has no runtime dependency outside Node\'s standard library', () => {
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      expect(manifest[field], field).toBeUndefined();
    }
    for (const file of ['dist/index.js', 'dist/index.cjs']) {
      const code = readFileSync(`${packageDir}${file}`, 'utf8');
      const specifiers = [...code.matchAll(/(?:from\s+|require\(|import\()\s*["']([^"']+)["']/g)].map((m) => m[1]);
      expect(specifiers.length, file).toBeGreaterThan(0);
      for (const specifier of specifiers) expect(isBuiltin(specifier!), `${file} imports ${specifier}`).toBe(true);
    }
  });
});
