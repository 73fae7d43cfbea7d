import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NCLOUD_EMULATOR_CREDENTIAL } from '@rotakit/testkit';
import { CDB_VALUE, ncloudClient } from './ncloud-client.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Waits for the line the command prints once it listens, and returns the URL in it. */
function listeningUrl(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /ncloud emulator listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`rotakit-emulator exited with ${code} before listening`)));
  });
}

describe('rotakit-emulator ncloud (standalone)', () => {
  let child: ChildProcessWithoutNullStreams;
  let url: string;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error('packages/testkit/dist/cli.js is missing: run `pnpm --filter @rotakit/testkit build` first');
    child = spawn(process.execPath, [CLI, 'ncloud', '--port', '0']);
    url = await listeningUrl(child);
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('answers a signed client with the default credential, then stops on SIGTERM', async () => {
    const seeded = await fetch(`${url}/_rotakit/seed`, {
      method: 'POST',
      body: JSON.stringify({ secrets: [{ secretId: 'standalone', chain: { active: CDB_VALUE }, rotationTargets: ['cdbPassword'] }] }),
    });
    expect(seeded.status).toBe(200);

    const client = ncloudClient({ baseURL: `${url}/secretmanager`, ...NCLOUD_EMULATOR_CREDENTIAL });
    const values = await client.get('/api/v1/secrets/standalone/values');
    expect(values.status).toBe(200);
    expect(values.data).toEqual({
      code: 'SUCCESS',
      data: { decryptedSecretChain: { active: JSON.stringify(CDB_VALUE) }, rotationTargets: ['cdbPassword'] },
    });
    const wrongKey = await ncloudClient({ baseURL: `${url}/secretmanager`, ...NCLOUD_EMULATOR_CREDENTIAL, secretKey: 'wrong' }).get('/api/v1/secrets/standalone/values');
    expect(wrongKey.status).toBe(401);

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
