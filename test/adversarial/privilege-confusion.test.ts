import fc from 'fast-check';
import { createConnection, type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alternatingUsers,
  isRotakitError,
  MemorySecretStore,
  rotate,
  type Target,
} from '@rotakit/core';
import { awsSchema } from '@rotakit/provider-aws';
import { startMariaDb, startPostgres, type MariaDbServer, type PostgresFixture } from '@rotakit/testkit';
import { mysqlTarget } from '@rotakit/target-mysql';
import { postgresTarget } from '@rotakit/target-postgres';

/**
 * Privilege confusion as a property, on real servers: generated pairs of an application secret and
 * its privileged (master) secret that try to turn the privileged account against itself or against
 * another server. Whatever the pair, the privileged account keeps its password and its rights, no
 * user appears on another server, and a refused rotation leaves no pending version behind.
 */

const RUNS = process.env['ROTAKIT_ADVERSARIAL_SCALE'] === 'full' ? 60 : 12;

type Kind = 'same user' | 'app is the master clone' | 'master is the app clone' | 'master on another port' | 'host alias' | 'administrative app user';
const KINDS: readonly Kind[] = ['same user', 'app is the master clone', 'master is the app clone', 'master on another port', 'host alias', 'administrative app user'];

/** What the property needs of one engine: two servers and an admin's view of their users. */
interface Engine {
  readonly name: string;
  readonly target: Target;
  readonly servers: readonly [Endpoint, Endpoint];
  createUser(server: 0 | 1, name: string, password: string, role: 'app' | 'master' | 'admin app'): Promise<void>;
  /** The user's rights, as text to compare; undefined when it does not exist. */
  rights(server: 0 | 1, name: string): Promise<string | undefined>;
}

interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly database?: string;
}

const name = fc.stringMatching(/^[a-z][a-z0-9]{3,8}$/);
const password = fc.stringMatching(/^[A-Za-z0-9]{16,24}$/);
const cases = fc.record({ kind: fc.constantFrom(...KINDS), app: name, master: name, appPassword: password, masterPassword: password });

let counter = 0;
let leakChecks = 0;

interface Case {
  readonly kind: Kind;
  readonly app: string;
  readonly master: string;
  readonly appPassword: string;
  readonly masterPassword: string;
}

async function check(engine: Engine, input: Case) {
  const { kind, appPassword, masterPassword } = input;
  counter += 1;
  // Unique names per case: the servers live for the whole file.
  const master = kind === 'master is the app clone' ? `${input.app}${counter}_clone` : `${input.master}${counter}m`;
  const app = kind === 'same user' ? master : kind === 'app is the master clone' ? `${master}_clone` : kind === 'master is the app clone' ? `${input.app}${counter}` : `${input.app}${counter}a`;
  const [a, b] = engine.servers;
  await engine.createUser(0, master, masterPassword, 'master');
  if (app !== master) await engine.createUser(0, app, appPassword, kind === 'administrative app user' ? 'admin app' : 'app');
  if (kind === 'master on another port') await engine.createUser(1, master, masterPassword, 'master');
  const masterRights = await engine.rights(0, master);

  const store = new MemorySecretStore();
  const masterHost = kind === 'host alias' ? 'localhost' : a.host;
  const masterPort = kind === 'master on another port' ? b.port : a.port;
  store.putSecret('master', { username: master, password: masterPassword, host: masterHost, port: masterPort });
  const appSecret = app === master ? masterPassword : appPassword;
  store.putSecret('app', {
    engine: engine.name,
    host: a.host,
    port: a.port,
    ...(a.database === undefined ? {} : { dbname: a.database }),
    username: app,
    password: appSecret,
    masterarn: 'master',
  });
  const output: string[] = [];
  const line = (...args: unknown[]) => {
    output.push(JSON.stringify(args));
  };
  const logger = { debug: line, info: line, warn: line, error: line };
  const outcome = await rotate({
    store,
    target: engine.target,
    strategy: alternatingUsers(),
    schema: awsSchema,
    logger,
    onEvent: (event) => output.push(JSON.stringify(event)),
    secretId: 'app',
  }).then(
    () => 'rotated' as const,
    (error: unknown) => error,
  );
  for (let cause = outcome; cause instanceof Error; cause = cause.cause) output.push(cause.message, cause.stack ?? '');
  const known = [appPassword, masterPassword, ...[store.valueAt('app', 'current'), store.valueAt('app', 'pending')].flatMap((raw) => (raw ? [(JSON.parse(raw) as { password: string }).password] : []))];
  leakChecks += 1;
  expect(known.filter((secret) => output.join('\n').includes(secret)), 'no password in any log line, event or error').toEqual([]);

  const where = `${engine.name}, ${kind}: app ${app}, master ${master}`;
  expect(await engine.rights(0, master), where).toEqual(masterRights);
  const masterLogsIn = await logsIn(engine.target, { ...a, host: masterHost }, master, masterPassword);
  expect(masterLogsIn, `${where}: the master secret still logs in`).toBe(true);
  const clone = `${app}_clone`;
  if (kind === 'host alias') {
    expect(outcome, where).toBe('rotated');
    expect(await engine.rights(0, clone), where).toBeDefined();
    return;
  }
  expect(isRotakitError(outcome) && !outcome.retryable, `${where}: refused for good (${String(outcome)})`).toBe(true);
  expect(isRotakitError(outcome) && outcome.code, where).toBe(kind === 'administrative app user' ? 'AdministrativeSource' : 'PrivilegedSecretInvalid');
  expect(store.stages('app').pending, `${where}: no pending version left`).toBeUndefined();
  if (kind === 'master on another port' || kind === 'administrative app user') {
    expect(await engine.rights(0, clone), `${where}: no clone on the application's server`).toBeUndefined();
    expect(await engine.rights(1, clone), `${where}: no clone on the other server`).toBeUndefined();
  }
}

