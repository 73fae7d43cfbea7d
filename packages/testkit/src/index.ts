export { describeTargetConformance, HOSTILE_PASSWORDS, HOSTILE_USERNAMES } from './conformance/target.js';
export type { TargetConformanceFixture } from './conformance/target.js';
export { ADMIN_PREFIX, EmulatorServer } from './emulators/http.js';
export type { EmulatorProtocol, EmulatorRequest, EmulatorResponse, Fault } from './emulators/http.js';
export { MssqlFake, MssqlFakeCatalog, SERVER_PERMISSIONS, SERVER_ROLES } from './fixtures/mssql-fake/index.js';
export type {
  FakeDatabase,
  FakeDatabaseOptions,
  FakeLogin,
  FakePermission,
  FakeUser,
  MssqlFakeLoginAttempt,
  MssqlFakeOptions,
  PermissionState,
  Securable,
} from './fixtures/mssql-fake/index.js';
export { createTestCertificateAuthority } from './fixtures/tls-certificates.js';
export type { TestCertificateAuthority } from './fixtures/tls-certificates.js';
