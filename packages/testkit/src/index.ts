export { describeTargetConformance, HOSTILE_PASSWORDS, HOSTILE_USERNAMES } from './conformance/target.js';
export type { TargetConformanceFixture } from './conformance/target.js';
export { ADMIN_PREFIX, EmulatorServer } from './emulators/http.js';
export type { EmulatorProtocol, EmulatorRequest, EmulatorResponse, Fault } from './emulators/http.js';
export { POSTGRES_URL_VARIABLE, startPostgres } from './fixtures/postgres.js';
export type { PostgresFixture, PostgresFixtureOptions, PostgresFixtureTls } from './fixtures/postgres.js';
