import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresFixture } from '@rotakit/testkit';
import { postgresTarget } from '@rotakit/target-postgres';
import { preparePassword, scramSha256Verifier } from '../src/internal.js';
import { expectNoPasswordIn, failsWith, loginOn, logsIn, thrown } from './helpers.js';

describe('passwords reach the server as SCRAM verifiers', () => {
  let server: PostgresFixture;
  const target = postgresTarget({ tls: { mode: 'disable' } });
  const plaintextTarget = postgresTarget({ tls: { mode: 'disable' }, passwordEncoding: 'plaintext' });

  beforeAll(async () => {
    server = await startPostgres({ logStatements: true });
    await server.query("CREATE ROLE scram_self LOGIN PASSWORD 'Initial-password-1'");
    await server.query("CREATE ROLE scram_source LOGIN PASSWORD 'Initial-password-2'");
  });
  afterAll(() => server?.close());

  it('setOwnPassword and syncUser keep the plaintext out of a log_statement=all log, and it logs in', async () => {
    const own = 'Own-secret-Zq7$x';
    const synced = 'Synced-secret-Kw3%y';
    const session = await target.connect(loginOn(server, 'scram_self', 'Initial-password-1'));
    await session.setOwnPassword(own);
    await session.close();
    const admin = await target.connect(loginOn(server, server.admin.username, server.admin.password));
    await admin.syncUser({ source: 'scram_source', user: 'scram_clone', password: synced });
    await admin.close();

    await logsIn(target, loginOn(server, 'scram_self', own));
    await logsIn(target, loginOn(server, 'scram_clone', synced));
    const log = server.log();
    expect(log).toMatch(/ALTER ROLE SESSION_USER PASSWORD E'SCRAM-SHA-256\$4096:/);
    expect(log).toMatch(/ALTER ROLE "scram_clone" PASSWORD E'SCRAM-SHA-256\$4096:/);
    expect(log).not.toContain(own);
    expect(log).not.toContain(synced);
    const stored = await server.query<{ rolpassword: string }>(
      "SELECT rolpassword FROM pg_authid WHERE rolname IN ('scram_self', 'scram_clone')",
    );
    for (const row of stored.rows) expect(row.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
  });

  it('plaintext encoding sends the password itself (the log shows it: the control for the test above)', async () => {
    const password = 'Plain-visible-Jx5&u';
    const session = await plaintextTarget.connect(loginOn(server, 'scram_self', 'Own-secret-Zq7$x'));
    await session.setOwnPassword(password);
    await session.close();
    await logsIn(plaintextTarget, loginOn(server, 'scram_self', password));
    expect(server.log()).toContain(password);
  });

  // The server hashes a plaintext password after its own SASLprep; our verifier must equal it
  // for the same salt, or a libpq client would not log in with the password.
  const samples = [
    'plain-ascii-password',
    `quote'back\\slash"%;--`,
    'ﬁligature', // NFKC: "filigature"
    'non\u00A0breaking space', // mapped to a space
    'soft\u00ADhyphen', // mapped to nothing
    'пароль-密码-ünïcødé',
    'emoji-😀-after-unicode-3.2', // prohibited for SASLprep: used as given
    'private\uE000use-ﬁ', // prohibited: used as given, ligature kept
    'bell\u0007and-ﬁ', // control character: prohibited, used as given
    'שלום', // right-to-left only: allowed
    'mixed-שלום-ltr', // bidi violation: used as given
  ];
  it.each(samples)('the verifier equals the server\'s own for %j', async (password) => {
    await server.query(`ALTER ROLE scram_source PASSWORD ${escapeForTest(password)}`);
    const stored = await server.query<{ rolpassword: string }>("SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_source'");
    const verifier = stored.rows[0]?.rolpassword ?? '';
    const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(verifier);
    expect(match).not.toBeNull();
    const ours = scramSha256Verifier(password, { iterations: Number(match?.[1]), salt: Buffer.from(match?.[2] ?? '', 'base64') });
    expect(ours).toBe(verifier);
  });

  it('a password that SASLprep changes logs in with pg, whose client applies the same preparation', async () => {
    const password = 'ﬁ\u00A0Ligature-pass';
    expect(preparePassword(password)).toBe('fi Ligature-pass');
    const session = await target.connect(loginOn(server, 'scram_self', 'Plain-visible-Jx5&u'));
    await session.setOwnPassword(password);
    await session.close();
    await logsIn(target, loginOn(server, 'scram_self', password));
    await failsWith(target.connect(loginOn(server, 'scram_self', 'Plain-visible-Jx5&u')), 'TargetAuthFailed');
  });

  it('no error thrown in this file contains a password', () => {
    expectNoPasswordIn(thrown, ['Plain-visible-Jx5&u', 'Own-secret-Zq7$x', 'Synced-secret-Kw3%y']);
  });
});

/** An independent literal for the admin statement: dollar quoting with a tag the password cannot contain. */
function escapeForTest(password: string): string {
  const tag = '$rotakit_test_9f2$';
  expect(password).not.toContain(tag);
  return `${tag}${password}${tag}`;
}
