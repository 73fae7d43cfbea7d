import { alternatingUsers, defaultSchema, rotate, type SecretStore } from '@rotakit/core';
import { mysqlTarget } from '@rotakit/target-mysql';

// Amazon RDS or Aurora: TLS verified against the bundled RDS certificate authorities.
const target = mysqlTarget({ tls: { mode: 'verify', ca: 'aws-rds' }, connectTimeoutMs: 5000 });

/** Rotates the database secret `secretId` held in `store` (a provider's store, or core's MemorySecretStore). */
export async function rotateDatabaseSecret(store: SecretStore, secretId: string): Promise<void> {
  await rotate({ store, target, secretId, schema: defaultSchema, strategy: alternatingUsers({ suffix: '_clone' }) });
}
