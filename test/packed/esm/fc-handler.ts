// An Alibaba Cloud Function Compute handler for the rotation workflow: a self-managed MySQL
// account pair, the other account made by the privileged account of the secret's MasterSecret.
import { readFileSync } from 'node:fs';
import { alternatingUsers } from '@rotakit/core';
import { createFcHandler } from '@rotakit/provider-alibaba';
import { mysqlTarget } from '@rotakit/target-mysql';

const ca = readFileSync(process.env['MYSQL_CA_FILE'] ?? 'ca.pem', 'utf8');

export const handler = createFcHandler({
  target: mysqlTarget({ tls: { mode: 'verify', ca } }),
  strategy: alternatingUsers(),
  logger: console,
});
