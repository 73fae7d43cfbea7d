export { postgresTarget } from './target.js';
export type { PostgresTarget } from './target.js';
export type { PasswordEncoding, PostgresTargetOptions, PostgresTlsOptions, ResolvedPostgresOptions } from './options.js';
