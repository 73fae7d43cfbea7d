import { randomUUID } from 'node:crypto';
import { MemorySecretStore, type SecretStore } from '@rotakit/core';
import { describeStoreConformance } from '@rotakit/testkit/conformance';

describeStoreConformance('memory', async () => {
  const store = new MemorySecretStore();
  return {
    store,
    createSecret: async (value) => {
      const id = `secret-${randomUUID()}`;
      store.putSecret(id, value);
      return id;
    },
    startRotation: async () => randomUUID(),
    missingSecretId: 'no/such/secret',
    pendingBelongsToToken: true,
    close: async () => undefined,
  };
});

describeStoreConformance('memory, without a password generator', async () => {
  const memory = new MemorySecretStore();
  const store: SecretStore = {
    name: 'memory-bare',
    open: (id, token) => memory.open(id, token),
    readCurrent: (id) => memory.readCurrent(id),
  };
  return {
    store,
    createSecret: async (value) => {
      const id = `secret-${randomUUID()}`;
      memory.putSecret(id, value);
      return id;
    },
    startRotation: async () => randomUUID(),
    missingSecretId: 'no/such/secret',
    pendingBelongsToToken: true,
    close: async () => undefined,
  };
});
