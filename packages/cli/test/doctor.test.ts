import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createConnection } from 'mysql2/promise';
import {
  startAlibabaKmsEmulator,
  startAlibabaWorkflowEmulator,
  startAwsIamEmulator,
  startAwsLambdaEmulator,
  startAwsSecretsManagerEmulator,
  startMariaDb,
  startNcloudSecretManagerEmulator,
  startPostgres,
  MssqlFake,
  type AlibabaKmsEmulator,
  type AlibabaWorkflowEmulator,
  type AwsIamEmulator,
  type AwsLambdaEmulator,
  type AwsSecretsManagerEmulator,
  type MariaDbServer,
  type NcloudSecretManagerEmulator,
} from '@rotakit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIBABA_KEYS, alibabaEnv, awsEnv, createUser, NCLOUD_KEY, ncloudEnv, OutputScan } from './helpers.js';

// Two MariaDB servers: `db` serves TLS (its CA and a CA that issued nothing), `other` is a second
// server a misconfigured privileged secret can point at.
let db: MariaDbServer;
let other: MariaDbServer;
let dir: string;
let caFile: string;
let otherCaFile: string;
const scan = new OutputScan();

interface Check {
  id: string;
  outcome: 'pass' | 'fail' | 'warn';
  summary: string;
  hint?: string;
}

async function doctorJson(args: string[], env: Record<string, string>): Promise<{ code: number; ok: boolean; checks: Record<string, Check> }> {
  const run = await scan.run(['doctor', ...args, '--json'], env);
  expect(run.stderr).toBe('');
  const [report] = (JSON.parse(run.stdout) as { secrets: { ok: boolean; checks: Check[] }[] }).secrets;
  return { code: run.code, ok: report!.ok, checks: Object.fromEntries(report!.checks.map((check) => [check.id, check])) };
}

const outcomes = (checks: Record<string, Check>): Record<string, string> => Object.fromEntries(Object.entries(checks).map(([id, check]) => [id, check.outcome]));

beforeAll(async () => {
  [db, other] = await Promise.all([startMariaDb({ tls: true }), startMariaDb()]);
  dir = mkdtempSync(join(tmpdir(), 'rotakit-doctor-'));
  caFile = join(dir, 'ca.pem');
  otherCaFile = join(dir, 'other-ca.pem');
  writeFileSync(caFile, db.ca!);
  writeFileSync(otherCaFile, db.otherCa!);
});
afterAll(async () => {
  scan.expectNoSecret();
  if ((dir as string | undefined) !== undefined) rmSync(dir, { recursive: true, force: true });
  // A server that did not start (its error is the beforeAll's) has nothing to close.
  await Promise.all([db as MariaDbServer | undefined, other as MariaDbServer | undefined].map((server) => server?.close()));
});

