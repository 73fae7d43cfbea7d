export { describeTargetConformance, HOSTILE_PASSWORDS, HOSTILE_USERNAMES } from './conformance/target.js';
export type { TargetConformanceFixture } from './conformance/target.js';
export { ADMIN_PREFIX, EmulatorServer } from './emulators/http.js';
export type { EmulatorProtocol, EmulatorRequest, EmulatorResponse, Fault } from './emulators/http.js';
export { MARIADB_URL_ENV, startMariaDb } from './fixtures/mariadb.js';
export type { MariaDbFixtureOptions, MariaDbServer } from './fixtures/mariadb.js';
