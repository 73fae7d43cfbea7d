/**
 * The PostgreSQL target of rotakit, on the pg driver: the factory and its options. Builders,
 * catalog readers and SCRAM verifiers are at `@rotakit/target-postgres/internal`.
 *
 * @module @rotakit/target-postgres
 */
export { postgresTarget } from './target.js';
export type { PostgresTarget } from './target.js';
export type { PasswordEncoding, PostgresTargetOptions, PostgresTlsOptions, ResolvedPostgresOptions } from './options.js';
