// AWS: Secrets Manager's RotateSecret invokes the deployable Lambda function of examples/aws-lambda
// (its built bundle, configured only by environment variables), which rotates the user's password
// on the embedded PostgreSQL.
import { RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AWS_EMULATOR_CREDENTIALS, startAwsSecretsManagerEmulator } from '@rotakit/testkit';

const BUNDLE = new URL('../aws-lambda/dist/index.mjs', import.meta.url);
const SECRET = 'demo/aws/app';

/**
 * Rotates `user` ({username, password}) on `server` the AWS way. Resolves to what the demo prints
 * and checks: how the rotation ended, the secret's stages and the current value.
 */
export async function rotateOnAws(server, user) {
  const aws = await startAwsSecretsManagerEmulator();
  try {
    // What Lambda's environment gives the function: region, the role's keys (the emulator's
    // accepted pair: it verifies SigV4), and the template's settings. The server has no TLS.
    Object.assign(process.env, {
      AWS_REGION: aws.region,
      AWS_ACCESS_KEY_ID: AWS_EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: AWS_EMULATOR_CREDENTIALS.secretAccessKey,
      SECRETS_MANAGER_ENDPOINT: aws.url,
      TLS_MODE: 'disable',
    });
    // Loaded as the Lambda runtime loads `index.handler`: an import of the bundle, once per container.
    const { handler } = await import(BUNDLE.href);
    const arn = aws.functionArn('demo-rotation');
    aws.registerRotationFunction(arn, handler, { timeoutMs: 30_000 }); // template.yaml's Timeout

    // AWS's RDS convention for a PostgreSQL secret.
    const value = { engine: 'postgres', host: server.host, port: server.port, username: user.username, password: user.password, dbname: server.database };
    aws.seedSecret({ name: SECRET, versions: [{ secretString: JSON.stringify(value), stages: ['AWSCURRENT'] }] });
    const before = stageTable(aws);

    // The client finds its region, keys and endpoint where the function does: the environment.
    const client = new SecretsManagerClient({ endpoint: aws.url });
    await client.send(new RotateSecretCommand({ SecretId: SECRET, RotationLambdaARN: arn, RotationRules: { AutomaticallyAfterDays: 30 } }));
    client.destroy();
    // RotateSecret answers first; the service then invokes the four steps in the background.
    const record = await aws.rotationSettled(SECRET);
    const steps = (record?.invocations ?? []).map(({ step, ok }) => `${step} ${ok ? 'ok' : 'failed'}`);
    const current = JSON.parse(aws.stageValues(SECRET).current);
    return {
      cloud: 'aws',
      how: `RotateSecret (official AWS SDK client) invoked examples/aws-lambda's bundle: ${steps.join(', ')}`,
      succeeded: record?.status === 'succeeded',
      before,
      after: stageTable(aws),
      current: { host: current.host, port: current.port, database: current.dbname, username: current.username, password: current.password },
      values: valuesOf(aws),
      // The emulator's public default pair (test/test) is left out: "test" is a word the output holds anyway.
      keys: [],
    };
  } finally {
    await aws.close();
  }
}

/** The secret's labelled versions: short id, labels, username. No password, nor anything derived from one. */
function stageTable(aws) {
  return versionsOf(aws)
    .filter((version) => version.VersionStages.length > 0)
    .map((version) => ({
      version: version.VersionId.slice(0, 8),
      stages: version.VersionStages.join(','),
      username: JSON.parse(version.SecretString ?? '{}').username ?? '-',
    }));
}

function versionsOf(aws) {
  return aws.state().secrets.find((secret) => secret.Name === SECRET)?.Versions ?? [];
}

/** Every value the secret held, for the machine-readable report (the test scans the output for their passwords). */
function valuesOf(aws) {
  return versionsOf(aws).flatMap((version) => (version.SecretString === undefined ? [] : [version.SecretString]));
}
