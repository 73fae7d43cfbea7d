import { defineCredentialSchema, type CredentialSchema } from '@rotakit/core';

/**
 * NAVER's secret convention: `cdbUser, cdbPassword, cdbHost, cdbPort, cdbDatabase`. NAVER names no
 * alternate-user suffix; `_clone` (AWS's, rotakit's default before it moved here) keeps the
 * alternate users of existing secrets.
 */
export const ncloudSchema: CredentialSchema = defineCredentialSchema({
  name: 'ncloud',
  fields: {
    username: 'cdbUser',
    password: 'cdbPassword',
    host: 'cdbHost',
    port: 'cdbPort',
    database: 'cdbDatabase',
  },
  alternateSuffix: '_clone',
});
