import { randomUUID } from 'node:crypto';
import { alibabaSchema } from '@rotakit/provider-alibaba';
import { startAlibabaKmsEmulator } from '@rotakit/testkit';
import { describeStoreConformance, type StoreConformanceFixture } from '@rotakit/testkit/conformance';
import { KEY, kmsStore, seedSecret } from './helpers.js';

/** The suite's fixture on a KMS emulator, with or without ACSPrevious following a moved ACSCurrent. */
async function kmsFixture(previousFollowsCurrent: boolean): Promise<StoreConformanceFixture> {
  const emulator = await startAlibabaKmsEmulator({ credentials: KEY, previousFollowsCurrent });
  return {
    store: kmsStore(emulator),
    schema: alibabaSchema,
    createSecret: async (value) => {
      const name = `conformance/${randomUUID()}`;
      seedSecret(emulator, name, value);
      return name;
    },
    // A rotation's token is the VersionId the caller picks (the FC request id, in the handler).
    startRotation: async () => randomUUID(),
    missingSecretId: 'conformance/no-such-secret',
    pendingBelongsToToken: true,
    close: () => emulator.close(),
  };
}

describeStoreConformance('alibaba KMS (kms20160120 1.2.0 against the emulator)', () => kmsFixture(true));
describeStoreConformance('alibaba KMS, when moving ACSCurrent does not move ACSPrevious', () => kmsFixture(false));
