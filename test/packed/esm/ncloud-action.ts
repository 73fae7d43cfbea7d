// A NAVER Cloud Functions action for a Secret Manager trigger: the secret's own user gets a new password.
import { readFileSync } from 'node:fs';
import { singleUser } from '@rotakit/core';
import { createCloudFunctionsAction } from '@rotakit/provider-ncloud';
import { mysqlTarget } from '@rotakit/target-mysql';

const ca = readFileSync(process.env['MYSQL_CA_FILE'] ?? 'ca.pem', 'utf8');

export const main = createCloudFunctionsAction({
  target: mysqlTarget({ tls: { mode: 'verify', ca } }),
  strategy: singleUser(),
});
