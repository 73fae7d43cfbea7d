import {
  isRotakitError,
  loginOf,
  resolvePasswordPolicy,
  silentLogger,
  suffixRule,
  type Credentials,
  type Login,
  type PasswordPolicy,
  type Redactor,
  type SessionIdentity,
  type Target,
  type TargetSession,
  type UserIntrospection,
  type UserProfile,
} from '@rotakit/core';
import type { MssqlTarget } from '@rotakit/target-mssql';
import type { MysqlTarget } from '@rotakit/target-mysql';
import type { PostgresTarget } from '@rotakit/target-postgres';
import type { CloudName, CloudSecrets, DoctorCheck, PreflightOptions } from './cloud.js';
import type { TargetPicker } from './targets.js';

export type { CheckOutcome, DoctorCheck } from './cloud.js';

/** How `doctor` looks at a secret. */
export interface DoctorOptions extends PreflightOptions {
  /** With `--check-db`: the targets the database checks log in through (`--engine`, `--tls`, `--ca`). */
  readonly checkDb?: TargetPicker;
  /** The picker the secret's engine is named by when the database is not checked. */
  readonly picker: TargetPicker;
  /** The password policy a rotation generates with (`--password-length`); default core's. */
  readonly passwordPolicy?: PasswordPolicy;
  /** Every value read is added here, so nothing reported can carry it. */
  readonly redactor: Redactor;
}

/** What `doctor` found for one secret: what `--json` prints per secret. */
export interface DoctorReport {
  readonly cloud: CloudName;
  readonly secretId: string;
  /** True when no check failed (warnings allowed). */
  readonly ok: boolean;
  readonly checks: readonly DoctorCheck[];
}

/**
 * Runs the preflight checks of one secret and changes nothing: the secret parses and names an
 * engine; the cloud's checks of store permissions and the rotation function; and with
 * `options.checkDb` the database checks (reachable, TLS, current login, alternate username,
 * privileged account on the same server with the rights to create users and grant, password
 * policy). A check that does not apply (the database ones without `checkDb`, the privileged ones
 * for a secret naming no `masterSecret`) is not in the report. Never prints; throws only when the
 * secret cannot be read at all (not found, access denied).
 */
export async function doctorSecret(secrets: CloudSecrets, secretId: string, options: DoctorOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const inspection = await secrets.inspect(secretId);
  const current = inspection.versions.find((version) => version.stages.includes('current'));
  const done = (): DoctorReport => ({
    cloud: inspection.cloud,
    secretId: inspection.secretId,
    ok: !checks.some((check) => check.outcome === 'fail'),
    checks: checks.map((check) => scrub(check, options.redactor)),
  });
  let credentials: Credentials | undefined;
  if (current === undefined) {
    checks.push({ id: 'secret.parse', outcome: 'fail', summary: 'no version holds the current stage', hint: 'store the credentials as the current version, or run rotakit recover' });
  } else {
    const raw = await secrets.readValue(secretId, current);
    options.redactor.add(raw);
    try {
      credentials = secrets.schema.parse(raw).credentials;
      options.redactor.add(credentials.password);
      checks.push({ id: 'secret.parse', outcome: 'pass', summary: `the current value parses with the ${secrets.cloud} schema (user ${credentials.username})` });
    } catch (error) {
      checks.push({
        id: 'secret.parse',
        outcome: 'fail',
        summary: `the current value does not parse with the ${secrets.cloud} schema: ${errorText(error)}`,
        hint: "store the credentials as the cloud's schema names them (see @rotakit/core's schemas)",
      });
    }
  }
  let target: Target | undefined;
  if (credentials !== undefined) {
    try {
      target = await (options.checkDb ?? options.picker).targetFor(credentials);
      checks.push({ id: 'secret.engine', outcome: 'pass', summary: `the ${target.engine} target rotates it` });
    } catch (error) {
      checks.push({ id: 'secret.engine', outcome: 'fail', summary: errorText(error), hint: 'name a supported engine (mysql, mariadb, postgres, sqlserver) in the secret, or pass --engine' });
    }
  }
  const preflight = secrets.preflight;
  if (preflight !== undefined) {
    // A cloud call that is refused (the caller may not ask) is that check's finding; the others still run.
    const { check: functionCheck, principal } = await preflight
      .checkRotationFunction(secretId, options)
      .catch((error: unknown) => ({ check: refusedCheck('rotation.function', error), principal: undefined }));
    const permissions = { ...options, ...(options.principal === undefined && principal !== undefined ? { principal } : {}) };
    checks.push(await preflight.checkPermissions(secretId, permissions).catch((error: unknown) => refusedCheck('store.permissions', error)));
    checks.push(functionCheck);
  }
  if (target !== undefined && credentials !== undefined) {
    checks.push(passwordPolicyCheck(target, options.passwordPolicy));
    const alternating = credentials.masterSecret !== undefined;
    if (alternating) checks.push(alternateUsernameCheck(target, credentials, secrets.schema.alternateSuffix));
    if (options.checkDb !== undefined) checks.push(...(await databaseChecks(secrets, target, credentials, options.redactor)));
  }
  return done();
}

