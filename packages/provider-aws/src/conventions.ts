import { defineCredentialSchema, type CredentialSchema, type StageLabels, type StepName } from '@rotakit/core';
import type { SecretsManagerRotationEvent } from 'aws-lambda';

/**
 * AWS's secret convention: `username, password, host, port, dbname, engine, masterarn, ssl`, and
 * `_clone` for the alternate user of the alternating-users strategy (AWS's multi-user functions').
 */
export const awsSchema: CredentialSchema = defineCredentialSchema({
  name: 'aws',
  fields: {
    username: 'username',
    password: 'password',
    host: 'host',
    port: 'port',
    database: 'dbname',
    engine: 'engine',
    masterSecret: 'masterarn',
    tls: 'ssl',
  },
  alternateSuffix: '_clone',
});

/** Secrets Manager's staging labels of rotakit's stages. */
export const AWS_STAGE_LABELS: StageLabels = { current: 'AWSCURRENT', pending: 'AWSPENDING', previous: 'AWSPREVIOUS' };

/** AWS's step names and the core steps they run. */
export const AWS_STEPS: Readonly<Record<SecretsManagerRotationEvent['Step'], StepName>> = {
  createSecret: 'create',
  setSecret: 'set',
  testSecret: 'test',
  finishSecret: 'finish',
};

/**
 * The `engine` values of AWS's secret convention each rotakit target engine accepts. Aurora and
 * MariaDB speak the MySQL protocol; Aurora PostgreSQL speaks PostgreSQL's.
 */
export const AWS_ENGINES: Readonly<Record<string, readonly string[]>> = {
  mysql: ['mysql', 'aurora-mysql', 'aurora', 'mariadb'],
  postgres: ['postgres', 'aurora-postgresql'],
  mssql: ['sqlserver', 'sqlserver-ex', 'sqlserver-web', 'sqlserver-se', 'sqlserver-ee'],
};
