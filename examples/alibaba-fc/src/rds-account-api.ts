// Scenario 1: an ApsaraDB RDS account pair rotated through the RDS account API.
// Secret value: {"AccountName": "app", "AccountPassword": "…"}; the schedule payload carries
// SecretName, RegionId and InstanceId (the RDS instance).
import { createFcHandler } from '@rotakit/provider-alibaba';
import { rdsAccountApi, type RdsEngine } from '@rotakit/provider-alibaba/rds';

/** Built once per container: the KMS and RDS clients inside live as long as it does. */
export const handler = createFcHandler({
  ...rdsAccountApi({
    engine: (process.env['RDS_ENGINE'] as RdsEngine | undefined) ?? 'MySQL',
    // Pin the instance so that no event can point the function at another one.
    ...(process.env['RDS_INSTANCE_ID'] ? { dbInstanceId: process.env['RDS_INSTANCE_ID'] } : {}),
  }),
  logger: console,
});