function passwordPolicyCheck(target: Target, policy: PasswordPolicy | undefined): DoctorCheck {
  try {
    const resolved = resolvePasswordPolicy(policy ?? {}, target.passwordConstraints ?? {});
    return { id: 'password.policy', outcome: 'pass', summary: `${resolved.length}-character passwords from ${resolved.alphabet.length} characters fit ${target.engine}'s limits` };
  } catch (error) {
    const max = target.passwordConstraints?.maxLength;
    return { id: 'password.policy', outcome: 'fail', summary: errorText(error), hint: `choose a policy the engine takes${max === undefined ? '' : ` (at most ${max} characters)`}: --password-length` };
  }
}

function alternateUsernameCheck(target: Target, credentials: Credentials, suffix: string | undefined): DoctorCheck {
  if (suffix === undefined) {
    return { id: 'db.alternate-username', outcome: 'warn', summary: "the cloud's schema names no alternate suffix", hint: 'give alternatingUsers a suffix or an alternate rule' };
  }
  const alternate = suffixRule(suffix)(credentials.username);
  const length = target.usernameLength?.(alternate) ?? [...alternate].length;
  if (length > target.maxUsernameLength) {
    return {
      id: 'db.alternate-username',
      outcome: 'fail',
      summary: `the alternate user ${alternate} is ${length} long; ${target.engine} takes at most ${target.maxUsernameLength}`,
      hint: `shorten the username to at most ${target.maxUsernameLength - (length - [...credentials.username].length)} characters`,
    };
  }
  try {
    target.checkUsername?.(alternate, { synced: true });
  } catch (error) {
    return { id: 'db.alternate-username', outcome: 'fail', summary: errorText(error), hint: 'choose a username the engine takes with the suffix added' };
  }
  return { id: 'db.alternate-username', outcome: 'pass', summary: `the alternate user ${alternate} fits ${target.engine}'s ${target.maxUsernameLength}` };
}

