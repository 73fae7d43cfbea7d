import { defineCredentialSchema } from '@rotakit/core';

/**
 * AWS's secret convention, as AWS's official rotation functions write it. A copy for this package's
 * tests: the package does not depend on `@rotakit/provider-aws`, which exports the real one.
 */
export const awsSchema = defineCredentialSchema({
  name: 'aws',
  fields: { username: 'username', password: 'password', host: 'host', port: 'port', database: 'dbname', engine: 'engine', masterSecret: 'masterarn', tls: 'ssl' },
  alternateSuffix: '_clone',
});
