export { postgresTarget } from './target.js';
export type { PostgresTarget } from './target.js';
export type {
  PasswordEncoding,
  PostgresTargetOptions,
  PostgresTlsOptions,
  ResolvedPostgresOptions,
} from './options.js';
export { MAX_PASSWORD_BYTES, preparePassword, SCRAM_ITERATIONS, scramSha256Verifier } from './scram.js';
export type { ScramVerifierOptions } from './scram.js';
export { MAX_IDENTIFIER_BYTES, quoteIdentifier, quoteLiteral } from './sql.js';
export { NO_TLS_REQUIREMENT } from './session.js';