async function logsIn(target: Target, at: Endpoint, username: string, secret: string): Promise<boolean> {
  try {
    const session = await target.connect({ ...at, username, password: secret, tls: 'disable' });
    await session.close();
    return true;
  } catch {
    return false;
  }
}

describe('privilege confusion on real MariaDB', () => {
  const servers: MariaDbServer[] = [];
  const admins: Connection[] = [];
  let engine: Engine;

  beforeAll(async () => {
    servers.push(await startMariaDb(), await startMariaDb());
    for (const server of servers) {
      admins.push(await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password }));
    }
    await admins[0]!.query('CREATE DATABASE IF NOT EXISTS shop');
    const sql = (server: 0 | 1, text: string) => admins[server]!.query(text);
    engine = {
      name: 'mariadb',
      target: mysqlTarget({ tls: 'disable' }),
      servers: [servers[0]!, servers[1]!] as const,
      async createUser(server, user, secret, role) {
        // Names and passwords are drawn from [a-z0-9_] and [A-Za-z0-9]: safe inside quotes.
        await sql(server, `CREATE USER '${user}'@'%' IDENTIFIED BY '${secret}'`);
        if (role === 'master') await sql(server, `GRANT ALL PRIVILEGES ON *.* TO '${user}'@'%' WITH GRANT OPTION`);
        else await sql(server, `GRANT SELECT ON shop.* TO '${user}'@'%'`);
        if (role === 'admin app') await sql(server, `GRANT CREATE USER ON *.* TO '${user}'@'%'`);
      },
      async rights(server, user) {
        const [rows] = await admins[server]!.query('SELECT Host FROM mysql.user WHERE User = ?', [user]);
        if ((rows as unknown[]).length === 0) return undefined;
        const [grants] = await admins[server]!.query(`SHOW GRANTS FOR '${user}'@'%'`);
        return (grants as Record<string, string>[]).map((row) => Object.values(row)[0]).join('\n');
      },
    };
  }, 180_000);

  afterAll(async () => {
    for (const admin of admins) await admin.end();
    for (const server of servers) await server.close();
  });

  it('the privileged account never acts on itself or on another server', async () => {
    await fc.assert(fc.asyncProperty(cases, (input) => check(engine, input)), { numRuns: RUNS, seed: 4242 });
    for (const kind of KINDS) await check(engine, { kind, app: 'fixed', master: 'fixed', appPassword: 'Fixed0Password0App', masterPassword: 'Fixed0Password0Mst' });
    console.log(`privilege confusion (mariadb): ${RUNS} generated + ${KINDS.length} fixed cases, all held; ${leakChecks} output scans, 0 leaks`);
  }, 300_000);
});

describe('privilege confusion on real PostgreSQL', () => {
  const servers: PostgresFixture[] = [];
  let engine: Engine;

  beforeAll(async () => {
    servers.push(await startPostgres({ allowExternal: false }), await startPostgres({ allowExternal: false }));
    const [first, second] = servers as [PostgresFixture, PostgresFixture];
    await first.query('CREATE TABLE IF NOT EXISTS shop_orders (id int)');
    engine = {
      name: 'postgres',
      target: postgresTarget({ tls: { mode: 'disable' } }),
      servers: [first, second] as const,
      async createUser(server, user, secret, role) {
        const fixture = servers[server]!;
        const attributes = role === 'master' ? 'SUPERUSER' : role === 'admin app' ? 'CREATEROLE' : '';
        await fixture.query(`CREATE ROLE "${user}" WITH LOGIN ${attributes} PASSWORD '${secret}'`);
        if (role !== 'master') await fixture.query(`GRANT SELECT ON shop_orders TO "${user}"`);
      },
      async rights(server, user) {
        const { rows } = await servers[server]!.query(
          `SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication, rolcanlogin,
                  array(SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid ORDER BY 1) AS member_of,
                  CASE WHEN to_regclass('shop_orders') IS NULL THEN NULL ELSE has_table_privilege(r.oid, 'shop_orders', 'SELECT') END AS reads_orders
             FROM pg_roles r WHERE rolname = $1`,
          [user],
        );
        return rows.length === 0 ? undefined : JSON.stringify(rows[0]);
      },
    };
  }, 180_000);

  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('the privileged account never acts on itself or on another server', async () => {
    await fc.assert(fc.asyncProperty(cases, (input) => check(engine, input)), { numRuns: RUNS, seed: 4242 });
    for (const kind of KINDS) await check(engine, { kind, app: 'fixed', master: 'fixed', appPassword: 'Fixed0Password0App', masterPassword: 'Fixed0Password0Mst' });
    console.log(`privilege confusion (postgres): ${RUNS} generated + ${KINDS.length} fixed cases, all held; ${leakChecks} output scans, 0 leaks`);
  }, 300_000);
});
