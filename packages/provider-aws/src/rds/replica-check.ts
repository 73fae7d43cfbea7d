import type { DBCluster, RDSClient } from '@aws-sdk/client-rds';
import type { Credentials } from '@rotakit/core';
import { rdsClient, type RdsClientOption } from '../client.js';
import { describeCluster, describeInstance } from './describe.js';

/** Options of `rdsReplicaCheck`. */
export interface RdsReplicaCheckOptions {
  /** An RDS client, or its configuration; built once, when the check is made. */
  readonly rds?: RdsClientOption;
}

/**
 * A check for core's `alternatingUsers({ allowPrivilegedHost })`: accepts a current host that is
 * an RDS read replica of the privileged secret's host (the rule of AWS's multi-user rotation functions).
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
