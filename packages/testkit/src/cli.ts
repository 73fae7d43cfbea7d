import { parseArgs } from 'node:util';
import { startAlibabaKmsEmulator } from './emulators/alibaba/index.js';
import { startAlibabaRdsEmulator } from './emulators/alibaba-rds/index.js';
import { startNcloudSecretManagerEmulator } from './emulators/ncloud/index.js';
import { AWS_EMULATOR_CREDENTIALS, startAwsSecretsManagerEmulator, type AwsEmulatorCredentials } from './emulators/aws/index.js';

/** Starts one emulator standalone: `rotakit-emulator aws|alibaba|alibaba-rds|ncloud [--port N] [--host H]`. */
type Starter = (options: { port: number; host: string }) => Promise<{ url: string; close(): Promise<void> }>;

/**
 * The AWS emulator accepts the documented test pair and, when the environment names one, the key
 * pair the SDK would sign with from there (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
 */
function awsCredentials(env: NodeJS.ProcessEnv): AwsEmulatorCredentials[] {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  const fromEnvironment =
    accessKeyId && secretAccessKey ? [{ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }] : [];
  return [...fromEnvironment, { ...AWS_EMULATOR_CREDENTIALS }];
}

// Each cloud's emulator registers its starter here.
const starters: Record<string, Starter> = {
  aws: (options) => startAwsSecretsManagerEmulator({ ...options, credentials: awsCredentials(process.env) }),
  alibaba: (options) => startAlibabaKmsEmulator(options),
  'alibaba-rds': (options) => startAlibabaRdsEmulator(options),
  ncloud: startNcloudSecretManagerEmulator,
};

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  const cloud = positionals[0];
  const start = cloud ? starters[cloud] : undefined;
  if (!start) {
    process.stderr.write(`usage: rotakit-emulator ${Object.keys(starters).join('|')} [--port N] [--host H]\n`);
    process.exit(2);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`rotakit-emulator: --port must be a whole number from 0 to 65535\n`);
    process.exit(2);
  }
  const emulator = await start({ port, host: values.host });
  process.stdout.write(`${cloud} emulator listening on ${emulator.url}\n`);
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
