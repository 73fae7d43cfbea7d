import { startPostgres } from '@rotakit/testkit';
import { describeTargetConformance } from '@rotakit/testkit/conformance';
import { postgresTarget } from '@rotakit/target-postgres';
import { openPostgresIntrospection, quoteIdentifier } from '../src/internal.js';

describeTargetConformance('postgres', async () => {
  const server = await startPostgres();
  await server.query('CREATE TABLE IF NOT EXISTS public.sample_a (id int)');
  await server.query('CREATE TABLE IF NOT EXISTS public.sample_b (id int)');
  const samples = { a: 'SELECT ON TABLE public.sample_a', b: 'INSERT ON TABLE public.sample_b' } as const;
  const target = postgresTarget({ tls: 'disable' });
  const login = (username: string, password: string) =>
    ({ username, password, host: server.host, port: server.port, database: server.database, tls: 'disable' }) as const;
  return {
    target,
    admin: server.admin,
    login,
    unreachable: { username: 'nobody', password: 'x', host: '127.0.0.1', port: 1, tls: 'disable' },
    createUser: async (username, password) => {
      await server.query(`CREATE ROLE ${quoteIdentifier(username)} LOGIN PASSWORD '${password.replaceAll("'", "''")}'`);
    },
    grant: async (username, which) => {
      await server.query(`GRANT ${samples[which]} TO ${quoteIdentifier(username)}`);
    },
    revoke: async (username, which) => {
      await server.query(`REVOKE ${samples[which]} FROM ${quoteIdentifier(username)}`);
    },
    dropUser: async (username) => {
      await server.query(`DROP OWNED BY ${quoteIdentifier(username)}`).catch(() => undefined);
      await server.query(`DROP ROLE IF EXISTS ${quoteIdentifier(username)}`);
    },
    introspect: () => openPostgresIntrospection(target, login(server.admin.username, server.admin.password)),
    close: () => server.close(),
  };
});