/** Reachable, TLS, current login; then, for a secret naming a privileged secret, its server and rights. */
async function databaseChecks(secrets: CloudSecrets, target: Target, credentials: Credentials, redactor: Redactor): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const login = loginOf(credentials, target, silentLogger);
  const where = `${credentials.host ?? 'localhost'}:${credentials.port ?? 'default port'}`;
  let session: TargetSession | undefined;
  try {
    session = await target.connect(login);
    await session.ping();
    checks.push({ id: 'db.reachable', outcome: 'pass', summary: `${where} answers` });
    checks.push(
      login.tls === 'verify'
        ? { id: 'db.tls', outcome: 'pass', summary: "TLS is on and the server's certificate verifies" }
        : login.tls === 'require'
          ? { id: 'db.tls', outcome: 'warn', summary: "TLS is on but the server's certificate is not verified (tls require)", hint: 'use --tls verify with --ca <PEM file> of the CA that issued it' }
          : { id: 'db.tls', outcome: 'warn', summary: 'the login is plaintext (tls disable)', hint: 'turn TLS on: --tls verify with --ca, or tls in the secret' },
    );
    checks.push({ id: 'db.login', outcome: 'pass', summary: `the current user ${credentials.username} logs in` });
  } catch (error) {
    if (isRotakitError(error, 'TargetUnreachable')) {
      checks.push({ id: 'db.reachable', outcome: 'fail', summary: errorText(error), hint: 'check the host and port in the secret, and that this machine may reach them (security groups, firewall)' });
    } else if (isRotakitError(error, 'TlsRequired')) {
      checks.push({ id: 'db.reachable', outcome: 'pass', summary: `${where} answers` });
      checks.push({ id: 'db.tls', outcome: 'fail', summary: errorText(error), hint: 'pass --ca with the PEM of the CA that issued the server certificate (or fix the server name it is issued for)' });
    } else if (isRotakitError(error, 'TargetAuthFailed')) {
      checks.push({ id: 'db.reachable', outcome: 'pass', summary: `${where} answers` });
      checks.push({ id: 'db.login', outcome: 'fail', summary: `the server refuses the current user ${credentials.username}`, hint: 'the current stage\'s password is not the database\'s: run rotakit status --check-db, then rotakit recover' });
    } else {
      throw error;
    }
    return checks;
  }
  try {
    if (credentials.masterSecret !== undefined) checks.push(...(await privilegedChecks(secrets, target, credentials.masterSecret, session, redactor)));
  } finally {
    await session.close();
  }
  return checks;
}

async function privilegedChecks(secrets: CloudSecrets, target: Target, reference: string, current: TargetSession, redactor: Redactor): Promise<DoctorCheck[]> {
  const read = secrets.preflight?.readCurrent;
  if (read === undefined) {
    return [{ id: 'db.master-server', outcome: 'warn', summary: `the privileged secret is not read on --cloud ${secrets.cloud}`, hint: 'check by hand that masterSecret names an account on the same server' }];
  }
  let privileged: Credentials;
  try {
    const raw = await read(reference);
    redactor.add(raw);
    privileged = secrets.schema.parse(raw).credentials;
    redactor.add(privileged.password);
  } catch (error) {
    return [{ id: 'db.master-server', outcome: 'fail', summary: `the privileged secret ${reference} cannot be read as credentials: ${errorText(error)}`, hint: 'point masterSecret at a secret holding the privileged account, readable by the rotation' }];
  }
  const login = loginOf(privileged, target, silentLogger);
  let session: TargetSession;
  try {
    session = await target.connect(login);
  } catch (error) {
    return [{ id: 'db.master-server', outcome: 'fail', summary: `the privileged account ${privileged.username} does not log in: ${errorText(error)}`, hint: 'fix the privileged secret (masterSecret) so its account logs in' }];
  }
  try {
    const [mine, theirs]: [SessionIdentity, SessionIdentity] = [await current.identity(), await session.identity()];
    if (mine.server !== theirs.server) {
      return [{
        id: 'db.master-server',
        outcome: 'fail',
        summary: `the privileged account reaches server ${theirs.server}, the current user ${mine.server}`,
        hint: 'point masterSecret at the privileged secret of the server the current user is on',
      }];
    }
    const checks: DoctorCheck[] = [{ id: 'db.master-server', outcome: 'pass', summary: `the privileged account ${theirs.user} is on the current user's server` }];
    checks.push(await rightsCheck(target, login, theirs.user));
    return checks;
  } finally {
    await session.close();
  }
}

