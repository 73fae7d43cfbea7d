/**
 * An mssql pool that survives rotation: the application runs its statements through `query` or
 * `request`, and when SQL Server refuses a login (18456) the pool reads the secret once and logs
 * in with what it holds now, user name included. Needs `mssql` beside it.
 *
 * @module @rotakit/client/mssql
 */
import { optionChecks } from '@rotakit/core';
import sql from 'mssql';
import { errorChain, GenerationPools, ROTATING_POOL_OPTION_KEYS, RotatingLogin, type PoolLogin, type RotatingPoolOptions } from './pool.js';
import type { SecretReader } from './reader.js';

/** mssql's configuration less the credentials, which come from the secret; `server`, `port` and `database` default to the secret's. */
export type MssqlPoolSettings = Omit<sql.config, 'user' | 'password' | 'server'> & { readonly server?: string };

/** Options of `createRotatingMssqlPool`. */
export interface RotatingMssqlPoolOptions extends RotatingPoolOptions {
  /** mssql's configuration (its `pool` member sizes the pool). */
  readonly config?: MssqlPoolSettings;
}

/** SQL Server's refusal of a login: tedious's `ELOGIN`, SQL Server's error 18456. */
function isMssqlRefusal(error: unknown): boolean {
  return errorChain(error).some((link) => link['code'] === 'ELOGIN' || link['number'] === 18456);
}

/** `request`, with `onReached` called when one of its statements was answered (or refused by SQL Server, not at login). */
function watched(request: sql.Request, onReached: () => void): sql.Request {
  for (const method of ['query', 'batch', 'execute', 'bulk'] as const) {
    const original = (request[method] as (...args: unknown[]) => Promise<unknown>).bind(request);
    (request as unknown as Record<string, unknown>)[method] = (...args: unknown[]) =>
      original(...args).then(
        (result) => {
          onReached();
          return result;
        },
        (error: unknown) => {
          if (!isMssqlRefusal(error)) onReached();
          throw error;
        },
      );
  }
  return request;
}

/**
 * An mssql `ConnectionPool` over a rotated secret. Each generation of credentials has its own
 * `ConnectionPool`; an older one is closed once the last statement holding it is done.
 */
export class RotatingMssqlPool {
  readonly #login: RotatingLogin;
  readonly #pools: GenerationPools<sql.ConnectionPool>;

  /** Use `createRotatingMssqlPool`. */
  constructor(login: RotatingLogin, settings: MssqlPoolSettings) {
    this.#login = login;
    this.#pools = new GenerationPools<sql.ConnectionPool>({
      create: async ({ credentials }: PoolLogin) => {
        const config: sql.config = {
          server: settings.server ?? credentials.host ?? 'localhost',
          ...(credentials.port === undefined ? {} : { port: credentials.port }),
          ...(credentials.database === undefined ? {} : { database: credentials.database }),
          ...settings,
          user: credentials.username,
          password: credentials.password,
        };
        const pool = new sql.ConnectionPool(config);
        pool.on('error', () => undefined);
        try {
          return await pool.connect();
        } catch (error) {
          await pool.close().catch(() => undefined);
          throw error;
        }
      },
      close: (pool) => pool.close(),
    });
  }

  /** The credentials' generation the pool logs in with now (1 until the first change). */
  get generation(): number {
    return this.#login.generation;
  }

  /** Runs `text` with `inputs` as named parameters (`@name`); a refused login is retried with the secret's new value. */
  query<T = Record<string, unknown>>(text: string, inputs: Readonly<Record<string, unknown>> = {}): Promise<sql.IResult<T>> {
    // One statement: refused, it never ran, so it is retried as it is (no watch as in `request`).
    return this.#pools.run(this.#login, isMssqlRefusal, (pool) => {
      const request = pool.request();
      for (const [name, value] of Object.entries(inputs)) request.input(name, value);
      return request.query<T>(text);
    });
  }

  /**
   * Runs `use` with a new `sql.Request` on the pool of the moment (for procedures, typed inputs),
   * promise calls only; the pool is held until the promise `use` returns settles. A refused login
   * is retried (running `use` again) only while none of its statements has been answered.
   */
  request<T>(use: (request: sql.Request) => Promise<T>): Promise<T> {
    let reached = false;
    const retried = (error: unknown) => isMssqlRefusal(error) && !reached;
    return this.#login.run(
      (login, fail) =>
        this.#pools.use(
          login,
          (pool) => use(watched(pool.request(), () => (reached = true))),
          async (error: unknown) => {
            // A refusal after a statement of `use` went through is not retried (`use` would run twice):
            // it surfaces, and the pool moves on to the secret's new value for the next statement.
            if (isMssqlRefusal(error) && reached) await this.#login.refused(login, error).catch(() => undefined);
            return fail(error);
          },
        ),
      retried,
    );
  }

  /** Closes every `ConnectionPool`; call after the last statement. */
  end(): Promise<void> {
    return this.#pools.end();
  }
}

/**
 * An mssql pool logging in with `reader`'s credentials, which follows their rotation. Build it
 * once per process (a Lambda: at module scope).
 */
export function createRotatingMssqlPool(reader: SecretReader, options: RotatingMssqlPoolOptions = {}): RotatingMssqlPool {
  const check = optionChecks('createRotatingMssqlPool');
  const given = check.record(options, 'options');
  check.refuseUnknownKeys(given, [...ROTATING_POOL_OPTION_KEYS, 'config']);
  const settings = given['config'] === undefined ? {} : check.record(given['config'], 'config');
  for (const key of ['user', 'password', 'authentication']) if (key in settings) throw check.invalid(`config.${key}`, 'comes from the secret; leave it out');
  const { config: _config, ...rest } = options;
  return new RotatingMssqlPool(new RotatingLogin(reader, rest, 'createRotatingMssqlPool'), settings as MssqlPoolSettings);
}
