// RDS's pieces: describing databases (for set-up), the endpoint of an RDS-managed master secret, the read-replica check.
export { clusterEndpoint, describeCluster, describeInstance, instanceEndpoint } from './describe.js';
export type { RdsEndpoint } from './describe.js';
export { managedSecretEndpoint, withManagedMasterEndpoints } from './managed-master.js';
export { rdsReplicaCheck } from './replica-check.js';
export type { RdsReplicaCheckOptions } from './replica-check.js';
