export { DEFAULT_MYSQL_PORT, mysqlTarget } from './target.js';
export type { MysqlTarget } from './target.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_USERNAME_LENGTH } from './options.js';
export type { MysqlTargetOptions, MysqlTlsOptions, ResolvedMysqlOptions, TlsCaPreset } from './options.js';
