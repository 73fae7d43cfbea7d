import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alternatingUsers,
  MemorySecretStore,
  rotate,
  singleUser,
  type Strategy,
} from '@rotakit/core';
import { awsSchema } from './aws-schema.js';
import { startPostgres, type PostgresFixture } from '@rotakit/testkit';
import { postgresTarget } from '@rotakit/target-postgres';
import { officialRotation } from './aws-official.js';
import { expectNoPasswordIn, failsWith, loginOn, thrown } from './helpers.js';

interface StoredSecret {
  readonly username: string;
  readonly password: string;
}

describe('taking over from the official AWS rotation functions, and handing back', () => {
  let server: PostgresFixture;
  const store = new MemorySecretStore();
  const target = postgresTarget({ tls: { mode: 'disable' } });
  /** The applications that own a table. */
  const owners = new Set<string>();

  beforeAll(async () => {
    server = await startPostgres({ allowExternal: false });
    for (const statement of [
      'CREATE ROLE readers NOLOGIN',
      'CREATE SCHEMA shop',
      'CREATE TABLE shop.catalog (id int)',
      'CREATE TABLE shop.orders (id serial PRIMARY KEY, note text)',
      'GRANT USAGE ON SCHEMA shop TO readers',
      'GRANT SELECT ON shop.catalog TO readers',
    ]) {
      await server.query(statement);
    }
    store.putSecret('master', { engine: 'postgres', host: server.host, port: server.port, ...server.admin });
  });
  afterAll(() => server?.close());

  /**
   * An application role as its owner would set it up: direct grants, a group role, and (unless
   * `owns` is false) a table it owns, whose rights a member of the role holds through membership.
   */
  const createApplication = async (name: string, owns = true): Promise<void> => {
    for (const statement of [
      `CREATE ROLE ${name} LOGIN PASSWORD 'Initial-${name}-1'`,
      `GRANT USAGE ON SCHEMA shop TO ${name}`,
      `GRANT SELECT, INSERT ON shop.orders TO ${name}`,
      `GRANT USAGE ON SEQUENCE shop.orders_id_seq TO ${name}`,
      `GRANT readers TO ${name}`,
      ...(owns ? [`CREATE TABLE shop.${name}_owned (id int)`, `ALTER TABLE shop.${name}_owned OWNER TO ${name}`] : []),
    ]) {
      await server.query(statement);
    }
    if (owns) owners.add(name);
    const secret = { engine: 'postgres', host: server.host, port: server.port, dbname: server.database, masterarn: 'master' };
    store.putSecret(name, { ...secret, username: name, password: `Initial-${name}-1` });
  };

  const stage = (secretId: string, which: 'current' | 'previous'): StoredSecret =>
    JSON.parse(store.valueAt(secretId, which) ?? '{}') as StoredSecret;

  /**
   * What `role` can actually do, as the server answers it (through memberships and ownership):
   * table, sequence, schema and database privileges, the owners whose rights it holds, the roles
   * it may use or SET ROLE to (the two alternating users aside), and its attributes.
   */
  const effectiveRights = async (role: string, pair: readonly string[]): Promise<string[]> => {
    const result = await server.query<{ entry: string }>(
      `SELECT 'table ' || c.oid::regclass::text || ' ' || p AS entry
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
              unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER',
                           'SELECT WITH GRANT OPTION', 'INSERT WITH GRANT OPTION']) p
        WHERE n.nspname = 'shop' AND c.relkind = 'r' AND has_table_privilege($1, c.oid, p)
       UNION ALL
       SELECT 'sequence ' || c.oid::regclass::text || ' ' || p
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) p
        WHERE n.nspname = 'shop' AND c.relkind = 'S' AND has_sequence_privilege($1, c.oid, p)
       UNION ALL
       SELECT 'rights of the owner of ' || c.oid::regclass::text
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'shop' AND pg_has_role($1, c.relowner, 'USAGE')
       UNION ALL
       SELECT 'schema shop ' || p FROM unnest(ARRAY['USAGE', 'CREATE']) p WHERE has_schema_privilege($1, 'shop', p)
       UNION ALL
       SELECT 'database ' || p FROM unnest(ARRAY['CONNECT', 'CREATE', 'TEMPORARY']) p
        WHERE has_database_privilege($1, current_database(), p)
       UNION ALL
       SELECT 'role ' || r.rolname || ' ' || p FROM pg_roles r, unnest(ARRAY['USAGE', 'SET']) p
        WHERE r.rolname <> ALL($2) AND pg_has_role($1, r.oid, p)
       UNION ALL
       SELECT 'attributes ' || concat_ws(' ', rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolconnlimit)
         FROM pg_roles WHERE rolname = $1
       ORDER BY 1`,
      [role, pair],
    );
    return result.rows.map((row) => row.entry);
  };

  /** The stage's credentials log in through the target, and do what the application does. */
  const worksAsApplication = async (secretId: string, which: 'current' | 'previous'): Promise<void> => {
    const { username, password } = stage(secretId, which);
    await (await target.connect(loginOn(server, username, password))).close();
    const client = new pg.Client({ host: server.host, port: server.port, database: server.database, user: username, password });
    await client.connect();
    try {
      await client.query('SELECT count(*) FROM shop.catalog');
      await client.query('INSERT INTO shop.orders (note) VALUES ($1)', [`placed by ${username}`]);
      await client.query('SELECT count(*) FROM shop.orders');
      if (owners.has(secretId)) await client.query(`INSERT INTO shop.${secretId}_owned VALUES (1)`);
    } finally {
      await client.end();
    }
  };

  /** Both alternating users can still do exactly what the application could do at the start. */
  const expectRightsKept = async (secretId: string, before: readonly string[]): Promise<void> => {
    const pair = [secretId, `${secretId}_clone`];
    expect(await effectiveRights(stage(secretId, 'current').username, pair)).toEqual(before);
    expect(await effectiveRights(stage(secretId, 'previous').username, pair)).toEqual(before);
    await worksAsApplication(secretId, 'current');
    await worksAsApplication(secretId, 'previous');
  };

  const rotakit = async (secretId: string, strategy: Strategy): Promise<void> => {
    await rotate({ secretId, store, target, strategy, schema: awsSchema });
  };

  it('multi user, after one official rotation: the current user is the clone AWS made, a member of the original', async () => {
    await createApplication('app_one');
    const before = await effectiveRights('app_one', ['app_one', 'app_one_clone']);
    expect(before).toContain('rights of the owner of shop.app_one_owned');
    await officialRotation(store, 'app_one', 'multi user');
    expect(stage('app_one', 'current').username).toBe('app_one_clone');
    await expectRightsKept('app_one', before);

    await rotakit('app_one', alternatingUsers());
    expect(stage('app_one', 'current').username).toBe('app_one');
    await expectRightsKept('app_one', before);
    await rotakit('app_one', alternatingUsers());
    expect(stage('app_one', 'current').username).toBe('app_one_clone');
    await expectRightsKept('app_one', before);

    // Handing back: the official function rotates what rotakit left.
    await officialRotation(store, 'app_one', 'multi user');
    expect(stage('app_one', 'current').username).toBe('app_one');
    await expectRightsKept('app_one', before);
    await officialRotation(store, 'app_one', 'multi user');
    await expectRightsKept('app_one', before);
  });

  it('multi user, after two official rotations: the current user is the original, its clone a member of it', async () => {
    await createApplication('app_two');
    const before = await effectiveRights('app_two', ['app_two', 'app_two_clone']);
    await officialRotation(store, 'app_two', 'multi user');
    await officialRotation(store, 'app_two', 'multi user');
    expect(stage('app_two', 'current').username).toBe('app_two');
    await expectRightsKept('app_two', before);

    await rotakit('app_two', alternatingUsers());
    expect(stage('app_two', 'current').username).toBe('app_two_clone');
    await expectRightsKept('app_two', before);
    await rotakit('app_two', alternatingUsers());
    await expectRightsKept('app_two', before);

    await officialRotation(store, 'app_two', 'multi user');
    await expectRightsKept('app_two', before);
  });

  it('multi user, a secret rotakit began: the official statements rotate the alternate rotakit made', async () => {
    // No owned table: rotakit copies grants, not ownership (see the README), so an alternate it
    // creates from scratch never holds an owner's rights.
    await createApplication('app_fresh', false);
    const before = await effectiveRights('app_fresh', ['app_fresh', 'app_fresh_clone']);
    await rotakit('app_fresh', alternatingUsers());
    await rotakit('app_fresh', alternatingUsers());
    await expectRightsKept('app_fresh', before);
    await officialRotation(store, 'app_fresh', 'multi user');
    await officialRotation(store, 'app_fresh', 'multi user');
    await expectRightsKept('app_fresh', before);
    await rotakit('app_fresh', alternatingUsers());
    await expectRightsKept('app_fresh', before);
  });

  it('single user: official, then rotakit, then official again; only the password ever changes', async () => {
    await createApplication('app_single');
    const before = await effectiveRights('app_single', ['app_single']);
    await officialRotation(store, 'app_single', 'single user');
    await rotakit('app_single', singleUser());
    const { username, password } = stage('app_single', 'current');
    expect(username).toBe('app_single');
    await failsWith(target.connect(loginOn(server, username, stage('app_single', 'previous').password)), 'TargetAuthFailed');
    await worksAsApplication('app_single', 'current');
    await officialRotation(store, 'app_single', 'single user');
    expect(stage('app_single', 'previous').password).toBe(password);
    await worksAsApplication('app_single', 'current');
    expect(await effectiveRights('app_single', ['app_single'])).toEqual(before);
  });

  it('no error thrown in this file contains a password', () => {
    const passwords = ['app_one', 'app_two', 'app_fresh', 'app_single', 'master'].flatMap((secretId) =>
      Object.keys(store.describe(secretId).versions).map((version) => (JSON.parse(store.valueOf(secretId, version) ?? '{}') as StoredSecret).password),
    );
    expect(thrown.length).toBeGreaterThan(0);
    expectNoPasswordIn(thrown, passwords);
  });
});
