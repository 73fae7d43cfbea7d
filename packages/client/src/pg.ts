/**
 * A pg pool that survives rotation: the application queries it as a `pg.Pool` (`query`,
 * `connect`, `end`), and when PostgreSQL refuses a login (28P01, 28000) the pool reads the secret
 * once and logs in with what it holds now, user name included. Needs `pg` beside it.
 *
 * @module @rotakit/client/pg
 */
import { optionChecks } from '@rotakit/core';
import pg from 'pg';
import { errorChain, GenerationPools, ROTATING_POOL_OPTION_KEYS, RotatingLogin, type PoolLogin, type RotatingPoolOptions } from './pool.js';
import type { SecretReader } from './reader.js';

/** pg's pool options less the credentials, which come from the secret. */
export type PgPoolSettings = Omit<pg.PoolConfig, 'user' | 'password' | 'connectionString'>;

/** Options of `createRotatingPgPool`. */
export interface RotatingPgPoolOptions extends RotatingPoolOptions {
  /** pg's pool options; `host`, `port` and `database` default to the secret's. */
  readonly pool?: PgPoolSettings;
}

/** PostgreSQL's refusals of a login: 28P01 (invalid password), 28000 (invalid authorization). */
function isPgRefusal(error: unknown): boolean {
  return errorChain(error).some((link) => link['code'] === '28P01' || link['code'] === '28000');
}

/**
 * A `pg.Pool` over a rotated secret. Each generation of credentials has its own `pg.Pool` (pg
 * fixes the user name per pool); an older one is ended once the last query or client holding it
 * is done. Errors of idle clients are dropped with the client, as pg does.
 */
export class RotatingPgPool {
  readonly #login: RotatingLogin;
  readonly #pools: GenerationPools<pg.Pool>;

  /** Use `createRotatingPgPool`. */
  constructor(login: RotatingLogin, settings: PgPoolSettings) {
    this.#login = login;
    this.#pools = new GenerationPools<pg.Pool>({
      create: ({ credentials }: PoolLogin) => {
        const pool = new pg.Pool({
          ...(credentials.host === undefined ? {} : { host: credentials.host }),
          ...(credentials.port === undefined ? {} : { port: credentials.port }),
          ...(credentials.database === undefined ? {} : { database: credentials.database }),
          ...settings,
          user: credentials.username,
          password: credentials.password,
        });
        pool.on('error', () => undefined);
        return pool;
      },
      close: (pool) => pool.end(),
    });
  }

  /** The credentials' generation the pool logs in with now (1 until the first change). */
  get generation(): number {
    return this.#login.generation;
  }

  /** As `pg.Pool#query`; a refused login is retried with the secret's new value. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.#pools.call(this.#login, isPgRefusal, 'query', values === undefined ? [text] : [text, values]);
  }

  /** As `pg.Pool#connect`: call the client's `release()` when done with it (`release(true)` destroys it). */
  connect(): Promise<pg.PoolClient> {
    return this.#login.run((login, fail) => this.#client(login).catch(fail), isPgRefusal);
  }

  async #client(login: PoolLogin): Promise<pg.PoolClient> {
    const held = await this.#pools.hold(login);
    let client: pg.PoolClient;
    try {
      client = await held.pool.connect();
    } catch (error) {
      held.release();
      throw error;
    }
    const release = client.release.bind(client);
    client.release = (destroy?: boolean | Error) => {
      release(destroy);
      held.release();
    };
    return client;
  }

  /** Ends every `pg.Pool`; call after the last query. */
  end(): Promise<void> {
    return this.#pools.end();
  }
}

/**
 * A `pg.Pool` logging in with `reader`'s credentials, which follows their rotation. Build it once
 * per process (a Lambda: at module scope).
 */
export function createRotatingPgPool(reader: SecretReader, options: RotatingPgPoolOptions = {}): RotatingPgPool {
  const check = optionChecks('createRotatingPgPool');
  const given = check.record(options, 'options');
  check.refuseUnknownKeys(given, [...ROTATING_POOL_OPTION_KEYS, 'pool']);
  const settings = given['pool'] === undefined ? {} : check.record(given['pool'], 'pool');
  for (const key of ['user', 'password', 'connectionString']) if (key in settings) throw check.invalid(`pool.${key}`, 'comes from the secret; leave it out');
  const { pool: _pool, ...rest } = options;
  return new RotatingPgPool(new RotatingLogin(reader, rest, 'createRotatingPgPool'), settings as PgPoolSettings);
}