describe('rotakit doctor on AWS Secrets Manager', () => {
  let sm: AwsSecretsManagerEmulator;
  let lambda: AwsLambdaEmulator;
  let iam: AwsIamEmulator;
  let env: Record<string, string>;
  let role: string;
  let lambdaClient: LambdaClient;
  const allowRotation = (principal: string, resource: string) =>
    iam.putPolicy(principal, 'rotation', {
      Statement: [{ Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'], Resource: resource }],
    });

  beforeAll(async () => {
    [sm, lambda, iam] = await Promise.all([startAwsSecretsManagerEmulator(), startAwsLambdaEmulator(), startAwsIamEmulator()]);
    env = { ...awsEnv(sm.url), AWS_ENDPOINT_URL_LAMBDA: lambda.url, AWS_ENDPOINT_URL_IAM: iam.url };
    role = iam.createRole('rotator');
    allowRotation(role, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:doc/*');
    lambda.addFunction('rotator', () => null, { role });
    lambda.addFunction('rotator-no-permission', () => null, { role });
    lambdaClient = new LambdaClient({ endpoint: lambda.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    await lambdaClient.send(new AddPermissionCommand({ FunctionName: 'rotator', StatementId: 'sm', Action: 'lambda:InvokeFunction', Principal: 'secretsmanager.amazonaws.com', SourceAccount: '123456789012' }));
  });
  afterAll(() => Promise.all([sm.close(), lambda.close(), iam.close()]));

  /** Seeds `name` with a user of `db` (created with a fresh password), its master secret and rotation function. */
  async function seed(name: string, options: { master?: MariaDbServer | { username: string; password: string }; lambda?: string; username?: string; value?: string } = {}): Promise<void> {
    const username = options.username ?? name.replace(/\W/g, '_');
    const password = scan.password(username);
    await createUser(db, username, password);
    let masterarn: string | undefined;
    if (options.master !== undefined) {
      const account = 'admin' in options.master ? options.master.admin : options.master;
      const host = 'admin' in options.master ? options.master : db;
      masterarn = sm.seedSecret({
        name: `${name}/master`,
        versions: [{ secretString: JSON.stringify({ engine: 'mariadb', host: host.host, port: host.port, ...account }), stages: ['AWSCURRENT'] }],
      }).arn;
    }
    const value = options.value ?? JSON.stringify({ engine: 'mariadb', host: db.host, port: db.port, username, password, ...(masterarn === undefined ? {} : { masterarn }) });
    sm.seedSecret({
      name,
      versions: [{ secretString: value, stages: ['AWSCURRENT'] }],
      rotation: { lambdaArn: lambda.functionArn(options.lambda ?? 'rotator'), rules: { AutomaticallyAfterDays: 30 }, enabled: true },
    });
  }

  it('a well-wired alternating secret: every check ✓ and exit 0, the same as data with --json', async () => {
    await seed('doc/good', { master: db });
    const run = await scan.run(['doctor', 'doc/good', '--cloud', 'aws', '--check-db', '--ca', caFile], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:doc\/good-\w+ \(aws\): ready to rotate$/m);
    expect(run.stdout).not.toMatch(/[✗!] /);
    const json = await doctorJson(['doc/good', '--cloud', 'aws', '--check-db', '--ca', caFile], env);
    expect(json.code).toBe(0);
    expect(json.ok).toBe(true);
    expect(outcomes(json.checks)).toEqual({
      'secret.parse': 'pass',
      'secret.engine': 'pass',
      'store.permissions': 'pass',
      'rotation.function': 'pass',
      'password.policy': 'pass',
      'db.alternate-username': 'pass',
      'db.reachable': 'pass',
      'db.tls': 'pass',
      'db.login': 'pass',
      'db.master-server': 'pass',
      'db.master-rights': 'pass',
    });
    expect(json.checks['store.permissions']!.summary).toContain(role);
    // Each line of text is one check with its mark.
    for (const id of Object.keys(json.checks)) expect(run.stdout).toContain(`✓ ${id}: `);
  });

  it("✗ rotation.function when the Lambda's resource policy does not let Secrets Manager invoke it for this secret, ! when it lets any account's", async () => {
    await seed('doc/no-permission', { lambda: 'rotator-no-permission' });
    const run = await scan.run(['doctor', 'doc/no-permission', '--cloud', 'aws'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ rotation\.function: .*does not let secretsmanager\.amazonaws\.com invoke it/);
    expect(run.stdout).toMatch(/fix: aws lambda add-permission --function-name \S+rotator-no-permission .*--principal secretsmanager\.amazonaws\.com/);
    // A statement with no SourceAccount or SourceArn lets any account's secret invoke it: a warning.
    lambda.addFunction('rotator-open', () => null, { role });
    lambda.addFunction('rotator-other-secret', () => null, { role });
    await lambdaClient.send(new AddPermissionCommand({ FunctionName: 'rotator-open', StatementId: 'sm', Action: 'lambda:InvokeFunction', Principal: 'secretsmanager.amazonaws.com' }));
    await lambdaClient.send(new AddPermissionCommand({ FunctionName: 'rotator-other-secret', StatementId: 'sm', Action: 'lambda:InvokeFunction', Principal: 'secretsmanager.amazonaws.com', SourceArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other/*' }));
    await seed('doc/open-function', { lambda: 'rotator-open' });
    const open = await doctorJson(['doc/open-function', '--cloud', 'aws'], env);
    expect(open.code).toBe(0);
    expect(open.checks['rotation.function']).toMatchObject({ outcome: 'warn', hint: expect.stringContaining('--source-account 123456789012') });
    await seed('doc/other-secret', { lambda: 'rotator-other-secret' });
    expect((await doctorJson(['doc/other-secret', '--cloud', 'aws'], env)).checks['rotation.function']!.outcome).toBe('fail');
    // A refused read is that check's finding, in one line with rotakit's code; the other checks still run.
    lambda.injectFault({ operation: 'GetFunction', kind: 'error', times: 1, response: { status: 403, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' }, body: '{"Message":"not authorized to perform lambda:GetFunction"}' } });
    const refused = await doctorJson(['doc/open-function', '--cloud', 'aws', '--principal', role], env);
    expect(refused.code).toBe(1);
    expect(refused.checks['rotation.function']).toMatchObject({ outcome: 'fail', summary: expect.stringMatching(/^the check could not be made: StoreAccessDenied: /) });
    expect(refused.checks['store.permissions']!.outcome).toBe('pass');
    await seed('doc/no-function', { lambda: 'never-deployed' });
    const missing = await doctorJson(['doc/no-function', '--cloud', 'aws'], env);
    expect(missing.code).toBe(1);
    expect(missing.checks['rotation.function']).toMatchObject({ outcome: 'fail', summary: expect.stringContaining('does not exist') });
  });

  it('✗ store.permissions when IAM denies PutSecretValue to the principal', async () => {
    await seed('doc/denied');
    const denied = iam.createRole('denied-rotator');
    allowRotation(denied, '*');
    iam.putPolicy(denied, 'no-writes', { Statement: { Effect: 'Deny', Action: 'secretsmanager:PutSecretValue', Resource: '*' } });
    const json = await doctorJson(['doc/denied', '--cloud', 'aws', '--principal', denied], env);
    expect(json.code).toBe(1);
    expect(json.checks['store.permissions']).toMatchObject({ outcome: 'fail', summary: expect.stringContaining('secretsmanager:PutSecretValue (explicitDeny)') });
    expect(json.checks['store.permissions']!.hint).toContain('secretsmanager:PutSecretValue');
    // The Lambda's role is the default principal, and it is allowed everything.
    expect((await doctorJson(['doc/denied', '--cloud', 'aws'], env)).checks['store.permissions']!.outcome).toBe('pass');
  });

  it('✗ db.tls when the server certificate does not verify against --ca', async () => {
    await seed('doc/wrong-ca');
    const json = await doctorJson(['doc/wrong-ca', '--cloud', 'aws', '--check-db', '--ca', otherCaFile], env);
    expect(json.code).toBe(1);
    expect(json.checks['db.reachable']!.outcome).toBe('pass');
    expect(json.checks['db.tls']).toMatchObject({ outcome: 'fail', hint: expect.stringContaining('--ca') });
    expect(json.checks['db.login']).toBeUndefined();
  });

  it('✗ db.master-server when the privileged secret is an account of another server; ✗ db.master-rights without CREATE USER', async () => {
    await seed('doc/other-master', { master: other });
    const json = await doctorJson(['doc/other-master', '--cloud', 'aws', '--check-db', '--tls', 'require'], env);
    expect(json.code).toBe(1);
    expect(json.checks['db.login']!.outcome).toBe('pass');
    expect(json.checks['db.tls']!.outcome).toBe('warn');
    expect(json.checks['db.master-server']).toMatchObject({ outcome: 'fail', hint: expect.stringContaining('masterSecret') });
    expect(json.checks['db.master-rights']).toBeUndefined();

    const weak = { username: 'doc_weak_admin', password: scan.password('weak') };
    await createUser(db, weak.username, weak.password);
    // It may read the grant tables, so its own grants are seen, but it may not create users or grant.
    const admin = await createConnection({ host: db.host, port: db.port, user: db.admin.username, password: db.admin.password });
    await admin.query('GRANT SELECT ON mysql.* TO ?@?', [weak.username, '%']).finally(() => admin.end());
    await seed('doc/weak-master', { master: weak });
    const weakJson = await doctorJson(['doc/weak-master', '--cloud', 'aws', '--check-db', '--ca', caFile], env);
    expect(weakJson.code).toBe(1);
    expect(weakJson.checks['db.master-server'], weakJson.checks['db.master-server']?.summary).toMatchObject({ outcome: 'pass' });
    expect(weakJson.checks['db.master-rights']).toMatchObject({ outcome: 'fail', summary: expect.stringContaining('CREATE USER and GRANT OPTION') });
  });

  it('✗ db.login for a refused password, ✗ db.reachable for a port nothing answers, ✗ db.alternate-username past 32 characters, ✗ password.policy that cannot be met', async () => {
    const username = 'doc_refused';
    await createUser(db, username, scan.password('actual'));
    sm.seedSecret({
      name: 'doc/refused',
      versions: [{ secretString: JSON.stringify({ engine: 'mysql', host: db.host, port: db.port, username, password: scan.password('stale') }), stages: ['AWSCURRENT'] }],
      rotation: { lambdaArn: lambda.functionArn('rotator'), rules: { AutomaticallyAfterDays: 30 }, enabled: true },
    });
    const refused = await doctorJson(['doc/refused', '--cloud', 'aws', '--check-db', '--ca', caFile], env);
    expect(refused.checks['db.login']).toMatchObject({ outcome: 'fail', hint: expect.stringContaining('rotakit recover') });

    sm.seedSecret({
      name: 'doc/unreachable',
      versions: [{ secretString: JSON.stringify({ engine: 'mysql', host: '127.0.0.1', port: 9, username: 'app', password: scan.password('unreachable') }), stages: ['AWSCURRENT'] }],
      rotation: { lambdaArn: lambda.functionArn('rotator'), rules: { AutomaticallyAfterDays: 30 }, enabled: true },
    });
    const unreachable = await doctorJson(['doc/unreachable', '--cloud', 'aws', '--check-db'], env);
    expect(unreachable.checks['db.reachable']).toMatchObject({ outcome: 'fail', summary: expect.stringMatching(/^TargetUnreachable: /), hint: expect.stringContaining('host and port') });
    expect(unreachable.checks['db.login']).toBeUndefined();

    await seed('doc/long-name', { username: 'doc_a_username_of_twenty_eight', master: db });
    const long = await doctorJson(['doc/long-name', '--cloud', 'aws', '--password-length', '2'], env);
    expect(long.code).toBe(1);
    expect(long.checks['db.alternate-username']).toMatchObject({ outcome: 'fail', summary: expect.stringContaining('doc_a_username_of_twenty_eight_clone is 36 long; mysql takes at most 32') });
    expect(long.checks['password.policy']).toMatchObject({ outcome: 'fail', summary: expect.stringContaining('password length 2 is too short'), hint: expect.stringContaining('--password-length') });
  });

  it('✗ secret.parse for a value that is not credentials, ✗ secret.engine for an engine rotakit has no target for', async () => {
    await seed('doc/unparseable', { value: 'not json at all' });
    const unparseable = await doctorJson(['doc/unparseable', '--cloud', 'aws'], env);
    expect(unparseable.code).toBe(1);
    expect(unparseable.checks['secret.parse']!.outcome).toBe('fail');
    expect(unparseable.checks['secret.engine']).toBeUndefined();
    await seed('doc/oracle', { value: JSON.stringify({ engine: 'oracle', host: db.host, port: 1521, username: 'app', password: scan.password('oracle') }) });
    const oracle = await doctorJson(['doc/oracle', '--cloud', 'aws', '--check-db'], env);
    expect(oracle.code).toBe(1);
    expect(oracle.checks['secret.parse']!.outcome).toBe('pass');
    expect(oracle.checks['secret.engine']).toMatchObject({ outcome: 'fail', hint: expect.stringContaining('--engine') });
    expect(Object.keys(oracle.checks).filter((id) => id.startsWith('db.'))).toEqual([]);
  });

  /** Seeds `name` as a secret of `engine` at `address` for `user`, with `master` as its privileged secret. */
  function seedOn(name: string, engine: string, address: { host: string; port: number; dbname?: string }, user: { username: string; password: string }, master: { username: string; password: string }): void {
    const masterarn = sm.seedSecret({ name: `${name}/master`, versions: [{ secretString: JSON.stringify({ engine, ...address, ...master }), stages: ['AWSCURRENT'] }] }).arn;
    sm.seedSecret({
      name,
      versions: [{ secretString: JSON.stringify({ engine, ...address, ...user, masterarn }), stages: ['AWSCURRENT'] }],
      rotation: { lambdaArn: lambda.functionArn('rotator'), rules: { AutomaticallyAfterDays: 30 }, enabled: true },
    });
  }

  it('PostgreSQL: ✓ db.master-rights for a superuser, ✗ for a role without CREATEROLE', async () => {
    const pg = await startPostgres({ allowExternal: false });
    try {
      const address = { host: pg.host, port: pg.port, dbname: pg.database };
      const app = { username: 'doc_pg_app', password: scan.password('pg-app') };
      const weak = { username: 'doc_pg_weak', password: scan.password('pg-weak') };
      for (const role of [app, weak]) await pg.query(`CREATE ROLE ${role.username} LOGIN PASSWORD '${role.password}'`);
      seedOn('doc/pg', 'postgres', address, app, pg.admin);
      const good = await doctorJson(['doc/pg', '--cloud', 'aws', '--check-db', '--tls', 'disable'], env);
      expect(good.code).toBe(0);
      expect(outcomes(good.checks)).toMatchObject({ 'db.login': 'pass', 'db.master-server': 'pass', 'db.master-rights': 'pass', 'db.alternate-username': 'pass' });
      seedOn('doc/pg-weak', 'postgres', address, app, weak);
      const weakJson = await doctorJson(['doc/pg-weak', '--cloud', 'aws', '--check-db', '--tls', 'disable'], env);
      expect(weakJson.code).toBe(1);
      expect(weakJson.checks['db.master-rights']).toMatchObject({ outcome: 'fail', summary: 'the privileged account doc_pg_weak lacks CREATEROLE', hint: expect.stringContaining('CREATEROLE') });
    } finally {
      await pg.close();
    }
  });

  it('SQL Server (TDS fake): ✓ db.master-rights for sysadmin, ✗ for a login without ALTER ANY LOGIN', async () => {
    const fake = await MssqlFake.start();
    try {
      const admin = { username: 'sa', password: scan.password('Ms-admin') };
      const app = { username: 'doc_ms_app', password: scan.password('Ms-app') };
      const weak = { username: 'doc_ms_weak', password: scan.password('Ms-weak') };
      fake.catalog.addLogin(admin.username, admin.password, { sysadmin: true });
      fake.catalog.addLogin(app.username, app.password);
      fake.catalog.addLogin(weak.username, weak.password);
      const address = { host: '127.0.0.1', port: fake.port, dbname: 'master' };
      seedOn('doc/ms', 'sqlserver', address, app, admin);
      const good = await doctorJson(['doc/ms', '--cloud', 'aws', '--check-db', '--tls', 'disable'], env);
      expect(outcomes(good.checks)).toMatchObject({ 'db.login': 'pass', 'db.master-server': 'pass', 'db.master-rights': 'pass' });
      expect(good.code).toBe(0);
      seedOn('doc/ms-weak', 'sqlserver', address, app, weak);
      const weakJson = await doctorJson(['doc/ms-weak', '--cloud', 'aws', '--check-db', '--tls', 'disable'], env);
      expect(weakJson.code).toBe(1);
      expect(weakJson.checks['db.master-rights']).toMatchObject({ outcome: 'fail', summary: 'the privileged account doc_ms_weak lacks ALTER ANY LOGIN', hint: expect.stringContaining('GRANT ALTER ANY LOGIN') });
    } finally {
      await fake.close();
    }
  });

  it('has a --help with its options and examples; exits 2 on bad usage and 1 with one line and the error code for a secret that does not exist', async () => {
    const help = await scan.run(['doctor', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: rotakit doctor <secret> [options]');
    expect(help.stdout).toMatch(/--check-db .*checks that do not apply are not shown/);
    expect(help.stdout).toMatch(/Examples:\n {2}rotakit doctor /);
    const none = await scan.run(['doctor', '--cloud', 'aws'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('rotakit: Usage: doctor needs exactly one secret id\n');
    const usage = await scan.run(['doctor', 'doc/good', '--cloud', 'aws', '--tls', 'disable', '--ca', caFile], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^rotakit: InvalidOptions: --ca goes with --tls verify\n$/);
    const missing = await scan.run(['doctor', 'doc/absent', '--cloud', 'aws'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^rotakit: SecretNotFound: .*\n$/);
  });
});

describe('rotakit doctor on Alibaba Cloud KMS', () => {
  let kms: AlibabaKmsEmulator;
  let workflow: AlibabaWorkflowEmulator;
  beforeAll(async () => {
    [kms, workflow] = await Promise.all([startAlibabaKmsEmulator({ credentials: ALIBABA_KEYS }), startAlibabaWorkflowEmulator({ credentials: ALIBABA_KEYS })]);
    workflow.createFlow({ name: 'rotakit-rotation', definition: 'Type: StateMachine\nSpecVersion: v1\nStartAt: A\nStates:\n  - Type: Pass\n    Name: A\n    End: true\n' });
  });
  afterAll(() => Promise.all([kms.close(), workflow.close()]));

  it('✓ rotation.function for a flow that exists, ✗ for one that does not; store writes are a warning', async () => {
    const env = { ...alibabaEnv(kms.endpoint), ALIBABA_CLOUD_FNF_ENDPOINT: workflow.url };
    kms.seed({
      name: 'doc/ali',
      versions: [{ versionId: 'v1', data: JSON.stringify({ AccountName: 'app', AccountPassword: scan.password('ali'), Endpoint: db.host, Port: db.port }), stages: ['ACSCurrent'] }],
    });
    const good = await doctorJson(['doc/ali', '--cloud', 'alibaba', '--engine', 'mysql', '--flow', 'rotakit-rotation'], env);
    expect(good.code).toBe(0);
    expect(good.checks['rotation.function']!.outcome).toBe('pass');
    expect(good.checks['store.permissions']).toMatchObject({ outcome: 'warn', hint: expect.stringContaining('kms:PutSecretValue') });
    const missing = await scan.run(['doctor', 'doc/ali', '--cloud', 'alibaba', '--engine', 'mysql', '--flow', 'no-such-flow'], env);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/✗ rotation\.function: the flow no-such-flow does not exist/);
    expect(missing.stdout).toMatch(/! store\.permissions: /);
  });
});

describe('rotakit doctor on NAVER Cloud Secret Manager', () => {
  let ncloud: NcloudSecretManagerEmulator;
  beforeAll(async () => {
    ncloud = await startNcloudSecretManagerEmulator({ credentials: [NCLOUD_KEY] });
    ncloud.registerAction('doc-rotate', async () => ({}));
  });
  afterAll(() => ncloud.close());

  it('✓ rotation.function with a trigger, ✗ without one', async () => {
    const env = ncloudEnv(ncloud.regionalUrl);
    const chain = () => ({ active: { cdbUser: 'app', cdbPassword: scan.password('nc'), cdbHost: db.host, cdbPort: String(db.port) } });
    const wired = ncloud.seedSecret({ chain: chain(), rotationTargets: ['cdbPassword'], triggerId: 'doc-rotate' });
    const good = await doctorJson([wired, '--cloud', 'ncloud', '--engine', 'mysql'], env);
    expect(good.code).toBe(0);
    expect(good.checks['rotation.function']).toMatchObject({ outcome: 'pass', summary: expect.stringContaining('doc-rotate') });
    const bare = ncloud.seedSecret({ chain: chain(), rotationTargets: ['cdbPassword'] });
    const missing = await doctorJson([bare, '--cloud', 'ncloud', '--engine', 'mysql'], env);
    expect(missing.code).toBe(1);
    expect(missing.checks['rotation.function']).toMatchObject({ outcome: 'fail', summary: 'the secret has no rotation trigger' });
  });
});
