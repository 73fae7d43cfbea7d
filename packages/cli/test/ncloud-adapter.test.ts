// The NAVER adapter of the CLI on its own, against the emulator: one adapter may serve many secrets.
import { startNcloudSecretManagerEmulator, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ncloudSecrets } from '../src/clouds/ncloud.js';
import { NCLOUD_KEY, ncloudEnv } from './helpers.js';

let emulator: NcloudSecretManagerEmulator;
beforeAll(async () => {
  emulator = await startNcloudSecretManagerEmulator({ credentials: [NCLOUD_KEY] });
});
afterAll(() => emulator.close());

it('reads each secret\'s own chain, once per secret, for the stage table and every stage\'s value', async () => {
  const valueOf = (user: string) => ({ cdbUser: user, cdbPassword: `${user}-password-1`, cdbHost: 'db.internal', cdbPort: '3306' });
  const [first, second] = ['first', 'second'].map((user) => emulator.seedSecret({ chain: { active: valueOf(user) }, rotationTargets: ['cdbPassword'] }));
  const secrets = ncloudSecrets({ env: ncloudEnv(emulator.regionalUrl) });
  emulator.resetCalls();
  for (const [secretId, user] of [[first, 'first'], [second, 'second']] as const) {
    const { versions } = await secrets.inspect(secretId!);
    const current = versions.find((version) => version.stages.includes('current'));
    expect(JSON.parse(await secrets.readValue(secretId!, current!))).toMatchObject({ cdbUser: user });
  }
  expect(emulator.calls()['getSecretValues']).toBe(2);
});
