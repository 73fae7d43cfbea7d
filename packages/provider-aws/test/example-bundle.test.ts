import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AddPermissionCommand } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { awsSchema } from '@rotakit/provider-aws';
import { postgresTarget } from '@rotakit/target-postgres';
import { AWS_EMULATOR_CREDENTIALS, startPostgres, type PostgresFixture } from '@rotakit/testkit';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecret, startAwsWorld, type AwsWorld } from './helpers.js';

const bundle = fileURLToPath(new URL('../../../examples/aws-lambda/dist/index.mjs', import.meta.url));

describe('examples/aws-lambda, as bundled for deployment', () => {
  let world: AwsWorld;
  let db: PostgresFixture;
  const settings = {
    SECRETS_MANAGER_ENDPOINT: '',
    AWS_REGION: 'us-east-1',
    // The Lambda runtime's credentials: the pair the emulators accept.
    AWS_ACCESS_KEY_ID: AWS_EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: AWS_EMULATOR_CREDENTIALS.secretAccessKey,
    TLS_MODE: 'disable',
    ROTATION_STRATEGY: 'single-user',
  };
  const saved = Object.fromEntries(Object.keys(settings).map((key) => [key, process.env[key]]));

  beforeAll(async () => {
    [world, db] = await Promise.all([startAwsWorld(), startPostgres({ allowExternal: false })]);
  });
  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await Promise.all([world?.close(), db?.close()]);
  });

  it('rotates a PostgreSQL secret when the emulator\'s RotateSecret invokes it', async () => {
    expect(existsSync(bundle), 'the example is not built: run pnpm -r build').toBe(true);
    // The function reads its settings and the Lambda runtime's variables when loaded, as in Lambda.
    Object.assign(process.env, settings, { SECRETS_MANAGER_ENDPOINT: world.sm.url });
    const { handler } = (await import(pathToFileURL(bundle).href)) as {
      handler: (event: SecretsManagerRotationEvent) => Promise<unknown>;
    };
    world.lambda.addFunction('example', (event) => handler(event as SecretsManagerRotationEvent));
    await db.query(`CREATE ROLE example_app LOGIN PASSWORD 'Example-initial-1'`);
    const id = await createSecret(world.smClient, {
      engine: 'postgres',
      host: db.host,
      port: db.port,
      username: 'example_app',
      password: 'Example-initial-1',
      dbname: db.database,
    });
    await world.lambdaClient.send(
      new AddPermissionCommand({
        FunctionName: 'example',
        StatementId: 'SecretsManagerAccess',
        Action: 'lambda:InvokeFunction',
        Principal: 'secretsmanager.amazonaws.com',
      }),
    );
    await world.smClient.send(
      new RotateSecretCommand({ SecretId: id, RotationLambdaARN: world.lambda.functionArn('example'), RotationRules: { AutomaticallyAfterDays: 30 } }),
    );
    expect((await world.sm.rotationSettled(id))?.error ?? '').toBe('');
    const { SecretString } = await world.smClient.send(new GetSecretValueCommand({ SecretId: id }));
    const credentials = awsSchema.parse(SecretString as string).credentials;
    expect(credentials.password).not.toBe('Example-initial-1');
    const session = await postgresTarget({ tls: { mode: 'disable' } }).connect({
      username: 'example_app',
      password: credentials.password,
      host: db.host,
      port: db.port,
      database: db.database,
      tls: 'disable',
    });
    await session.ping();
    await session.close();
  });
});
