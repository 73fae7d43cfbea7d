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

/** Alibaba's secret convention (`@rotakit/provider-alibaba` exports the real one). */
export const alibabaSchema = defineCredentialSchema({
  name: 'alibaba',
  fields: { username: 'AccountName', password: 'AccountPassword', host: 'Endpoint', port: 'Port', database: 'DBName', tls: 'SSL', masterSecret: 'MasterSecret' },
  alternateSuffix: '_rt',
});

/** NAVER's secret convention (`@rotakit/provider-ncloud` exports the real one). */
export const ncloudSchema = defineCredentialSchema({
  name: 'ncloud',
  fields: { username: 'cdbUser', password: 'cdbPassword', host: 'cdbHost', port: 'cdbPort', database: 'cdbDatabase' },
  alternateSuffix: '_clone',
});
