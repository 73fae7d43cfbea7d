/**
 * A mysql2 pool that survives rotation: the application queries it as a mysql2 promise pool
 * (`query`, `execute`, `getConnection`, `end`), and when MySQL or MariaDB refuses a login (1045,
 * 1698) the pool reads the secret once and logs in with what it holds now, user name included.
 * Needs `mysql2` beside it.
 *
 * @module @rotakit/client/mysql2
 */
import { optionChecks } from '@rotakit/core';
import { createPool, type FieldPacket, type Pool, type PoolConnection, type PoolOptions, type QueryOptions, type QueryResult } from 'mysql2/promise';
import { errorChain, GenerationPools, ROTATING_POOL_OPTION_KEYS, RotatingLogin, type PoolLogin, type RotatingPoolOptions } from './pool.js';
import type { SecretReader } from './reader.js';

/** mysql2's pool options less the credentials, which come from the secret. */
export type MysqlPoolSettings = Omit<PoolOptions, 'user' | 'password'>;

/** Options of `createRotatingMysqlPool`. */
export interface RotatingMysqlPoolOptions extends RotatingPoolOptions {
  /** mysql2's pool options; `host`, `port` and `database` default to the secret's. */
  readonly pool?: MysqlPoolSettings;
}

/** MySQL's and MariaDB's refusals of a login: 1045 (access denied), 1698 (access denied, no password). */
function isMysqlRefusal(error: unknown): boolean {
  return errorChain(error).some((link) => link['errno'] === 1045 || link['errno'] === 1698);
}

/**
 * A mysql2 promise pool over a rotated secret. Each generation of credentials has its own mysql2
 * pool; an older one is ended once the last query or connection holding it is done.
 */
export class RotatingMysqlPool {
  readonly #login: RotatingLogin;
  readonly #pools: GenerationPools<Pool>;

  /** Use `createRotatingMysqlPool`. */
  constructor(login: RotatingLogin, settings: MysqlPoolSettings) {
    this.#login = login;
    this.#pools = new GenerationPools<Pool>({
      create: ({ credentials }: PoolLogin) =>
        createPool({
          ...(credentials.host === undefined ? {} : { host: credentials.host }),
          ...(credentials.port === undefined ? {} : { port: credentials.port }),
          ...(credentials.database === undefined ? {} : { database: credentials.database }),
          ...settings,
          user: credentials.username,
          password: credentials.password,
        }),
      close: (pool) => pool.end(),
    });
  }

  /** The credentials' generation the pool logs in with now (1 until the first change). */
  get generation(): number {
    return this.#login.generation;
  }

  /** As mysql2's `pool.query`; a refused login is retried with the secret's new value. */
  query<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: unknown): Promise<[T, FieldPacket[]]> {
    return this.#pools.call(this.#login, isMysqlRefusal, 'query', values === undefined ? [sql] : [sql, values]);
  }

  /** As mysql2's `pool.execute` (prepared statements); a refused login is retried the same way. */
  execute<T extends QueryResult = QueryResult>(sql: string | QueryOptions, values?: unknown): Promise<[T, FieldPacket[]]> {
    return this.#pools.call(this.#login, isMysqlRefusal, 'execute', values === undefined ? [sql] : [sql, values]);
  }

  /** As mysql2's `pool.getConnection`: call `release()` (or `destroy()`) when done with it. */
  getConnection(): Promise<PoolConnection> {
    return this.#login.run((login, fail) => this.#connection(login).catch(fail), isMysqlRefusal);
  }

  async #connection(login: PoolLogin): Promise<PoolConnection> {
    const held = await this.#pools.hold(login);
    let connection: PoolConnection;
    try {
      connection = await held.pool.getConnection();
    } catch (error) {
      held.release();
      throw error;
    }
    const release = connection.release.bind(connection);
    const destroy = connection.destroy.bind(connection);
    connection.release = () => {
      release();
      held.release();
    };
    connection.destroy = () => {
      destroy();
      held.release();
    };
    return connection;
  }

  /** Ends every mysql2 pool; call after the last query. */
  end(): Promise<void> {
    return this.#pools.end();
  }
}

/**
 * A mysql2 pool logging in with `reader`'s credentials, which follows their rotation. Build it once
 * per process (a Lambda: at module scope).
 */
export function createRotatingMysqlPool(reader: SecretReader, options: RotatingMysqlPoolOptions = {}): RotatingMysqlPool {
  const check = optionChecks('createRotatingMysqlPool');
  const given = check.record(options, 'options');
  check.refuseUnknownKeys(given, [...ROTATING_POOL_OPTION_KEYS, 'pool']);
  const settings = given['pool'] === undefined ? {} : check.record(given['pool'], 'pool');
  for (const key of ['user', 'password']) if (key in settings) throw check.invalid(`pool.${key}`, 'comes from the secret; leave it out');
  const { pool: _pool, ...rest } = options;
  return new RotatingMysqlPool(new RotatingLogin(reader, rest, 'createRotatingMysqlPool'), settings as MysqlPoolSettings);
}
