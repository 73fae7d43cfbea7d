// The MariaDB side of the crash family: one server for the file, its accounts, and real logins.
import { createConnection, type Connection } from 'mysql2/promise';
import { isRotakitError } from '@rotakit/core';
import { mysqlTarget } from '@rotakit/target-mysql';
import { openMysqlIntrospection } from '@rotakit/target-mysql/internal';
import { startMariaDb, type MariaDbServer } from '@rotakit/testkit';

/** The database every application account may use. */
export const APP_DATABASE = 'adv_shop';
/** What each application account may do there: the alternate user must get exactly this. */
const APP_GRANTS = 'SELECT, INSERT';

/** A username and password to try. */
export interface Login {
  readonly username: string;
  readonly password: string;
}

/** The MariaDB server of the file, with an admin connection and the checks the family makes. */
export class Database {
  readonly server: MariaDbServer;
  readonly #admin: Connection;
  readonly #target = mysqlTarget({ tls: 'disable' });

  private constructor(server: MariaDbServer, admin: Connection) {
    this.server = server;
    this.#admin = admin;
  }

  /** Starts the server (testkit's fixture: its own directory and port) and the application database. */
  static async start(): Promise<Database> {
    const server = await startMariaDb();
    const admin = await createConnection({
      host: server.host,
      port: server.port,
      user: server.admin.username,
      password: server.admin.password,
    });
    await admin.query(`CREATE DATABASE IF NOT EXISTS ${APP_DATABASE}`);
    return new Database(server, admin);
  }

  /** An application account with the application's grants. */
  async createAppUser(login: Login): Promise<void> {
    await this.#admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [login.username, login.password]);
    await this.#admin.query(`GRANT ${APP_GRANTS} ON ${APP_DATABASE}.* TO ?@'%'`, [login.username]);
  }

  /** A privileged account for alternating users: it creates users and gives grants. */
  async createPrivilegedUser(login: Login): Promise<void> {
    await this.#admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [login.username, login.password]);
    await this.#admin.query(`GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION`, [login.username]);
  }

  /** Whether `login` logs in to the server, by a real login; any other failure than a refusal throws. */
  async logsIn(login: Login): Promise<boolean> {
    try {
      const session = await this.#target.connect({ ...login, host: this.server.host, port: this.server.port, tls: 'disable' });
      await session.ping();
      await session.close();
      return true;
    } catch (error) {
      if (isRotakitError(error, 'TargetAuthFailed')) return false;
      throw error;
    }
  }

  /** The user's privileges as target-mysql reports them (its own name left out); undefined when it does not exist. */
  async privilegesOf(username: string): Promise<readonly string[] | undefined> {
    const { admin } = this.server;
    const introspection = await openMysqlIntrospection(this.#target, { ...admin, host: this.server.host, port: this.server.port, tls: 'disable' });
    try {
      return (await introspection.inspectUser(username))?.privileges;
    } finally {
      await introspection.close();
    }
  }

  async close(): Promise<void> {
    await this.#admin.end();
    await this.server.close();
  }
}
