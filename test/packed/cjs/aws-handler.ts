// The same rotation function in a CommonJS project: the compiler turns the imports into require().
import { Logger } from '@aws-lambda-powertools/logger';
import type { SecretsManagerRotationHandler } from 'aws-lambda';
import { singleUser } from '@rotakit/core';
import { createRotationHandler } from '@rotakit/provider-aws';
import { mysqlTarget } from '@rotakit/target-mysql';

const logger = new Logger({ serviceName: 'db-rotation' });

export const handler: SecretsManagerRotationHandler = createRotationHandler({
  target: mysqlTarget({ tls: { mode: 'verify', ca: 'aws-rds' } }),
  strategy: singleUser(),
  logger,
});
