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
export function describeCluster(client: RDSClient, identifier: string): Promise<DBCluster | undefined> {
  return firstDescribed('DescribeDBClusters', identifier, async () =>
    (await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }))).DBClusters,
  );
}

/** Describes one instance (by identifier or ARN); undefined when RDS knows none. */
export function describeInstance(client: RDSClient, identifier: string): Promise<DBInstance | undefined> {
  return firstDescribed('DescribeDBInstances', identifier, async () =>
    (await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances,
  );
}

/** The first item a Describe call answers; RDS's not-found answer is undefined, any other failure a rotakit error. */
async function firstDescribed<T>(operation: string, identifier: string, describe: () => Promise<T[] | undefined>): Promise<T | undefined> {
  try {
    return (await describe())?.[0];
  } catch (error) {
    if (isAwsNotFound(error)) return undefined;
    throw awsError(error, { service: 'RDS', operation, subject: identifier });
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
