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
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/setup.js', 'dist/setup.cjs', 'dist/setup.d.ts', 'dist/setup.d.cts']) {
      expect(existsSync(`${packageDir}${file}`), `${file} is missing: run pnpm -r build`).toBe(true);
    }
  });

  it('loads through require and import with the same exports, and builds both clients from either', () => {
    const required = node(['-e', `const m = require('@rotakit/provider-alibaba'); ${probe('m')}`]);
    const imported = node(['--input-type=module', '-e', `const m = await import('@rotakit/provider-alibaba'); ${probe('m')}`]);
    const [kmsMethod, rdsMethod, names] = required.split(' ');
    expect([kmsMethod, rdsMethod]).toEqual(['function', 'function']);
    expect(names?.split(',')).toEqual(expect.arrayContaining(['createFcHandler', 'KmsSecretStore', 'RdsAccountTarget']));
    expect(names?.split(',')).not.toContain('workflowDefinition');
    expect(imported).toBe(required);
  });

  it('loads the set-up entry point through require and import with the same exports', () => {
    const names = "Object.keys(m).sort().join(',') + ' ' + m.workflowDefinition({ functionArn: 'acs:fc:cn-hangzhou:1:services/s/functions/f' }).includes('StateMachine')";
    const required = node(['-e', `const m = require('@rotakit/provider-alibaba/setup'); console.log(${names})`]);
    const imported = node(['--input-type=module', '-e', `const m = await import('@rotakit/provider-alibaba/setup'); console.log(${names})`]);
    expect(required).toBe('DEFAULT_WORKFLOW_RETRY,WORKFLOW_STATE_NAMES,schedulePayload,workflowDefinition true');
    expect(imported).toBe(required);
  });
});
