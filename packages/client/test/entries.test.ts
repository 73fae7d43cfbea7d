// Every cloud's entry builds the root entry's SecretReader, in the ESM build and in the CommonJS
// build: an application that checks `instanceof SecretReader` or mixes entries gets one class.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

const READERS = `[
  load('@rotakit/client/aws').awsSecretReader('app/db', { secretsManager: { region: 'us-east-1' } }),
  load('@rotakit/client/lambda-extension').lambdaExtensionSecretReader('app/db', { token: 'a-token' }),
  load('@rotakit/client/alibaba').alibabaSecretReader('app-db', { kms: { endpoint: 'localhost:1', credentials: { accessKeyId: 'a', accessKeySecret: 'b' } } }),
  load('@rotakit/client/ncloud').ncloudSecretReader('app-db', { client: { accessKey: 'a', secretKey: 'b', endpoint: 'http://localhost:1' } }),
].map((reader) => reader instanceof load('@rotakit/client').SecretReader)`;

function run(how: 'require' | 'import'): boolean[] {
  const script =
    how === 'require'
      ? `const load = require; console.log(JSON.stringify(${READERS}))`
      : `import { createRequire } from 'node:module'; const modules = {};
         for (const name of ['', '/aws', '/lambda-extension', '/alibaba', '/ncloud']) modules['@rotakit/client' + name] = await import('@rotakit/client' + name);
         const load = (name) => modules[name]; console.log(JSON.stringify(${READERS}))`;
  const args = how === 'require' ? ['-e', script] : ['--input-type=module', '-e', script];
  const output = execFileSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(output.trim().split('\n').at(-1) ?? '[]') as boolean[];
}

/** Each driver's entry, loaded through `exports`, builds its pool over the root entry's SecretReader class. */
const POOLS = `(() => {
  const reader = load('@rotakit/client/aws').awsSecretReader('app/db', { secretsManager: { region: 'us-east-1' } });
  const RotatingLogin = load('@rotakit/client').RotatingLogin;
  return [
    typeof load('@rotakit/client/mysql2').createRotatingMysqlPool(reader).query,
    typeof load('@rotakit/client/pg').createRotatingPgPool(reader).query,
    typeof load('@rotakit/client/mssql').createRotatingMssqlPool(reader).query,
    new RotatingLogin(reader) instanceof RotatingLogin,
  ];
})()`;

function runPools(how: 'require' | 'import'): unknown[] {
  const script =
    how === 'require'
      ? `const load = require; console.log(JSON.stringify(${POOLS}))`
      : `const modules = {};
         for (const name of ['', '/aws', '/mysql2', '/pg', '/mssql']) modules['@rotakit/client' + name] = await import('@rotakit/client' + name);
         const load = (name) => modules[name]; console.log(JSON.stringify(${POOLS}))`;
  const args = how === 'require' ? ['-e', script] : ['--input-type=module', '-e', script];
  const output = execFileSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(output.trim().split('\n').at(-1) ?? '[]') as unknown[];
}

describe('@rotakit/client entries (run pnpm -r build first)', () => {
  it.each(['require', 'import'] as const)('each driver\'s pool loads through %s, on the root entry\'s classes', (how) => {
    expect(runPools(how)).toEqual(['function', 'function', 'function', true]);
  });

  it.each(['require', 'import'] as const)('every reader is the root entry\'s SecretReader through %s', (how) => {
    expect(run(how)).toEqual([true, true, true, true]);
  });
});
