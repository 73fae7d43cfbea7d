import { createTestCertificateAuthority, MssqlFake } from '@rotakit/testkit';
import { describeTargetConformance } from '@rotakit/testkit/conformance';
import { describe } from 'vitest';
import { mssqlTarget } from '../src/index.js';
import { addressFromUrl, conformanceFixture } from './support.js';

const ADMIN = { username: 'sa', password: 'Admin-password-1' };

async function fakeFixture(database: string, options: { contained?: boolean; tls?: boolean } = {}) {
  const ca = options.tls ? createTestCertificateAuthority() : undefined;
  const fake = await MssqlFake.start(ca ? { tls: ca.issue(['localhost', '127.0.0.1']) } : {});
  fake.catalog.addLogin(ADMIN.username, ADMIN.password, { sysadmin: true });
  if (database !== 'master') fake.catalog.addDatabase(database, { contained: options.contained ?? false });
  const tls = ca ? { mode: 'verify' as const, ca: ca.cert } : { mode: 'disable' as const };
  return conformanceFixture(
    { host: '127.0.0.1', port: fake.port, database, admin: ADMIN, tls: tls.mode, ...(ca ? { ca: ca.cert } : {}) },
    mssqlTarget({ tls }),
    async () => {
      await fake.close();
      ca?.remove();
    },
  );
}

describeTargetConformance('mssql (TDS fake)', () => fakeFixture('rotakit', { tls: true }));
describeTargetConformance('mssql (TDS fake, master: server logins and server permissions)', () => fakeFixture('master'));
describeTargetConformance('mssql (TDS fake, contained database users)', () => fakeFixture('rotakit_contained', { contained: true }));

const url = process.env['MSSQL_URL'];
describe.runIf(url !== undefined)('real SQL Server from MSSQL_URL (skipped when MSSQL_URL is not set)', () => {
  describeTargetConformance('mssql (MSSQL_URL)', async () => {
    const address = addressFromUrl(url as string);
    return conformanceFixture(address, mssqlTarget({ tls: { mode: address.tls } }), async () => undefined);
  });
});
