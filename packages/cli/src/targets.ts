import { InvalidOptionsError, isRotakitError, loginOf, silentLogger, type Credentials, type Target, type TlsMode } from '@rotakit/core';
import type { LoginCheck } from './verdict.js';

/** The engines `--engine` names, one per target package. */
export const ENGINES = ['mysql', 'postgres', 'mssql'] as const;

/** One of {@link ENGINES}. */
export type Engine = (typeof ENGINES)[number];

/** The default port of each engine, which picks the engine of a secret that names none (Alibaba's, NAVER's). */
const ENGINE_OF_PORT: Readonly<Record<number, Engine>> = { 3306: 'mysql', 5432: 'postgres', 1433: 'mssql' };

/**
 * Picks and builds targets: `--engine` if given, else the secret's engine name, else its port.
 * Each target package (and its driver) is imported when the first secret of its engine needs it,
 * then reused for the run.
 */
export class TargetPicker {
  readonly #built = new Map<Engine, Promise<Target>>();

  /** `ca`: PEM the targets verify server certificates against under `verify` (`--ca`), instead of Node's roots. */
  constructor(private readonly options: { readonly engine?: Engine; readonly tls: TlsMode; readonly ca?: string }) {}

  /** The target for a stage's credentials; refuses, naming `--engine`, credentials that name no engine it knows. */
  async targetFor(credentials: Credentials): Promise<Target> {
    const engine = this.options.engine ?? (await engineOf(credentials));
    if (engine === undefined) {
      throw new InvalidOptionsError(`the secret names no engine rotakit knows (engine ${credentials.engine ?? 'unset'}, port ${credentials.port ?? 'unset'}); pass --engine`, { field: '--engine' });
    }
    let target = this.#built.get(engine);
    if (target === undefined) {
      const { ca } = this.options;
      const tls = ca !== undefined && this.options.tls === 'verify' ? { mode: 'verify' as const, ca } : this.options.tls;
      target = buildTarget(engine, tls);
      this.#built.set(engine, target);
    }
    return target;
  }
}

/** Imports the engine's target package (and its driver) and builds its target. */
async function buildTarget(engine: Engine, tls: TlsMode | { readonly mode: 'verify'; readonly ca: string }): Promise<Target> {
  if (engine === 'mysql') return (await import('@rotakit/target-mysql')).mysqlTarget({ tls });
  if (engine === 'postgres') return (await import('@rotakit/target-postgres')).postgresTarget({ tls });
  return (await import('@rotakit/target-mssql')).mssqlTarget({ tls });
}

/**
 * The engine a secret's credentials name (by engine, else port), or undefined when neither its
 * engine nor its port says. AWS's engine names beyond rotakit's own (`mariadb`, `aurora-postgresql`,
 * …) are looked up in `@rotakit/provider-aws`, imported only for such a name.
 */
export async function engineOf(credentials: Credentials): Promise<Engine | undefined> {
  const named = credentials.engine;
  if (named !== undefined) {
    const own = ENGINES.find((engine) => engine === named);
    if (own !== undefined) return own;
    const { AWS_ENGINES } = await import('@rotakit/provider-aws');
    return ENGINES.find((engine) => AWS_ENGINES[engine]?.includes(named));
  }
  return credentials.port === undefined ? undefined : ENGINE_OF_PORT[credentials.port];
}

/** Logs in with `credentials` and pings: read-only, changes nothing. */
export async function checkLogin(target: Target, credentials: Credentials): Promise<LoginCheck> {
  let session;
  try {
    session = await target.connect(loginOf(credentials, target, silentLogger));
    await session.ping();
    return 'accepted';
  } catch (error) {
    if (isRotakitError(error, 'TargetAuthFailed')) return 'refused';
    if (isRotakitError(error, 'TlsRequired')) return 'tls-refused';
    if (isRotakitError(error, 'TargetUnreachable')) return 'unreachable';
    throw error;
  } finally {
    await session?.close();
  }
}
