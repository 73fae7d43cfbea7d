// The published builds: both formats load, export the same names, and build the official clients
// (whose CommonJS default exports each loader wraps differently).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8' }).trim();
}

const probe = (m: string) => `
  const options = { endpoint: '127.0.0.1:9', credentials: { accessKeyId: 'a', accessKeySecret: 'b' }, protocol: 'http' };
  console.log([typeof ${m}.createKmsClient(options).getSecretValue, typeof ${m}.createRdsClient(options).describeAccounts, Object.keys(${m}).sort().join(',')].join(' '));`;

describe('@rotakit/provider-alibaba as published', () => {
  it('has been built (pnpm -r build) in both formats with type declarations', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']) {
      expect(existsSync(`${packageDir}${file}`), `${file} is missing: run pnpm -r build`).toBe(true);
    }
  });

  it('loads through require and import with the same exports, and builds both clients from either', () => {
    const required = node(['-e', `const m = require('@rotakit/provider-alibaba'); ${probe('m')}`]);
    const imported = node(['--input-type=module', '-e', `const m = await import('@rotakit/provider-alibaba'); ${probe('m')}`]);
    const [kmsMethod, rdsMethod, names] = required.split(' ');
    expect([kmsMethod, rdsMethod]).toEqual(['function', 'function']);
    expect(names?.split(',')).toEqual(expect.arrayContaining(['createFcHandler', 'KmsSecretStore', 'RdsAccountTarget', 'workflowDefinition']));
    expect(imported).toBe(required);
  });
});
