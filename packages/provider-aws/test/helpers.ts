import { RDSClient } from '@aws-sdk/client-rds';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { REDACTED, type Logger, type RotationEvent } from '@rotakit/core';
import {
  AWS_EMULATOR_CREDENTIALS,
  startAwsLambdaEmulator,
  startAwsRdsEmulator,
  startAwsSecretsManagerEmulator,
  type AwsLambdaEmulator,
  type AwsRdsEmulator,
  type AwsSecretsManagerEmulator,
} from '@rotakit/testkit';
import { expect } from 'vitest';

/** An official client pointed at an emulator, signing with the key pair the emulators accept by default. */
export function testConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: AWS_EMULATOR_CREDENTIALS,
    maxAttempts: 1,
  };
}

/** The three emulators and an official client for each, connected as in AWS. */
export interface AwsWorld {
  sm: AwsSecretsManagerEmulator;
  rds: AwsRdsEmulator;
  lambda: AwsLambdaEmulator;
  smClient: SecretsManagerClient;
  rdsClient: RDSClient;
  lambdaClient: LambdaClient;
  close(): Promise<void>;
}

/** Starts the Secrets Manager, RDS and Lambda emulators; rotations run before RotateSecret answers. */
export async function startAwsWorld(): Promise<AwsWorld> {
  const [sm, rds, lambda] = await Promise.all([
    startAwsSecretsManagerEmulator({ rotation: { driving: 'before-response' } }),
    startAwsRdsEmulator(),
    startAwsLambdaEmulator(),
  ]);
  sm.useLambda(lambda);
  const smClient = new SecretsManagerClient(testConfig(sm.url));
  const rdsClient = new RDSClient(testConfig(rds.url));
  const lambdaClient = new LambdaClient(testConfig(lambda.url));
  return {
    sm,
    rds,
    lambda,
    smClient,
    rdsClient,
    lambdaClient,
    close: async () => {
      for (const client of [smClient, rdsClient, lambdaClient]) client.destroy();
      await Promise.all([sm.close(), rds.close(), lambda.close()]);
    },
  };
}

let counter = 0;

/** Creates a secret with `value` (an object is written as JSON); returns its ARN. */
export async function createSecret(client: SecretsManagerClient, value: string | object, prefix = 'app'): Promise<string> {
  counter += 1;
  const { ARN } = await client.send(
    new CreateSecretCommand({
      Name: `${prefix}/db-${counter}-${Date.now()}`,
      SecretString: typeof value === 'string' ? value : JSON.stringify(value),
    }),
  );
  return ARN as string;
}

/** A MySQL secret in AWS's convention for user `app` on `db.internal`; `extra` adds or overrides keys. */
export function appSecret(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { engine: 'mysql', host: 'db.internal', port: 3306, username: 'app', password: 'initial-app-password-1', dbname: 'shop', ...extra };
}

/** A logger that keeps every line, and the events seen, for a secret scan. */
export function capture(): { logger: Logger; lines: unknown[]; events: RotationEvent[]; onEvent: (e: RotationEvent) => void } {
  const lines: unknown[] = [];
  const events: RotationEvent[] = [];
  const log =
    (level: string) =>
    (...args: unknown[]) => {
      lines.push({ level, args });
    };
  return {
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    lines,
    events,
    onEvent: (e) => events.push(e),
  };
}

/** Asserts that none of `secrets` appears in anything captured (logs, events, errors with their causes). */
export function expectNoSecrets(secrets: readonly string[], ...captured: unknown[]): void {
  const text = captured.map((item) => serialise(item)).join('\n');
  for (const secret of secrets) {
    if (secret && secret !== REDACTED) expect(text.includes(secret), 'a secret value leaked').toBe(false);
  }
}

function serialise(value: unknown, seen = new WeakSet<object>()): string {
  if (typeof value !== 'object' || value === null) return String(value);
  if (seen.has(value)) return '';
  seen.add(value);
  const parts = Object.entries(value).map(([key, item]) => `${key}=${serialise(item, seen)}`);
  if (value instanceof Error) parts.push(value.name, value.message, value.stack ?? '', serialise(value.cause, seen));
  return parts.join('\n');
}
