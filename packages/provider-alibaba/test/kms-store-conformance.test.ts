import { randomUUID } from 'node:crypto';
import { alibabaSchema } from '@rotakit/core';
import { describeStoreConformance, startAlibabaKmsEmulator } from '@rotakit/testkit';
import { KEY, kmsStore, seedSecret } from './helpers.js';

describeStoreConformance('alibaba KMS (kms20160120 1.2.0 against the emulator)', async () => {
  const emulator = await startAlibabaKmsEmulator({ credentials: KEY });
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
});

describeStoreConformance('alibaba KMS, when moving ACSCurrent does not move ACSPrevious', async () => {
  const emulator = await startAlibabaKmsEmulator({ credentials: KEY, previousFollowsCurrent: false });
  return {
    store: kmsStore(emulator),
    schema: alibabaSchema,
    createSecret: async (value) => {
      const name = `conformance/${randomUUID()}`;
      seedSecret(emulator, name, value);
      return name;
    },
    startRotation: async () => randomUUID(),
    missingSecretId: 'conformance/no-such-secret',
    pendingBelongsToToken: true,
    close: () => emulator.close(),
  };
});
