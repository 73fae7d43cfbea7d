// A self-managed PostgreSQL account, single user: the secret's own account changes its password,
// so no MasterSecret is needed (the account must be allowed to log in; PostgreSQL lets every role
// change its own password).
// Secret value: {"Endpoint", "Port", "AccountName", "AccountPassword", "DBName", "SSL"}.
import { readFileSync } from 'node:fs';
import { singleUser } from '@rotakit/core';
import { createFcHandler } from '@rotakit/provider-alibaba';
import { postgresTarget } from '@rotakit/target-postgres';

const caFile = process.env['POSTGRES_CA_FILE'];

/** Built once per container. TLS is verified (against POSTGRES_CA_FILE when set); a secret's "SSL": false turns it off. */
export const handler = createFcHandler({
  target: postgresTarget({ tls: caFile ? { mode: 'verify', ca: readFileSync(caFile, 'utf8') } : 'verify' }),
  strategy: singleUser(),
  logger: console,
});
