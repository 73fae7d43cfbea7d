/**
 * The pieces under the target, for tests, tools and the other rotakit packages: statement builders
 * and quoting (sql), catalog readers (catalog), grant comparisons (grants), SCRAM verifiers (scram)
 * and the user introspection. An application needs only `@rotakit/target-postgres`.
 *
 * @module @rotakit/target-postgres/internal
 */
export { openPostgresIntrospection } from './introspection.js';
export * from './sql.js';
export * from './catalog.js';
export * from './grants.js';
export * from './scram.js';
export { CA_PRESETS } from './options.js';
