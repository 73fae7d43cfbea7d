import type { RDSClient } from '@aws-sdk/client-rds';
import { PrivilegedSecretInvalidError, type SecretStore } from '@rotakit/core';
import type { SecretsManagerStore } from '../store.js';
import { clusterEndpoint, describeCluster, describeInstance, instanceEndpoint, type RdsEndpoint } from './describe.js';

/** The tags RDS puts on the master secrets it manages, lower-cased as AWS's functions compare them. */
const MANAGED_SECRET_TAGS = {
  instance: 'aws:rds:primarydbinstancearn',
  cluster: 'aws:rds:primarydbclusterarn',
} as const;

/**
 * The endpoint of the database an RDS-managed master secret (`rds!…`) belongs to, found through
 * the secret's `aws:rds:primaryDBInstanceArn` / `aws:rds:primaryDBClusterArn` tag. Undefined when
 * the secret carries neither tag (it is not RDS-managed).
 */
export async function managedSecretEndpoint(
  store: SecretsManagerStore,
  rds: RDSClient,
  secretId: string,
): Promise<RdsEndpoint | undefined> {
  const { Tags = [] } = await store.describe(secretId);
  const tag = (key: string) => Tags.find((t) => t.Key?.toLowerCase() === key)?.Value;
  const instanceArn = tag(MANAGED_SECRET_TAGS.instance);
  const clusterArn = tag(MANAGED_SECRET_TAGS.cluster);
  if (instanceArn === undefined && clusterArn === undefined) return undefined;
  const endpoint =
    instanceArn !== undefined
      ? await describeInstance(rds, instanceArn).then((i) => i && instanceEndpoint(i))
      : await describeCluster(rds, clusterArn as string).then((c) => c && clusterEndpoint(c));
  if (!endpoint) {
    throw new PrivilegedSecretInvalidError(
      `the RDS-managed master secret names database ${instanceArn ?? clusterArn}, which RDS does not describe`,
      { field: 'masterarn' },
    );
  }
  return endpoint;
}

/**
 * Wraps a store so that reading an RDS-managed master secret (only `username` and `password`)
 * fills in `host`, `port` and `engine` from RDS, as AWS's alternating-users functions do. Other
 * secrets are returned as stored. Core reads the privileged secret through `readCurrent`.
 */
export function withManagedMasterEndpoints(store: SecretsManagerStore, rds: RDSClient): SecretStore {
  return {
    name: store.name,
    open: (secretId, token) => store.open(secretId, token),
    generatePassword: (policy) => store.generatePassword(policy),
    readCurrent: async (secretId) => {
      const raw = await store.readCurrent(secretId);
      const keys = jsonKeys(raw);
      if (!keys || keys.includes('host')) return raw;
      const endpoint = await managedSecretEndpoint(store, rds, secretId);
      if (!endpoint) return raw;
      const value = JSON.parse(raw) as Record<string, unknown>;
      return JSON.stringify({ ...value, host: endpoint.host, port: endpoint.port, engine: endpoint.engine });
    },
  };
}

function jsonKeys(raw: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : undefined;
  } catch {
    return undefined;
  }
}
