import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  type DBCluster,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { PrivilegedSecretInvalidError, type Credentials, type SecretStore } from '@rotakit/core';
import { rdsClient, type RdsClientOption } from '../client.js';
import { awsError, isAwsNotFound } from '../errors.js';
import type { SecretsManagerStore } from '../store.js';

/** Where a database listens, as RDS describes it. */
export interface RdsEndpoint {
  readonly host: string;
  readonly port: number;
  readonly engine: string;
}

/** The tags RDS puts on the master secrets it manages, lower-cased as AWS's functions compare them. */
const MANAGED_SECRET_TAGS = {
  instance: 'aws:rds:primarydbinstancearn',
  cluster: 'aws:rds:primarydbclusterarn',
} as const;

/** Describes one cluster (by identifier or ARN); undefined when RDS knows none. */
export async function describeCluster(client: RDSClient, identifier: string): Promise<DBCluster | undefined> {
  try {
    const { DBClusters } = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
    return DBClusters?.[0];
  } catch (error) {
    if (isAwsNotFound(error)) return undefined;
    throw awsError(error, { service: 'RDS', operation: 'DescribeDBClusters', subject: identifier });
  }
}

/** Describes one instance (by identifier or ARN); undefined when RDS knows none. */
export async function describeInstance(client: RDSClient, identifier: string): Promise<DBInstance | undefined> {
  try {
    const { DBInstances } = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
    return DBInstances?.[0];
  } catch (error) {
    if (isAwsNotFound(error)) return undefined;
    throw awsError(error, { service: 'RDS', operation: 'DescribeDBInstances', subject: identifier });
  }
}

/** A cluster's writer endpoint, port and engine. */
export function clusterEndpoint(cluster: DBCluster): RdsEndpoint | undefined {
  const { Endpoint: host, Port: port, Engine: engine } = cluster;
  return host && port && engine ? { host, port, engine } : undefined;
}

/** An instance's address, port and engine. */
export function instanceEndpoint(instance: DBInstance): RdsEndpoint | undefined {
  const { Endpoint, Engine: engine } = instance;
  return Endpoint?.Address && Endpoint.Port && engine ? { host: Endpoint.Address, port: Endpoint.Port, engine } : undefined;
}

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

/** Options of `rdsReplicaCheck`. */
export interface RdsReplicaCheckOptions {
  /** An RDS client, or its configuration; built once, when the check is made. */
  readonly rds?: RdsClientOption;
}

/**
 * A check for core's `alternatingUsers({ allowPrivilegedHost })`: accepts a current host that is
 * an RDS read replica of the privileged secret's host (AWS's rule, reference §5.4.1).
 * - `mysql`, `mariadb`, `postgres`: the current instance's ReadReplicaSourceDBInstanceIdentifier
 *   is the master's instance;
 * - `aurora-*`: the current host is the master cluster's reader endpoint, or an instance in its
 *   members that is not the writer.
 * Instance ids are the first DNS label of each host. Anything RDS does not know is refused.
 */
export function rdsReplicaCheck(
  options: RdsReplicaCheckOptions = {},
): (current: Credentials, privileged: Credentials) => Promise<boolean> {
  const rds = rdsClient(options.rds);
  return async (current, privileged) => {
    if (!current.host || !privileged.host) return false;
    const engine = current.engine ?? privileged.engine ?? '';
    const replicaId = firstLabel(current.host);
    const masterId = firstLabel(privileged.host);
    if (engine.startsWith('aurora')) {
      const cluster = await masterCluster(rds, privileged.host);
      if (!cluster) return false;
      if (cluster.ReaderEndpoint === current.host) return true;
      return (cluster.DBClusterMembers ?? []).some((m) => m.DBInstanceIdentifier === replicaId && m.IsClusterWriter === false);
    }
    const replica = await describeInstance(rds, replicaId);
    const source = replica?.ReadReplicaSourceDBInstanceIdentifier;
    // A cross-region replica names its source by ARN.
    return source !== undefined && (source === masterId || source.endsWith(`:db:${masterId}`));
  };
}

/** The cluster of a writer endpoint (`<id>.cluster-…`) or of a member instance's host. */
async function masterCluster(rds: RDSClient, host: string): Promise<DBCluster | undefined> {
  const [id = '', second = ''] = host.split('.');
  if (second.includes('cluster')) return describeCluster(rds, id);
  const clusterId = (await describeInstance(rds, id))?.DBClusterIdentifier;
  return clusterId === undefined ? undefined : describeCluster(rds, clusterId);
}

function firstLabel(host: string): string {
  return host.split('.')[0] ?? host;
}
