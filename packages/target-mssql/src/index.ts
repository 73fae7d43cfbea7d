/**
 * The SQL Server target of rotakit (server logins and contained-database users), on the mssql
 * driver: the factory and its options. Builders and parsers are at `@rotakit/target-mssql/internal`.
 *
 * @module @rotakit/target-mssql
 */
export { mssqlTarget } from './target.js';
export type { MssqlTarget } from './target.js';
export type { MssqlTargetOptions, MssqlTlsOptions, ResolvedMssqlOptions, TlsCaPreset } from './options.js';
