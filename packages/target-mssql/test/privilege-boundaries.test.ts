import { MssqlFake } from '@rotakit/testkit';
import { describe } from 'vitest';
import { mssqlTarget } from '../src/index.js';
import { describePrivilegeBoundaries } from './privilege-boundaries.js';
import { addressFromUrl, boundaryFixture } from './support.js';

const ADMIN = { username: 'sa', password: 'Boundary-admin-password-1' };

async function fakeFixture(database: string) {
  const fake = await MssqlFake.start();
  fake.catalog.addLogin(ADMIN.username, ADMIN.password, { sysadmin: true });
  if (database !== 'master') fake.catalog.addDatabase(database, { tables: ['dbo.orders'] });
  return boundaryFixture(
    { host: fake.host, port: fake.port, database, admin: ADMIN, tls: 'disable' },
    mssqlTarget({ tls: { mode: 'disable' } }),
    () => Promise.resolve(fake.catalog.snapshot()),
    () => fake.close(),
  );
}

describePrivilegeBoundaries('mssql (TDS fake, user database)', () => fakeFixture('rotakit'));
describePrivilegeBoundaries('mssql (TDS fake, master)', () => fakeFixture('master'));

const url = process.env['MSSQL_URL'];
describe.runIf(url !== undefined)('real SQL Server from MSSQL_URL (skipped when MSSQL_URL is not set)', () => {
  describePrivilegeBoundaries('mssql (MSSQL_URL)', async () => {
    const address = addressFromUrl(url as string);
    return boundaryFixture(address, mssqlTarget({ tls: { mode: address.tls } }), undefined, async () => undefined);
  });
});
