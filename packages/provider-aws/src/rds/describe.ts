import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  type DBCluster,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { awsError, isAwsNotFound } from '../errors.js';

/** Where a database listens, as RDS describes it. */
export interface RdsEndpoint {
  readonly host: string;
  readonly port: number;
  readonly engine: string;
}

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
