import { isRotakitError, type Login, type RotakitErrorCode, type TlsMode } from '@rotakit/core';
import type { PostgresFixture } from '@rotakit/testkit';
import { expect } from 'vitest';
import type { PostgresTarget } from '@rotakit/target-postgres';

/** Every error the target threw in a test file, for the final no-password scan. */
export const thrown: unknown[] = [];

/** A login on the fixture's server. */
export function loginOn(server: PostgresFixture, username: string, password: string, tls: TlsMode = 'disable'): Login {
  return { username, password, host: server.host, port: server.port, database: server.database, tls };
}

/** Connects and closes at once; rejects with the target's error (also recorded in `thrown`). */
export async function logsIn(target: PostgresTarget, login: Login): Promise<void> {
  try {
    const session = await target.connect(login);
    await session.ping();
    await session.close();
  } catch (error) {
    thrown.push(error);
    throw error;
  }
}

/** Asserts that `action` fails with a rotakit error of `code`, and returns it. */
export async function failsWith(action: Promise<unknown>, code: RotakitErrorCode): Promise<Error> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  thrown.push(error);
  expect(isRotakitError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  return error as Error;
}

/** Asserts that no recorded error mentions any of `passwords`, in its message, stack or cause chain. */
export function expectNoPasswordIn(errors: readonly unknown[], passwords: readonly string[]): void {
  for (const error of errors) {
    let current: unknown = error;
    while (current instanceof Error) {
      for (const password of passwords) {
        expect(current.message).not.toContain(password);
        expect(current.stack ?? '').not.toContain(password);
      }
      current = current.cause;
    }
  }
}

/**
 * The catalog of roles (with their password verifiers), memberships and object privileges, minus
 * the roles named in `rotated`: equal before and after a call that must change nothing else.
 */
export async function catalog(server: PostgresFixture, rotated: readonly string[]): Promise<string> {
  const result = await server.query<{ entry: string }>(
    `WITH acl AS (
       SELECT 'database ' || datname AS object, aclexplode(datacl) AS a FROM pg_database
       UNION ALL SELECT 'schema ' || nspname, aclexplode(nspacl) FROM pg_namespace
       UNION ALL SELECT 'relation ' || oid::regclass::text, aclexplode(relacl) FROM pg_class
       UNION ALL SELECT 'routine ' || oid::regprocedure::text, aclexplode(proacl) FROM pg_proc)
     SELECT 'acl ' || object || ' ' || coalesce(grantee.rolname, 'PUBLIC') || ' ' || grantor.rolname || ' ' ||
            (a).privilege_type || ' ' || (a).is_grantable AS entry
       FROM acl LEFT JOIN pg_roles grantee ON grantee.oid = (a).grantee JOIN pg_roles grantor ON grantor.oid = (a).grantor
      WHERE coalesce(grantee.rolname, '') <> ALL($1) AND grantor.rolname <> ALL($1)
     UNION ALL
     SELECT 'role ' || row_to_json(r)::text FROM pg_authid r WHERE rolname <> ALL($1)
     UNION ALL
     SELECT 'member ' || r.rolname || ' ' || m.rolname || ' ' || am.admin_option
       FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
      WHERE r.rolname <> ALL($1) AND m.rolname <> ALL($1)
     ORDER BY 1`,
    [rotated],
  );
  return result.rows.map((row) => row.entry).join('\n');
}
