/**
 * A Secrets Manager rotation function for RDS: MySQL, MariaDB, Aurora MySQL, PostgreSQL and
 * Aurora PostgreSQL, single user or alternating users, configured by environment variables like
 * AWS's own templates (see README.md).
 */
import { alternatingUsers, singleUser, type Strategy, type Target } from '@rotakit/core';
import { AWS_ENGINES, createRotationHandler, rdsReplicaCheck } from '@rotakit/provider-aws';
import { mysqlTarget, type MysqlTlsOptions } from '@rotakit/target-mysql';
import { postgresTarget, type PostgresTlsOptions } from '@rotakit/target-postgres';

const env = process.env;
const TRUE = /^(true|1|y|yes)$/i;

/** `single-user` (default) or `alternating-users` (needs `masterarn` in the secret). */
function strategyFromEnvironment(): Strategy {
  const name = env['ROTATION_STRATEGY'] ?? 'single-user';
  if (name === 'single-user') return singleUser();
  if (name === 'alternating-users') return alternatingUsers({ allowPrivilegedHost: rdsReplicaCheck() });
  throw new Error('ROTATION_STRATEGY must be single-user or alternating-users');
}

// Built once per container: targets keep their TLS settings, clients their connections.
// Under verify the server is checked against the RDS authorities bundled with the targets: Node's roots hold none.
const tlsMode = env['TLS_MODE'] === 'require' || env['TLS_MODE'] === 'disable' ? env['TLS_MODE'] : 'verify';
const tls: MysqlTlsOptions & PostgresTlsOptions = tlsMode === 'verify' ? { mode: tlsMode, ca: 'aws-rds' } : { mode: tlsMode };
const mysql = mysqlTarget({ tls });
const postgres = postgresTarget({ tls });

/** Picks the target by the secret's `engine`. */
function targetFor(engine: string | undefined): Target {
  return AWS_ENGINES['postgres']?.includes(engine ?? '') ? postgres : mysql;
}

/** The Lambda entry point: `index.handler`. */
export const handler = createRotationHandler({
  target: (credentials) => targetFor(credentials.engine),
  strategy: strategyFromEnvironment(),
  password: {
    length: Number(env['PASSWORD_LENGTH'] ?? 32),
    ...(env['EXCLUDE_CHARACTERS'] === undefined ? {} : { excludeCharacters: env['EXCLUDE_CHARACTERS'] }),
    excludePunctuation: TRUE.test(env['EXCLUDE_PUNCTUATION'] ?? ''),
  },
  logger: {
    debug: () => undefined,
    info: (...args: unknown[]) => console.log(JSON.stringify({ level: 'info', args })),
    warn: (...args: unknown[]) => console.warn(JSON.stringify({ level: 'warn', args })),
    error: (...args: unknown[]) => console.error(JSON.stringify({ level: 'error', args })),
  },
});
