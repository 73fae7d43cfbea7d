/**
 * Local emulators of the clouds rotakit supports, database fixtures and the test doubles rotakit's
 * own tests use. The conformance suites (they need vitest) are at `@rotakit/testkit/conformance`.
 *
 * @module @rotakit/testkit
 */
export { HOSTILE_PASSWORDS, HOSTILE_USERNAMES } from './conformance/hostile.js';
export { ADMIN_PREFIX, EmulatorServer } from './emulators/http.js';
export type { EmulatorProtocol, EmulatorRequest, EmulatorResponse, Fault } from './emulators/http.js';
export * from './emulators/aws/index.js';
export * from './emulators/alibaba/index.js';
export * from './emulators/alibaba-rds/index.js';
export * from './emulators/alibaba-workflow/index.js';
export {
  NCLOUD_EMULATOR_CREDENTIAL,
  NCLOUD_TIMESTAMP_TOLERANCE_MS,
  signNcloudRequest,
  startNcloudSecretManagerEmulator,
} from './emulators/ncloud/index.js';
export type {
  NcloudAction,
  NcloudActionArgs,
  NcloudActionOptions,
  NcloudCredential,
  NcloudEmulatorOptions,
  NcloudJob,
  NcloudJobSettlement,
  NcloudJobStatus,
  NcloudKmsBoundary,
  NcloudRotationRequestOptions,
  NcloudSecret,
  NcloudSecretChain,
  NcloudSecretManagerEmulator,
  NcloudSecretSeed,
  NcloudSeed,
  NcloudSignatureHeaders,
  NcloudStage,
  NcloudState,
} from './emulators/ncloud/index.js';
export { MARIADB_URL_ENV, startMariaDb } from './fixtures/mariadb.js';
export type { MariaDbFixtureOptions, MariaDbServer } from './fixtures/mariadb.js';
export { POSTGRES_URL_VARIABLE, startPostgres } from './fixtures/postgres.js';
export type { PostgresFixture, PostgresFixtureOptions, PostgresFixtureTls, PostgresQueryResult } from './fixtures/postgres.js';
export { MssqlFake, MssqlFakeCatalog, PUBLIC_ROLE, SERVER_PERMISSIONS, SERVER_ROLES } from './fixtures/mssql-fake/index.js';
export type {
  FakeDatabase,
  FakeDatabaseOptions,
  FakeLogin,
  FakePermission,
  FakeServerRole,
  FakeUser,
  MssqlFakeCatalogOptions,
  MssqlFakeLoginAttempt,
  MssqlFakeOptions,
  PermissionState,
  Securable,
} from './fixtures/mssql-fake/index.js';
export { createTestCertificateAuthority } from './fixtures/tls-certificates.js';
export type { TestCertificateAuthority } from './fixtures/tls-certificates.js';
export { assertRotated, checkRotation, logsIn } from './assertions/rotation.js';
export type { RotationCheck, StageValues } from './assertions/rotation.js';
