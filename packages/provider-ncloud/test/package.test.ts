import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNcloudSecretManagerEmulator, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import { API_KEY, cdbSecret } from './helpers.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const built = ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts'];

/** Runs node in the package's folder, where `@rotakit/provider-ncloud` resolves to itself through `exports`. */
async function node(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: packageDir, encoding: 'utf8' });
  return stdout.trim();
}

describe('@rotakit/provider-ncloud as published', () => {
  let emulator: NcloudSecretManagerEmulator;
  beforeAll(async () => {
    emulator = await startNcloudSecretManagerEmulator({ credentials: [API_KEY] });
  });
  afterAll(() => emulator.close());

  it('has been built (pnpm -r build) in both formats with type declarations', () => {
    for (const file of built) expect(existsSync(`${packageDir}${file}`), `${file} is missing: run pnpm -r build`).toBe(true);
  });

  it('loads through require and through import, with the same exports', async () => {
    const required = await node(['-e', 'console.log(Object.keys(require("@rotakit/provider-ncloud")).sort().join(","))']);
    const imported = await node([
      '--input-type=module',
      '-e',
      'const m = await import("@rotakit/provider-ncloud"); console.log(Object.keys(m).sort().join(","))',
    ]);
    expect(required.split(',')).toEqual(expect.arrayContaining(['createCloudFunctionsAction', 'NcloudSecretStore', 'NcloudSecretManagerClient']));
    expect(imported).toBe(required);
  });

  it('signs and reads a secret from the CommonJS build', async () => {
    const secretId = emulator.seedSecret({ chain: { active: cdbSecret('built-password-1') }, rotationTargets: ['cdbPassword'] });
    const script = `
      const { NcloudSecretManagerClient } = require('@rotakit/provider-ncloud');
      const client = new NcloudSecretManagerClient({ ...${JSON.stringify(API_KEY)}, endpoint: ${JSON.stringify(emulator.regionalUrl)} });
      client.getSecretValue(${JSON.stringify(secretId)}, 'active').then((value) => console.log(JSON.parse(value).cdbPassword));`;
    expect(await node(['-e', script])).toBe('built-password-1');
  });
});