/** How each engine's privileged account shows it may create users and grant, read through the target's introspection. */
const RIGHTS: Readonly<Record<string, { open(target: Target, login: Login): Promise<UserIntrospection>; missing(profile: UserProfile): string[]; grant(user: string): string }>> = {
  // MySQL and MariaDB: its own grants (SHOW GRANTS): CREATE USER (or ALL PRIVILEGES) and GRANT OPTION on *.*.
  mysql: {
    open: async (target, login) => (await import('@rotakit/target-mysql/internal')).openMysqlIntrospection(target as MysqlTarget, login),
    missing: ({ privileges }) => {
      const global = (name: string): boolean => privileges.some((privilege) => privilege.endsWith(`${name} ON *.*`));
      return [...(global('ALL PRIVILEGES') || global('CREATE USER') ? [] : ['CREATE USER']), ...(global('GRANT OPTION') ? [] : ['GRANT OPTION'])];
    },
    grant: (user) => `GRANT CREATE USER ON *.* TO ${user} WITH GRANT OPTION (and the privileges it passes on)`,
  },
  // PostgreSQL: SUPERUSER or CREATEROLE (which creates roles and grants memberships it administers).
  postgres: {
    open: async (target, login) => (await import('@rotakit/target-postgres/internal')).openPostgresIntrospection(target as PostgresTarget, login),
    missing: ({ privileges }) => (privileges.includes('attribute SUPERUSER') || privileges.includes('attribute CREATEROLE') ? [] : ['CREATEROLE']),
    grant: (user) => `ALTER ROLE ${user} CREATEROLE (and WITH GRANT OPTION on what it passes on)`,
  },
  // SQL Server: sysadmin or securityadmin, or ALTER ANY LOGIN granted.
  mssql: {
    open: async (target, login) => (await import('@rotakit/target-mssql/internal')).openMssqlIntrospection(target as MssqlTarget, login),
    missing: ({ privileges, roles }) =>
      roles.some((role) => /^(sysadmin|securityadmin)$/i.test(role)) || privileges.some((privilege) => /^GRANT(_WITH_GRANT_OPTION)? ALTER ANY LOGIN on /i.test(privilege)) ? [] : ['ALTER ANY LOGIN'],
    grant: (user) => `GRANT ALTER ANY LOGIN TO [${user}] (and ALTER ANY USER in each database)`,
  },
};

/** Whether the privileged account holds the rights to create users and grant, by its own profile. */
async function rightsCheck(target: Target, login: Login, user: string): Promise<DoctorCheck> {
  const rights = RIGHTS[target.engine];
  if (rights === undefined) {
    return { id: 'db.master-rights', outcome: 'warn', summary: `the privileged account's rights are not checked on ${target.engine}`, hint: 'make sure it may create users and grant' };
  }
  let introspection: UserIntrospection | undefined;
  try {
    introspection = await rights.open(target, login);
    const profile = await introspection.inspectUser(user);
    const missing = profile === undefined ? ['its own entry'] : rights.missing(profile);
    if (missing.length > 0) {
      return { id: 'db.master-rights', outcome: 'fail', summary: `the privileged account ${user} lacks ${missing.join(' and ')}`, hint: rights.grant(user) };
    }
    return { id: 'db.master-rights', outcome: 'pass', summary: `the privileged account ${user} may create users and grant` };
  } catch (error) {
    return { id: 'db.master-rights', outcome: 'fail', summary: `the privileged account's rights cannot be read: ${errorText(error)}`, hint: `it must be able to read its own grants; ${rights.grant(user)}` };
  } finally {
    await introspection?.close();
  }
}

function refusedCheck(id: string, error: unknown): DoctorCheck {
  return { id, outcome: 'fail', summary: `the check could not be made: ${errorText(error)}`, hint: 'let the principal doctor runs as make this read-only call (the error names it), or fix the endpoint' };
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return isRotakitError(error) ? `${error.code}: ${message}` : message;
}

function scrub(check: DoctorCheck, redactor: Redactor): DoctorCheck {
  return {
    id: check.id,
    outcome: check.outcome,
    summary: redactor.text(check.summary),
    ...(check.hint === undefined ? {} : { hint: redactor.text(check.hint) }),
  };
}
