/**
 * The MySQL (5.6, 5.7, 8.x, 9.x) and MariaDB target of rotakit, on the mysql2 driver: the factory
 * and its options. Builders and parsers are at `@rotakit/target-mysql/internal`.
 *
 * @module @rotakit/target-mysql
 */
export { DEFAULT_MYSQL_PORT, mysqlTarget } from './target.js';
export type { MysqlTarget } from './target.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_USERNAME_LENGTH } from './options.js';
export type { MysqlTargetOptions, MysqlTlsOptions, ResolvedMysqlOptions, TlsCaPreset } from './options.js';
