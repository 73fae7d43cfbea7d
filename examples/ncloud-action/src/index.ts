// A NAVER Cloud Functions action for a Secret Manager trigger. Secret Manager calls it with
// `secretId` and `jobToken`; the action's default parameters (set them encrypted) give
// `accessKey` and `secretKey` of a sub-account with a Secret Manager role, and optionally:
//   engine        `mysql` (default; MariaDB too), `postgres` or `mssql`
//   dbTls         `verify` (default), `require` or `disable`
//   keyIsolation  `regional` (default) or `global`
// The secret follows NAVER's Cloud DB convention (cdbHost, cdbPort, cdbUser, cdbPassword,
// cdbDatabase) with cdbPassword among its rotationTargets; the action changes the password of the
// secret's own user (single user).
import { singleUser, TLS_MODES, type Logger, type TlsMode } from '@rotakit/core';
import {
  createCloudFunctionsAction,
  type NcloudActionArgs,
  type NcloudActionMain,
  type NcloudActionResult,
} from '@rotakit/provider-ncloud';
import { mssqlTarget } from '@rotakit/target-mssql';
import { mysqlTarget } from '@rotakit/target-mysql';
import { postgresTarget } from '@rotakit/target-postgres';

const ENGINES = ['mysql', 'postgres', 'mssql'] as const;
type Engine = (typeof ENGINES)[number];

/** One JSON line per log call on stdout, where Cloud Functions collects it (rotakit redacts first). */
const write =
  (level: string) =>
  (first: string | object, message?: string): void => {
    const line = typeof first === 'string' ? { level, message: first } : { level, message, ...first };
    console.log(JSON.stringify(line));
  };
const logger: Logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };

/** Actions are built once per container and reused by later invocations. */
const actions = new Map<string, NcloudActionMain>();

function actionFor(engine: Engine, tls: TlsMode): NcloudActionMain {
  const key = `${engine}:${tls}`;
  let action = actions.get(key);
  if (!action) {
    const targets = {
      mysql: () => mysqlTarget({ tls, logger }),
      postgres: () => postgresTarget({ tls: { mode: tls } }),
      mssql: () => mssqlTarget({ tls: { mode: tls } }),
    };
    const target = targets[engine]();
    action = createCloudFunctionsAction({ target, strategy: singleUser(), logger });
    actions.set(key, action);
  }
  return action;
}

function choice<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T | undefined {
  if (value === undefined) return fallback;
  return allowed.includes(value as T) ? (value as T) : undefined;
}

/** The action's entry point. */
export async function main(args: NcloudActionArgs = {}): Promise<NcloudActionResult> {
  const engine = choice(args.engine, ENGINES, 'mysql');
  const tls = choice(args.dbTls, TLS_MODES, 'verify');
  if (engine === undefined || tls === undefined) {
    const field = engine === undefined ? 'engine' : 'dbTls';
    return { done: false, error_code: 'InvalidOptions', error_message: `the ${field} parameter is not one rotakit knows`, retryable: false };
  }
  return actionFor(engine, tls)(args);
}
