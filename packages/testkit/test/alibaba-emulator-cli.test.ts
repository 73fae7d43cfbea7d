// The standalone emulators: `rotakit-emulator alibaba|alibaba-rds --port 0`, from the built package.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as $Kms from '@alicloud/kms20160120';
import * as $OpenApi from '@alicloud/openapi-core';
import * as $Rds from '@alicloud/rds20140815';
import { expect, test } from 'vitest';
import { kmsClient } from './alibaba-kms-clients.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const require = createRequire(import.meta.url);
const Rds = (require('@alicloud/rds20140815') as typeof $Rds.default).default;

/** Runs `rotakit-emulator <cloud> --port 0`, hands its URL to `use`, then stops it with SIGTERM, which must exit 0. */
async function withStandalone(cloud: string, use: (url: string) => Promise<void>): Promise<void> {
  expect(existsSync(cli), 'build first: pnpm --filter @rotakit/testkit build').toBe(true);
  const child: ChildProcessByStdio<null, Readable, null> = spawn(process.execPath, [cli, cloud, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let output = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        const match = new RegExp(`${cloud} emulator listening on (http://\\S+)`).exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`emulator exited with ${String(code)} before listening`)));
    });
    await use(url);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

test('`rotakit-emulator alibaba --port 0` answers the official client and stops on SIGTERM', async () => {
  await withStandalone('alibaba', async (url) => {
    const client = kmsClient({ endpoint: new URL(url).host, regionId: 'cn-hangzhou' });
    await client.createSecret(new $Kms.CreateSecretRequest({ secretName: 'cli', versionId: 'v1', secretData: 'hello' }));
    const value = await client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: 'cli' }));
    expect(value).toMatchObject({ secretData: 'hello', versionStages: { versionStage: ['ACSCurrent'] } });
  });
});

test('`rotakit-emulator alibaba-rds --port 0` serves the RDS account API, seeded over the admin route, and stops on SIGTERM', async () => {
  await withStandalone('alibaba-rds', async (url) => {
    const seeded = await fetch(`${url}/_rotakit/seed`, {
      method: 'POST',
      body: JSON.stringify({ instances: [{ id: 'rm-cli0001', databases: ['orders'], accounts: [{ name: 'app', password: 'Initial-Pass1' }] }] }),
    });
    expect(seeded.status).toBe(200);
    const client = new Rds(
      new $OpenApi.$OpenApiUtil.Config({ accessKeyId: 'any', accessKeySecret: 'any', regionId: 'cn-hangzhou', endpoint: new URL(url).host, protocol: 'http' }),
    );
    await client.createAccount(new $Rds.CreateAccountRequest({ DBInstanceId: 'rm-cli0001', accountName: 'app_rt', accountPassword: 'Second-Pass2' }));
    const accounts = await client.describeAccounts(new $Rds.DescribeAccountsRequest({ DBInstanceId: 'rm-cli0001' }));
    expect(accounts.body?.accounts?.DBInstanceAccount?.map((a) => a.accountName)).toEqual(['app', 'app_rt']);
    const instances = await client.describeDBInstances(new $Rds.DescribeDBInstancesRequest({ regionId: 'cn-hangzhou' }));
    expect(instances.body?.items?.DBInstance?.map((i) => i.DBInstanceId)).toEqual(['rm-cli0001']);
  });
});
