// The published builds: both formats load, export the same names, and build the official clients
// (whose CommonJS default exports each loader wraps differently); the entry points share their modules.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startAlibabaRdsEmulator } from '@rotakit/testkit';
import { KEY } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8' }).trim();
}

/** {@link node} without blocking this process, for a child that calls an emulator running here. */
async function nodeAsync(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: packageDir, encoding: 'utf8' });
  return stdout.trim();
}

const clientOptions = "{ endpoint: '127.0.0.1:9', credentials: { accessKeyId: 'a', accessKeySecret: 'b' }, protocol: 'http' }";
/** Prints the type of one method of the client `build` makes, then the entry's export names. */
const probe = (m: string, build: string, method: string) =>
  `console.log([typeof ${m}.${build}(${clientOptions}).${method}, Object.keys(${m}).sort().join(',')].join(' '));`;

/** The RDS account-API names, which only the `/rds` entry exports. */
const RDS_NAMES = [
  'DEFAULT_RDS_ACCOUNT_NAME_LIMIT',
  'RDS_ACCOUNT_NAME_LIMITS',
  'RDS_ADMINISTRATIVE_ACCOUNT_TYPES',
  'RDS_API_PRINCIPAL',
  'RDS_PASSWORD_CONSTRAINTS',
  'RDS_PASSWORD_SPECIALS',
  'RdsAccountTarget',
  'alibabaRdsApiSchema',
  'checkRdsPassword',
  'createRdsClient',
  'rdsAccountApi',
  'rdsDualAccount',
];

describe('@rotakit/provider-alibaba as published', () => {
  it('has been built (pnpm -r build) in both formats with type declarations', () => {
    for (const entry of ['index', 'setup', 'rds']) {
      for (const file of [`dist/${entry}.js`, `dist/${entry}.cjs`, `dist/${entry}.d.ts`, `dist/${entry}.d.cts`]) {
        expect(existsSync(`${packageDir}${file}`), `${file} is missing: run pnpm -r build`).toBe(true);
      }
    }
  });

  it('loads through require and import with the same exports, and builds the KMS client from either', () => {
    const required = node(['-e', `const m = require('@rotakit/provider-alibaba'); ${probe('m', 'createKmsClient', 'getSecretValue')}`]);
    const imported = node(['--input-type=module', '-e', `const m = await import('@rotakit/provider-alibaba'); ${probe('m', 'createKmsClient', 'getSecretValue')}`]);
    const [kmsMethod, names] = required.split(' ');
    expect(kmsMethod).toBe('function');
    expect(names?.split(',')).toEqual(expect.arrayContaining(['createFcHandler', 'KmsSecretStore', 'createKmsClient']));
    expect(names?.split(',')).not.toContain('workflowDefinition');
    expect(names?.split(',').filter((name) => RDS_NAMES.includes(name))).toEqual([]);
    expect(imported).toBe(required);
  });

  it('loads the RDS entry point through require and import with the same exports, and builds the RDS client from either', () => {
    const required = node(['-e', `const m = require('@rotakit/provider-alibaba/rds'); ${probe('m', 'createRdsClient', 'describeAccounts')}`]);
    const imported = node(['--input-type=module', '-e', `const m = await import('@rotakit/provider-alibaba/rds'); ${probe('m', 'createRdsClient', 'describeAccounts')}`]);
    expect(required).toBe(`function ${RDS_NAMES.join(',')}`);
    expect(imported).toBe(required);
  });

  it('shares one RefreshableCredential between the entry points, in either format: an RDS client signs with the handler\'s', async () => {
    // Each entry point built on its own copy of client.ts would take the main entry's credential
    // for a plain key pair, find no keys in it, and send unsigned requests.
    const emulator = await startAlibabaRdsEmulator({ credentials: KEY });
    try {
      emulator.seed({ id: 'rm-package0001', databases: [], accounts: [] });
      const call = (main: string, rds: string) => `
        const credentials = new ${main}.RefreshableCredential(${JSON.stringify(KEY)});
        const target = new ${rds}.RdsAccountTarget({ endpoint: '${emulator.endpoint}', protocol: 'http', credentials, dbInstanceId: 'rm-package0001' });
        const session = await target.connectPrivileged();
        console.log((await session.identity()).server);`;
      const required = await nodeAsync(['-e', `(async () => { const m = require('@rotakit/provider-alibaba'); const r = require('@rotakit/provider-alibaba/rds'); ${call('m', 'r')} })()`]);
      const imported = await nodeAsync([
        '--input-type=module',
        '-e',
        `const m = await import('@rotakit/provider-alibaba'); const r = await import('@rotakit/provider-alibaba/rds'); ${call('m', 'r')}`,
      ]);
      expect([required, imported]).toEqual(['rm-package0001', 'rm-package0001']);
    } finally {
      await emulator.close();
    }
  });

  it('loads the set-up entry point through require and import with the same exports', () => {
    const names = "Object.keys(m).sort().join(',') + ' ' + m.workflowDefinition({ functionArn: 'acs:fc:cn-hangzhou:1:services/s/functions/f' }).includes('StateMachine')";
    const required = node(['-e', `const m = require('@rotakit/provider-alibaba/setup'); console.log(${names})`]);
    const imported = node(['--input-type=module', '-e', `const m = await import('@rotakit/provider-alibaba/setup'); console.log(${names})`]);
    expect(required).toBe('DEFAULT_WORKFLOW_RETRY,WORKFLOW_STATE_NAMES,schedulePayload,workflowDefinition true');
    expect(imported).toBe(required);
  });
});
