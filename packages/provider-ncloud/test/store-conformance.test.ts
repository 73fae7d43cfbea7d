import { ncloudSchema } from '@rotakit/provider-ncloud';
import { startNcloudSecretManagerEmulator } from '@rotakit/testkit';
import { describeStoreConformance } from '@rotakit/testkit/conformance';
import { NcloudSecretStore } from '@rotakit/provider-ncloud';
import { API_KEY, clientOf } from './helpers.js';

/** The password keys the suite's secrets use (its own convention, or NAVER's). */
const PASSWORD_KEYS = ['password', 'cdbPassword'];

for (const boundary of ['ISOLATED', 'GLOBAL'] as const) {
  describeStoreConformance(`ncloud emulator, ${boundary === 'ISOLATED' ? 'region-isolated' : 'global'} key host`, async () => {
    const emulator = await startNcloudSecretManagerEmulator({ credentials: [API_KEY] });
    const endpoint = boundary === 'ISOLATED' ? emulator.regionalUrl : emulator.url;
    return {
      store: new NcloudSecretStore({ client: clientOf(emulator, { endpoint }) }),
      schema: ncloudSchema,
      createSecret: async (value) => {
        const keys = Object.keys(JSON.parse(value) as object);
        return emulator.seedSecret({
          chain: { active: value },
          rotationTargets: keys.filter((key) => PASSWORD_KEYS.includes(key)),
          kmsBoundaryType: boundary,
        });
      },
      startRotation: async (secretId) => emulator.openJob(secretId),
      missingSecretId: 'no-such-secret',
      pendingBelongsToToken: false,
      pendingKeepsOtherMembers: true,
      close: () => emulator.close(),
    };
  });
}
