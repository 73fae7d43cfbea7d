/**
 * rotakit for applications: `SecretReader`, a cached reader of rotated credentials (time to live,
 * one read shared by concurrent callers, forced refresh, current, previous and pending), over a
 * small `SecretSource` port. Each cloud's reader is its own entry: `@rotakit/client/alibaba`, `@rotakit/client/aws`,
 * `@rotakit/client/lambda-extension`, `@rotakit/client/ncloud`. Pools that survive rotation are one
 * entry per driver, over `RotatingLogin`: `@rotakit/client/mysql2`, `@rotakit/client/pg`,
 * `@rotakit/client/mssql`.
 *
 * @module @rotakit/client
 */
export { DEFAULT_TTL_MS, SECRET_READER_OPTION_KEYS, SecretReader } from './reader.js';
export type { FirstRefresh, ReadCredentials, SecretReaderOptions, SecretSource, SourcedValue, StageVersions } from './reader.js';
export { ROTATING_POOL_OPTION_KEYS, RotatingLogin } from './pool.js';
export type { PoolEvent, PoolLogin, RotatingPoolOptions } from './pool.js';
