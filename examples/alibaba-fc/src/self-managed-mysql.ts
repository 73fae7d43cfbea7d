// Scenario 2: a self-managed MySQL (or MariaDB) account pair, rotated by the privileged account
// whose credentials sit in the secret named by MasterSecret.
// Secret value: {"Endpoint", "Port", "AccountName", "AccountPassword", "DBName", "SSL", "MasterSecret"}.
import { readFileSync } from 'node:fs';
import { alternatingUsers } from '@rotakit/core';
import { createFcHandler } from '@rotakit/provider-alibaba';
import { mysqlTarget } from '@rotakit/target-mysql';

const caFile = process.env['MYSQL_CA_FILE'];

/** Built once per container. TLS is verified (against MYSQL_CA_FILE when set); a secret's "SSL": false turns it off. */
export const handler = createFcHandler({
  target: mysqlTarget({ tls: caFile ? { mode: 'verify', ca: readFileSync(caFile, 'utf8') } : 'verify' }),
  // The `_rt` account alternates with the secret's (alibabaSchema's suffix), created by the MasterSecret's account.
  strategy: alternatingUsers(),
  logger: console,
});
