// The standalone emulator: `rotakit-emulator alibaba --port 0`, from the built package.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as $Kms from '@alicloud/kms20160120';
import { expect, test } from 'vitest';
import { kmsClient } from './alibaba-kms-clients.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

test('`rotakit-emulator alibaba --port 0` answers the official client and stops on SIGTERM', async () => {
  expect(existsSync(cli), 'build first: pnpm --filter @rotakit/testkit build').toBe(true);
  const child = spawn(process.execPath, [cli, 'alibaba', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let output = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        const match = /alibaba emulator listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`emulator exited with ${String(code)} before listening`)));
    });
    const client = kmsClient({ endpoint: new URL(url).host, regionId: 'cn-hangzhou' });
    await client.createSecret(new $Kms.CreateSecretRequest({ secretName: 'cli', versionId: 'v1', secretData: 'hello' }));
    const value = await client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: 'cli' }));
    expect(value).toMatchObject({ secretData: 'hello', versionStages: { versionStage: ['ACSCurrent'] } });

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
